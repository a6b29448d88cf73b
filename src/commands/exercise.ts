/**
 * bgplab exercise list | start ID [--name N] | status [LAB] | check [LAB] | hint [LAB] | solve [LAB] | reset [LAB]
 * Thin: the work is app/exercise.ts, the words report/exercise.ts. `check` exits 1 while
 * the stage is not solved.
 */
import chalk from 'chalk';
import { checkExercise, exerciseStatus, hintExercise, listExercises, resetExercise, solveExercise, startExercise } from '../app/exercise.js';
import { withInterrupts } from '../app/signals.js';
import { assertNameOverride } from '../lab/load.js';
import { formatCheckHead } from '../report/console.js';
import { formatExerciseCheck, formatExerciseList, formatSolution, formatStage, formatStatus } from '../report/exercise.js';
import type { RuntimeChoice } from '../runtime/select.js';
import { BgplabError } from '../util/errors.js';
import { consoleRenderer } from '../ui/progress.js';

export async function exerciseListCommand(o: { json: boolean }): Promise<void> {
  const xs = await listExercises();
  if (o.json) process.stdout.write(JSON.stringify(xs, null, 2) + '\n');
  else console.log(formatExerciseList(xs));
  if (xs.some((x) => x.error)) process.exitCode = 1;
}

export async function exerciseStartCommand(o: { id: string; name?: string; runtime: RuntimeChoice; timeoutSec: number }): Promise<void> {
  if (o.name !== undefined) assertNameOverride(o.name);
  const ui = consoleRenderer();
  const r = await withInterrupts((signal) => startExercise(o, { signal, onEvent: ui.onEvent }), {
    what: 'stopping the start',
    cleanup: () => `bgplab down ${o.name ?? ''}`.trim(),
  });
  await ui.done();
  if (r.reused) console.log(chalk.dim(`lab ${r.progress.lab} already runs exercise ${r.e.id}: kept as it is (bgplab exercise reset ${r.progress.lab} starts the stage again)`));
  console.log(`\n${formatStatus(r.e.x, r.e.id, r.progress.lab, r.e.task, r.progress, r.stage)}`);
}

export async function exerciseStatusCommand(o: { lab?: string }): Promise<void> {
  const r = await exerciseStatus(o.lab);
  console.log(formatStatus(r.e.x, r.e.id, r.progress.lab, r.e.task, r.progress, r.stage));
}

export async function exerciseCheckCommand(o: { lab?: string; json: boolean }): Promise<void> {
  const ui = consoleRenderer({ quiet: o.json });
  const r = await withInterrupts((signal) => checkExercise(o.lab, { signal, onEvent: ui.onEvent, onCheck: (run) => !o.json && console.log(chalk.dim(formatCheckHead(run))) }), {
    what: 'stopping the check and restoring what it broke',
    cleanup: () => `bgplab heal --all ${o.lab ?? ''}`.trim(),
  });
  if (o.json) process.stdout.write(JSON.stringify({ exercise: r.e.id, stage: r.checked + 1, passed: r.passed, report: r.report }, null, 2) + '\n');
  else {
    console.log(`\n${formatExerciseCheck(r.report, r.checked, r.passed)}`);
    if (r.passed) console.log(`\n${formatStage(r.e.x, r.progress, r.stage)}`);
  }
  process.exitCode = r.passed ? 0 : 1;
  if (r.report.interrupted) throw new BgplabError('E_INTERRUPTED', 'interrupted: the check stopped; every fault it injected was restored');
}

export async function exerciseHintCommand(o: { lab?: string }): Promise<void> {
  const r = await hintExercise(o.lab);
  if (!r.hint) console.log(formatStage(r.e.x, r.progress, r.stage));
  else console.log(`${chalk.bold(`Hint ${r.hint.index + 1}/${r.hint.of}`)} (stage ${r.progress.stage + 1}): ${r.hint.text.trim()}`);
}

export async function exerciseSolveCommand(o: { lab?: string }): Promise<void> {
  const ui = consoleRenderer();
  const r = await withInterrupts((signal) => solveExercise(o.lab, { signal, onEvent: ui.onEvent }), { what: 'stopping', cleanup: () => 'bgplab exercise reset' });
  console.log(`${chalk.bold(`Reference solution of stage ${r.progress.stage + 1} applied`)} (the lab settled ${(r.settledMs / 1000).toFixed(1)} s later):\n${formatSolution(r.solution)}\n${chalk.dim(`bgplab exercise check ${r.progress.lab} confirms it`)}`);
}

export async function exerciseResetCommand(o: { lab?: string; timeoutSec: number }): Promise<void> {
  const ui = consoleRenderer();
  const r = await withInterrupts((signal) => resetExercise(o.lab, o, { signal, onEvent: ui.onEvent }), { what: 'stopping the reset', cleanup: () => `bgplab down ${o.lab ?? ''}`.trim() });
  await ui.done();
  console.log(`\nlab ${r.progress.lab} is back at the starting state (down ${r.downMs} ms, up ${(r.upMs / 1000).toFixed(1)} s)\n\n${formatStage(r.e.x, r.progress, r.stage)}`);
}

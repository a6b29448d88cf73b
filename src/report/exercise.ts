/**
 * What a student reads: the task, the stage, the verdict of a check (causes first: one
 * line per thing that is wrong, its knock-on failures counted, not listed), hints.
 */
import chalk from 'chalk';
import { countByCheck } from '../checks/diagnose.js';
import type { RunReport } from '../checks/runner.js';
import type { ExerciseListing } from '../app/exercise.js';
import type { Progress } from '../exercise/progress.js';
import type { ExerciseFile, Solution, Stage } from '../exercise/schema.js';
import { formatTable } from './table.js';

export function formatExerciseList(xs: readonly ExerciseListing[]): string {
  const rows = xs.map((x) => [x.id, x.error ? chalk.red('invalid') : String(x.stages), x.error ? x.error.split('\n')[0]! : `${x.title}: ${x.summary}`]);
  const problems = xs.filter((x) => x.error).flatMap((x) => x.error!.split('\n').slice(1).map((l) => `  ${l}`));
  return [formatTable(['ID', 'STAGES', 'EXERCISE'], rows), ...(problems.length ? ['', ...problems] : [])].join('\n');
}

export function formatStage(x: ExerciseFile, p: Progress, stage: Stage | undefined): string {
  if (!stage) return chalk.green(`Every stage of "${x.title}" is done (${x.stages.length}/${x.stages.length}).`);
  const sp = p.stages[p.stage]!;
  const head = chalk.bold(`Stage ${p.stage + 1}/${x.stages.length}: ${stage.title}`);
  const meta = chalk.dim(`hints shown ${sp.hintsShown}/${stage.hints.length} · checks run ${sp.attempts}${stage.checks.length ? ` · must hold: ${stage.checks.join(', ')}` : ''}`);
  return `${head}\n${stage.task.trim()}\n${meta}`;
}

export function formatStatus(x: ExerciseFile, id: string, lab: string, task: string, p: Progress, stage: Stage | undefined): string {
  return [chalk.bold(`${x.title}`) + chalk.dim(`  (exercise ${id}, lab ${lab})`), '', task.trim(), '', formatStage(x, p, stage), '', chalk.dim(`bgplab exercise check ${lab} · hint ${lab} · reset ${lab}`)].join('\n');
}

/** Causes first, then what holds, then the verdict. */
export function formatExerciseCheck(report: RunReport, stageNo: number, passed: boolean): string {
  const out: string[] = [];
  const causes = report.causes ?? [];
  if (causes.length) {
    out.push(chalk.bold(`What is wrong (${causes.length}):`));
    causes.forEach((c, i) => {
      out.push(`  ${chalk.red('✗')} ${i + 1}. ${c.summary}`);
      for (const r of c.roots.slice(0, 3)) if (!c.summary.includes(r.message)) out.push(chalk.dim(`       ${r.message}`));
      // the stage's own goals are few and are what the student works towards: named, not counted
      const goals = c.consequences.filter((r) => r.check === 'exercise');
      const rest = c.consequences.filter((r) => r.check !== 'exercise');
      for (const g of goals) out.push(`       ${chalk.red('→')} ${g.message}`);
      if (rest.length) out.push(chalk.dim(`       and ${rest.length} failure(s) that follow from it (${countByCheck(rest)})`));
    });
  }
  const holds: string[] = [];
  for (const run of report.checks) {
    const ok = run.results.filter((r) => r.status === 'pass');
    if (!ok.length) continue;
    if (run.id === 'exercise') for (const r of ok) holds.push(r.message);
    else holds.push(`${run.id}: ${ok.length}/${run.results.length} hold`);
  }
  if (holds.length) {
    out.push(chalk.bold('What holds:'));
    for (const h of holds) out.push(`  ${chalk.green('✓')} ${h}`);
  }
  out.push(passed ? chalk.green.bold(`Stage ${stageNo + 1} passed.`) : chalk.yellow.bold(`Stage ${stageNo + 1} is not solved yet.`) + chalk.dim(' (bgplab exercise hint shows a hint)'));
  return out.join('\n');
}

export function formatSolution(s: Solution): string {
  const out: string[] = [];
  if (s.heal) out.push(`bgplab heal ${s.heal === true ? '--all' : s.heal.join(' ')}`);
  for (const [node, lines] of Object.entries(s.vtysh ?? {})) {
    out.push(chalk.bold(`${node}:`));
    for (const l of lines) out.push(`  ${l}`);
  }
  return out.join('\n');
}

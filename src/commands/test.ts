/**
 * bgplab test [LABFILE]: up → every check (failover included) → down. The command for CI:
 * the lab is taken down even when something fails (unless --keep), a failed bring-up is
 * reported as a failed "up" test case too, and the exit code is 0 only when all passed.
 */
import chalk from 'chalk';
import { CHECKS } from '../checks/index.js';
import { selectChecks, type RunReport } from '../checks/runner.js';
import { DEFAULT_LAB, loadLab } from '../lab/load.js';
import type { RuntimeChoice } from '../runtime/select.js';
import { isBgplabError } from '../util/errors.js';
import { emitReport, runWithProgress } from './check.js';
import { downLab } from './down.js';
import { bringUp } from './up.js';

export interface TestOptions {
  labfile?: string;
  runtime: RuntimeChoice;
  out?: string;
  only?: string[];
  keep: boolean;
  json: boolean;
  junit?: string;
  timeoutSec: number;
}

/** A report holding one failed "up" result, so CI shows why nothing was checked. */
export function upFailedReport(lab: string, runtime: string, message: string, ms: number): RunReport {
  return {
    lab,
    runtime,
    startedAt: new Date(Date.now() - ms).toISOString(),
    durationMs: ms,
    checks: [{ id: 'up', description: 'bring the lab up and wait for sessions and routes', durationMs: ms, results: [{ check: 'up', name: 'up', status: 'fail', message, durationMs: ms }] }],
    counts: { pass: 0, fail: 1, skip: 0 },
    passed: false,
  };
}

export async function testCommand(o: TestOptions): Promise<void> {
  selectChecks(CHECKS, o.only);
  // machine-readable stdout: progress and tables go away or to stderr
  if (o.json) process.env['BGPLAB_QUIET'] = '1';
  const say = (line: string) => (o.json ? process.stderr.write(`${line}\n`) : console.log(line));
  const labfile = o.labfile ?? DEFAULT_LAB;
  const name = (await loadLab(labfile)).name;
  const t0 = Date.now();

  const takeDown = async (why: string) => {
    if (o.keep) {
      say(chalk.yellow(`--keep: lab ${name} stays up (bgplab down ${name} when done)`));
      return;
    }
    const r = await downLab(name, o.runtime);
    say(chalk.dim(`down: lab ${name} (${why}) in ${r.ms} ms`));
  };

  let up;
  try {
    up = await bringUp({ labfile, runtime: o.runtime, out: o.out, timeoutSec: o.timeoutSec }, say);
  } catch (e) {
    // E_LAB_UP: someone's lab of that name is running; it is not ours to take down.
    // E_INTERRUPTED: bringUp already took it down.
    const code = isBgplabError(e) ? e.code : '';
    if (code !== 'E_LAB_UP' && code !== 'E_INTERRUPTED') await takeDown('bring-up failed').catch(() => {});
    if (o.junit || o.json) {
      const msg = isBgplabError(e) ? [e.message, ...e.details].join(' | ') : String(e);
      await emitReport(upFailedReport(name, o.runtime, msg, Date.now() - t0), { json: o.json, junit: o.junit });
    }
    throw e;
  }

  // Ctrl-C during the checks: a check may have links down; take the lab down before exiting
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write(`\n${chalk.yellow('interrupted')}: taking lab ${name} down (Ctrl-C again to exit now)\n`);
    takeDown('interrupted')
      .catch(() => {})
      .finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let report: RunReport | undefined;
  try {
    report = await runWithProgress(up.lab, up.selected.runtime, o.only, o);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (!interrupted) await takeDown(report ? (report.passed ? 'checks passed' : 'checks failed') : 'checks aborted');
  }
  await emitReport(report, o);
}

/**
 * bgplab check [LAB] [--only sessions,routes,...] [--json] [--junit FILE]
 * Runs the checks against a running lab; the model is the lab's bgplab.json in the
 * artifacts directory recorded at deploy. Exit code 0 only when every check passed.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import chalk from 'chalk';
import { CHECKS } from '../checks/index.js';
import { runChecks, selectChecks, type CheckRun, type RunReport } from '../checks/runner.js';
import type { CheckContext } from '../checks/types.js';
import type { Lab } from '../lab/model.js';
import { readLabModel } from '../lab/wait.js';
import { formatCheckRun, formatSummary } from '../report/console.js';
import { formatJson } from '../report/json.js';
import { formatJunit } from '../report/junit.js';
import { readState } from '../runtime/netns-state.js';
import type { Runtime } from '../runtime/runtime.js';
import { defaultRunningLab, runtimeForLab } from '../runtime/select.js';
import { BgplabError } from '../util/errors.js';

export interface CheckOptions {
  lab?: string;
  only?: string[];
  json: boolean;
  junit?: string;
}

export interface ReportOptions {
  json: boolean;
  junit?: string;
}

/** Where the lab's model lives: the artifacts dir recorded at deploy (state file, else the runtime's listing). */
async function labModel(name: string, runtime: Runtime): Promise<Lab> {
  const dir = (await readState(name))?.dir ?? (await runtime.list().catch(() => [])).find((l) => l.name === name)?.dir;
  if (!dir) {
    throw new BgplabError('E_NO_MODEL', `cannot find the artifacts directory of lab "${name}"`, {
      hint: 'bring the lab up with bgplab up (it records where bgplab.json is)',
    });
  }
  return readLabModel(dir);
}

/** Run checks with progress: log lines on stderr, each check's table as it finishes (unless --json). */
export async function runWithProgress(lab: Lab, runtime: Runtime, only: string[] | undefined, o: ReportOptions): Promise<RunReport> {
  const checks = selectChecks(CHECKS, only);
  const ctx: CheckContext = { lab, runtime, log: (m) => process.stderr.write(chalk.dim(`  › ${m}\n`)) };
  return runChecks(ctx, checks, {
    onCheck: (run: CheckRun) => {
      if (!o.json) console.log(formatCheckRun(run));
    },
  });
}

/** Print the summary (or JSON) and write JUnit; sets the exit code. */
export async function emitReport(report: RunReport, o: ReportOptions): Promise<void> {
  if (o.json) process.stdout.write(formatJson(report));
  else console.log(`\n${formatSummary(report)}`);
  if (o.junit) {
    const file = resolve(o.junit);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, formatJunit(report));
    if (!o.json) console.log(chalk.dim(`JUnit XML: ${file}`));
  }
  process.exitCode = report.passed ? 0 : 1;
}

export async function checkCommand(o: CheckOptions): Promise<void> {
  // validate --only before touching the lab
  selectChecks(CHECKS, o.only);
  const name = o.lab ?? (await defaultRunningLab());
  const sel = await runtimeForLab(name);
  if (!sel) throw new BgplabError('E_NO_LAB', `lab "${name}" is not up`, { hint: 'bgplab ls shows the running labs; bgplab up LABFILE starts one' });
  const lab = await labModel(name, sel.runtime);
  const report = await runWithProgress(lab, sel.runtime, o.only, o);
  await emitReport(report, o);
}

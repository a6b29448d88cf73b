/**
 * bgplab check [LAB] [--only sessions,routes,...] [--json] [--junit FILE] [--baseline FILE [--outage-tolerance-ms N]]
 * Thin: the run is app/check.ts (app/snapshot.ts with a baseline). Exit code 0 only when
 * every check passed and nothing regressed against the baseline; Ctrl-C stops the running
 * check, restores every fault it injected, and says so.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import chalk from 'chalk';
import { checkLab, labModel } from '../app/check.js';
import { checkAgainstBaseline, readSnapshot } from '../app/snapshot.js';
import { withInterrupts } from '../app/signals.js';
import { CHECKS } from '../checks/index.js';
import { runChecks, selectChecks, type CheckRun, type RunReport } from '../checks/runner.js';
import { foreignChecks } from '../checks/foreign.js';
import { foreignModelOf, isForeignState } from '../app/foreign.js';
import { readState } from '../runtime/state.js';
import { formatCauses, formatCheckHead, formatCheckRun, formatSummary } from '../report/console.js';
import { formatJson } from '../report/json.js';
import { formatJunit } from '../report/junit.js';
import { runningLab } from '../runtime/select.js';
import { BgplabError } from '../util/errors.js';
import { consoleRenderer } from '../ui/progress.js';

export interface CheckOptions {
  lab?: string;
  only?: string[];
  json: boolean;
  junit?: string;
  verbose?: boolean;
  /** compare with this snapshot (bgplab snapshot -o FILE) */
  baseline?: string;
  /** --outage-tolerance-ms, as typed */
  outageToleranceMs?: string;
}

export interface ReportOptions {
  json: boolean;
  junit?: string;
  /** every row of every check, and every knock-on failure under its cause */
  verbose?: boolean;
}

/** Checks whose every row is printed as it finishes: the rows are the point (what differs, what was recorded). */
const LISTED = new Set(['baseline', 'snapshot']);

/** Each check's line as it finishes (its rows with --verbose; the failures come with their causes). */
export const printCheck = (o: ReportOptions) => (run: CheckRun) => {
  if (!o.json) console.log(o.verbose || LISTED.has(run.id) ? formatCheckRun(run, { verbose: true }) : formatCheckHead(run));
};

/** --outage-tolerance-ms: a number of milliseconds, 0 or more. */
export function parseTolerance(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v.trim()) || !Number.isFinite(n)) throw new BgplabError('E_USAGE', `--outage-tolerance-ms ${v}: want a number of milliseconds, 0 or more`, { hint: 'e.g. --outage-tolerance-ms 250 (the default)' });
  return n;
}

/** Print the summary (or JSON) and write JUnit; sets the exit code. */
export async function emitReport(report: RunReport, o: ReportOptions): Promise<void> {
  if (o.json) process.stdout.write(formatJson(report));
  else {
    const causes = formatCauses(report, { verbose: o.verbose });
    console.log(`\n${causes ? `${causes}\n\n` : ''}${formatSummary(report)}`);
  }
  if (o.junit) {
    const file = resolve(o.junit);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, formatJunit(report));
    if (!o.json) console.log(chalk.dim(`JUnit XML: ${file}`));
  }
  process.exitCode = report.passed ? 0 : 1;
}

export async function checkCommand(o: CheckOptions): Promise<void> {
  // the tolerance and the baseline file before touching the lab (--only once the kind of lab is known: below)
  const toleranceMs = parseTolerance(o.outageToleranceMs);
  if (toleranceMs !== undefined && !o.baseline) throw new BgplabError('E_USAGE', '--outage-tolerance-ms needs --baseline FILE');
  const base = o.baseline ? await readSnapshot(o.baseline) : undefined;
  const { lab: name, runtime } = await runningLab(o.lab);
  const st = await readState(name);
  const foreign = await isForeignState(st);
  // a containerlab lab bgplab did not write has its own checks (checks/foreign.ts)
  const fmodel = foreign ? await foreignModelOf(st!) : undefined;
  const checks = selectChecks(fmodel ? foreignChecks(fmodel) : CHECKS, o.only);
  const lab = await labModel(name, runtime);
  const ui = consoleRenderer({ quiet: o.json });
  if (fmodel && base) throw new BgplabError('E_USAGE', '--baseline compares a bgplab lab with its snapshot; a containerlab lab bgplab did not write has none');
  const app = { onEvent: ui.onEvent, onCheck: printCheck(o) };
  const report = await withInterrupts(
    (signal) =>
      fmodel
        ? runChecks({ lab, runtime, signal, log: (m) => ui.onEvent({ type: 'log', text: m }) }, checks, { onCheck: printCheck(o) })
        : base
          ? checkAgainstBaseline(lab, runtime, o.only, base, { file: o.baseline!, ...(toleranceMs !== undefined ? { toleranceMs } : {}) }, { ...app, signal })
          : checkLab(lab, runtime, o.only, { ...app, signal }),
    {
      what: 'stopping the running check and restoring what it broke',
      cleanup: () => `bgplab heal --all ${name} (or bgplab down ${name})`,
    },
  );
  await emitReport(report, o);
  if (report.interrupted) throw new BgplabError('E_INTERRUPTED', `interrupted: the checks of ${name} stopped; every fault they injected was restored`);
}

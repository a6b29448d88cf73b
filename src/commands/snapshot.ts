/**
 * bgplab snapshot [LAB] -o FILE [--only ...] [--json] [--junit FILE]
 * Thin: app/snapshot.ts runs the checks, records what the fabric does and writes FILE
 * (atomically, only when the recording is complete). Exit 0 when the file was written;
 * failing checks are printed (the baseline records the fabric as it is) but do not stop it.
 */
import { resolve } from 'node:path';
import chalk from 'chalk';
import { labModel } from '../app/check.js';
import { withInterrupts } from '../app/signals.js';
import { checkSnapshotTarget, snapshotLab } from '../app/snapshot.js';
import { CHECKS } from '../checks/index.js';
import { selectChecks } from '../checks/runner.js';
import { runningLab } from '../runtime/select.js';
import { consoleRenderer } from '../ui/progress.js';
import { BgplabError } from '../util/errors.js';
import { emitReport, printCheck } from './check.js';

export interface SnapshotOptions {
  lab?: string;
  out?: string;
  only?: string[];
  json: boolean;
  junit?: string;
  verbose?: boolean;
}

export async function snapshotCommand(o: SnapshotOptions): Promise<void> {
  if (!o.out) throw new BgplabError('E_USAGE', 'bgplab snapshot needs -o FILE', { hint: 'e.g. bgplab snapshot -o baseline.json' });
  selectChecks(CHECKS, o.only);
  const file = resolve(o.out);
  await checkSnapshotTarget(file);
  const { lab: name, runtime } = await runningLab(o.lab);
  const lab = await labModel(name, runtime);
  const ui = consoleRenderer({ quiet: o.json });
  const r = await withInterrupts((signal) => snapshotLab(lab, runtime, o.only, file, { signal, onEvent: ui.onEvent, onCheck: printCheck(o) }), {
    what: 'stopping the running check and restoring what it broke; no snapshot is written',
    cleanup: () => `bgplab heal --all ${name} (or bgplab down ${name})`,
  });
  await emitReport(r.report, o);
  if (r.report.interrupted) throw new BgplabError('E_INTERRUPTED', `interrupted: no snapshot of ${name} was written; every fault the checks injected was restored`);
  if (!r.file) {
    process.exitCode = 1;
    if (!o.json) console.error(chalk.red(`no snapshot written: the recording of ${name} is incomplete (see the snapshot row)`));
    return;
  }
  // written: the checks' verdict is information here, the file is the product
  process.exitCode = 0;
  if (!o.json) {
    const failed = r.report.counts.fail;
    console.log(`snapshot of ${name} written to ${r.file}${failed ? chalk.yellow(` (${failed} check row(s) failed: the baseline records the fabric as it is)`) : ''}`);
    console.log(chalk.dim(`compare later: bgplab check ${name} --baseline ${o.out}`));
  }
}

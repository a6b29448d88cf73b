/**
 * Baseline and difference, the file side: take a snapshot of a running lab (run the
 * checks, then record what the fabric does: checks/snapshot.ts) and write it whole or not
 * at all; read one back, validated (checks/baseline.ts), for `check --baseline`.
 */
import { readFile } from 'node:fs/promises';
import { DEFAULT_OUTAGE_TOLERANCE_MS, formatSnapshot, parseSnapshot, type Snapshot } from '../checks/baseline.js';
import type { RunReport } from '../checks/runner.js';
import { makeBaselineCheck, makeSnapshotCheck } from '../checks/snapshot.js';
import type { Lab } from '../lab/model.js';
import type { Runtime } from '../runtime/runtime.js';
import { BgplabError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs.js';
import { checkLab, type CheckLabOptions } from './check.js';

export interface SnapshotResult {
  report: RunReport;
  /** undefined when the recording failed (see the report's snapshot row); nothing was written */
  snapshot?: Snapshot;
  file?: string;
}

/** Run the checks (`only`), record the fabric, and write FILE atomically when the recording is complete. */
export async function snapshotLab(lab: Lab, runtime: Runtime, only: readonly string[] | undefined, file: string, app: CheckLabOptions = {}): Promise<SnapshotResult> {
  let snapshot: Snapshot | undefined;
  const report = await checkLab(lab, runtime, only, { ...app, after: (runs) => [makeSnapshotCheck(runs, (s) => (snapshot = s))] });
  const recorded = report.checks.find((c) => c.id === 'snapshot')?.results.every((r) => r.status === 'pass');
  if (!snapshot || !recorded || report.interrupted) return { report };
  await writeSnapshot(file, snapshot);
  return { report, snapshot, file };
}

export async function writeSnapshot(file: string, s: Snapshot): Promise<void> {
  try {
    await writeFileAtomic(file, formatSnapshot(s));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new BgplabError('E_SNAPSHOT', `cannot write the snapshot ${file}: ${code ?? String(e)}`, { cause: e, hint: 'give a writable file path (-o FILE); nothing was written' });
  }
}

export async function readSnapshot(file: string): Promise<Snapshot> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new BgplabError('E_SNAPSHOT', `cannot read the baseline ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (code ?? String(e))}`, {
      cause: e,
      hint: 'take one first: bgplab snapshot [LAB] -o FILE',
    });
  }
  return parseSnapshot(text, file);
}

export interface BaselineOptions {
  file: string;
  /** how much worse than the baseline an outage may be (DEFAULT_OUTAGE_TOLERANCE_MS) */
  toleranceMs?: number;
}

/** Run the checks and compare with a baseline read beforehand (a bad file fails before the lab is touched). */
export async function checkAgainstBaseline(lab: Lab, runtime: Runtime, only: readonly string[] | undefined, base: Snapshot, o: BaselineOptions, app: CheckLabOptions = {}): Promise<RunReport> {
  const toleranceMs = o.toleranceMs ?? DEFAULT_OUTAGE_TOLERANCE_MS;
  return checkLab(lab, runtime, only, { ...app, after: (runs) => [makeBaselineCheck(base, o.file, { toleranceMs }, runs)] });
}

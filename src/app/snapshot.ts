/**
 * Baseline and difference, the file side: take a snapshot of a running lab (run the
 * checks, then record what the fabric does: checks/snapshot.ts) and write it whole or not
 * at all; read one back, validated (checks/baseline.ts), for `check --baseline`.
 */
import { access, constants, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
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

/**
 * Can FILE be written (its directory exists and is writable, FILE is no directory)? Asked
 * before the checks run, so a typo in -o does not cost a whole run. No directory is created.
 */
export async function checkSnapshotTarget(file: string): Promise<void> {
  const st = await stat(file).catch(() => undefined);
  if (st?.isDirectory()) throw new BgplabError('E_SNAPSHOT', `cannot write the snapshot ${file}: it is a directory`, { hint: 'give a file path, e.g. -o baseline.json' });
  const dir = dirname(file);
  const ds = await stat(dir).catch(() => undefined);
  if (!ds?.isDirectory()) throw new BgplabError('E_SNAPSHOT', `cannot write the snapshot ${file}: ${dir} is not a directory`, { hint: `create it first (mkdir -p ${dir})` });
  await access(dir, constants.W_OK).catch((e: unknown) => {
    throw new BgplabError('E_SNAPSHOT', `cannot write the snapshot ${file}: ${dir} is not writable`, { cause: e, hint: 'choose another -o FILE' });
  });
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

/** The `after` of a check run that compares with a baseline (check --baseline, test --baseline). */
export function baselineAfter(base: Snapshot, o: BaselineOptions): NonNullable<CheckLabOptions['after']> {
  const toleranceMs = o.toleranceMs ?? DEFAULT_OUTAGE_TOLERANCE_MS;
  return (runs) => [makeBaselineCheck(base, o.file, { toleranceMs }, runs)];
}

/** Run the checks and compare with a baseline read beforehand (a bad file fails before the lab is touched). */
export async function checkAgainstBaseline(lab: Lab, runtime: Runtime, only: readonly string[] | undefined, base: Snapshot, o: BaselineOptions, app: CheckLabOptions = {}): Promise<RunReport> {
  return checkLab(lab, runtime, only, { ...app, after: baselineAfter(base, o) });
}

/**
 * A test run, for CI: up → every check (failover included) → down. The lab is taken down
 * even when something fails (unless keep), a failed bring-up is reported as a failed "up"
 * check, and `passed` is true only when everything passed.
 */
import { selectChecks, type RunReport } from '../checks/runner.js';
import { CHECKS } from '../checks/index.js';
import { DEFAULT_LAB, loadLab } from '../lab/load.js';
import type { FrrVersion } from '../lab/model.js';
import type { RuntimeChoice } from '../runtime/select.js';
import { errorText, isBgplabError } from '../util/errors.js';
import { checkLab, type CheckLabOptions } from './check.js';
import { downLab } from './down.js';
import { ignore } from './events.js';
import { bringUp } from './up.js';

export interface TestOptions {
  labfile?: string;
  /** run the file as a lab of this name (see UpOptions.name) */
  name?: string;
  runtime: RuntimeChoice;
  out?: string;
  only?: string[];
  keep: boolean;
  timeoutSec: number;
  /** overrides the lab file's `frr:` */
  frr?: FrrVersion;
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
    causes: [{ summary: `the lab did not come up: ${message}`, nodes: [], roots: [{ check: 'up', name: 'up', message }], consequences: [] }],
  };
}

export interface TestResult {
  report: RunReport;
  /** the bring-up failed: the error, also in the report as a failed "up" check */
  upError?: unknown;
}

/** `app.after`: checks run after the selected ones (a baseline comparison: app/snapshot.ts baselineAfter). */
export async function testLab(o: TestOptions, app: CheckLabOptions = {}): Promise<TestResult> {
  selectChecks(CHECKS, o.only);
  const onEvent = app.onEvent ?? ignore;
  const labfile = o.labfile ?? DEFAULT_LAB;
  const name = (await loadLab(labfile, [], { name: o.name })).name;
  const t0 = Date.now();
  const takeDown = async (why: string) => {
    if (o.keep) {
      onEvent({ type: 'warn', text: `--keep: lab ${name} stays up (bgplab down ${name} when done)` });
      return;
    }
    const r = await downLab(name, o.runtime);
    onEvent({ type: 'print', text: `down: lab ${name} (${why}) in ${r.ms} ms` });
  };
  let up;
  try {
    up = await bringUp({ labfile, name, runtime: o.runtime, out: o.out, timeoutSec: o.timeoutSec, ...(o.frr ? { frr: o.frr } : {}) }, app);
  } catch (e) {
    // E_LAB_UP: someone's lab of that name is running; it is not ours to take down.
    // E_INTERRUPTED: bringUp already took it down.
    if (!isBgplabError(e, 'E_LAB_UP') && !isBgplabError(e, 'E_INTERRUPTED')) await takeDown('bring-up failed').catch(() => {});
    return { report: upFailedReport(name, o.runtime, errorText(e), Date.now() - t0), upError: e };
  }
  let report: RunReport | undefined;
  try {
    report = await checkLab(up.lab, up.selected.runtime, o.only, app);
  } finally {
    await takeDown(report ? (report.interrupted ? 'interrupted' : report.passed ? 'checks passed' : 'checks failed') : 'checks aborted');
  }
  return { report };
}

/**
 * Run checks against a running lab. A check sees only the model and the Runtime. When the
 * run is interrupted, or a check died half-way, every fault a check injected and did not
 * heal is healed from the lab's fault record before this returns, and said so.
 */
import { CHECKS } from '../checks/index.js';
import { runChecks, selectChecks, type CheckRun, type RunReport } from '../checks/runner.js';
import type { Check, CheckContext } from '../checks/types.js';
import { describeFault, healAll } from '../faults/index.js';
import type { Lab } from '../lab/model.js';
import { readLabModel } from '../render/read.js';
import type { Runtime } from '../runtime/runtime.js';
import { readState } from '../runtime/state.js';
import { BgplabError } from '../util/errors.js';
import { ignore, type AppOptions } from './events.js';
import { compatLab, foreignModelOf, isForeignState } from './foreign.js';

/** The model of a running lab: the artifacts dir recorded at deploy (state file, else the runtime's listing). */
export async function labModel(name: string, runtime: Runtime): Promise<Lab> {
  const st = await readState(name);
  // a containerlab lab bgplab did not write: its nodes and links, from its topology
  if (st && (await isForeignState(st))) return compatLab(await foreignModelOf(st));
  const dir = st?.dir ?? (await runtime.list().catch(() => [])).find((l) => l.name === name)?.dir;
  if (!dir) {
    throw new BgplabError('E_NO_MODEL', `cannot find the artifacts directory of lab "${name}"`, {
      hint: 'bring the lab up with bgplab up (it records where bgplab.json is)',
    });
  }
  return readLabModel(dir);
}

export interface CheckLabOptions extends AppOptions {
  onCheck?: (run: CheckRun) => void;
  /** checks run after the selected ones, given the runs so far (snapshot, baseline) */
  after?: (runs: () => readonly CheckRun[]) => Check[];
}

export async function checkLab(lab: Lab, runtime: Runtime, only: readonly string[] | undefined, app: CheckLabOptions = {}): Promise<RunReport> {
  const onEvent = app.onEvent ?? ignore;
  const runs: CheckRun[] = [];
  const checks = [...selectChecks(CHECKS, only), ...(app.after?.(() => runs) ?? [])];
  const ctx: CheckContext = { lab, runtime, log: (m) => onEvent({ type: 'log', text: m }), ...(app.signal ? { signal: app.signal } : {}) };
  try {
    return await runChecks(ctx, checks, {
      onCheck: (run) => {
        runs.push(run);
        app.onCheck?.(run);
      },
    });
  } finally {
    // a check restores what it broke; whatever is still recorded (interrupted, crashed) goes now
    const left = await healAll(runtime, lab.name, (f) => f.by.startsWith('check '));
    if (left.healed.length) onEvent({ type: 'warn', text: `restored ${left.healed.length} fault(s) left by the checks: ${left.healed.map(describeFault).join(', ')}` });
    for (const e of left.errors) onEvent({ type: 'warn', text: `could not restore ${e} (bgplab down removes the lab)` });
  }
}

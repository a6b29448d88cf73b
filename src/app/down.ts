/**
 * Take a lab down: everything it created, whatever faults are active. Idempotent: a lab
 * that is not up is fine, and a half-finished or crashed `up` is cleaned from its recorded
 * state and, failing that, by what the runtimes find of it.
 */
import { DEFAULT_LAB, loadLab } from '../lab/load.js';
import { assertLabName } from '../runtime/state.js';
import type { Runtime } from '../runtime/runtime.js';
import { listAllLabs, loadClabRuntime, runtimeForLab, type RuntimeChoice } from '../runtime/select.js';
import { NetnsRuntime } from '../runtime/netns/index.js';

/** Name of the lab `down`/`status` mean without an argument: the only running one, else the default lab's. */
export async function impliedLab(): Promise<string> {
  const labs = await listAllLabs();
  if (labs.length === 1) return labs[0]!.name;
  try {
    return (await loadLab(DEFAULT_LAB)).name;
  } catch {
    return 'clos';
  }
}

async function runtimeFor(lab: string, choice: RuntimeChoice): Promise<Runtime> {
  if (choice === 'netns') return new NetnsRuntime();
  if (choice === 'clab') return loadClabRuntime();
  return (await runtimeForLab(lab))?.runtime ?? new NetnsRuntime();
}

export async function downLab(lab: string, choice: RuntimeChoice = 'auto'): Promise<{ runtime: string; ms: number; removed: string }> {
  assertLabName(lab);
  const t0 = performance.now();
  const runtime = await runtimeFor(lab, choice);
  const before = await runtime.leftovers(lab);
  await runtime.destroy(lab);
  return { runtime: runtime.kind, ms: Math.round(performance.now() - t0), removed: before.items.join(', ') };
}

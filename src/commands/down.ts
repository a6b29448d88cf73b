/**
 * bgplab down [LAB] [--all]: remove everything a lab created. Idempotent: a lab that is
 * not up is fine, and a half-finished or crashed `up` is cleaned from its recorded state
 * and, failing that, by namespace name (clab-<lab>-*).
 */
import chalk from 'chalk';
import { loadLab, DEFAULT_LAB } from '../lab/load.js';
import { NetnsRuntime } from '../runtime/netns.js';
import { listAllLabs, runtimeForLab, type RuntimeChoice } from '../runtime/select.js';
import { loadClabRuntime } from '../runtime/select.js';
import { assertLabName } from '../runtime/netns-state.js';
import type { Runtime } from '../runtime/runtime.js';

export interface DownOptions {
  lab?: string;
  runtime: RuntimeChoice;
  all: boolean;
}

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

export async function downLab(lab: string, choice: RuntimeChoice = 'auto'): Promise<{ runtime: string; ms: number; removed: string }> {
  assertLabName(lab);
  const t0 = performance.now();
  let runtime: Runtime;
  if (choice === 'netns') runtime = new NetnsRuntime();
  else if (choice === 'clab') runtime = await loadClabRuntime();
  else runtime = (await runtimeForLab(lab))?.runtime ?? new NetnsRuntime();
  let removed = '';
  if (runtime instanceof NetnsRuntime) {
    await runtime.preflightDown();
    const before = await runtime.leftovers(lab);
    removed = `${before.namespaces.length} namespaces, ${before.pids.length} processes`;
  }
  await runtime.destroy(lab);
  return { runtime: runtime.kind, ms: Math.round(performance.now() - t0), removed };
}

export async function downCommand(o: DownOptions): Promise<void> {
  const labs = o.all ? (await listAllLabs()).map((l) => l.name) : [o.lab ?? (await impliedLab())];
  if (o.all && labs.length === 0) {
    console.log('no lab is up');
    return;
  }
  for (const lab of labs) {
    const r = await downLab(lab, o.runtime);
    console.log(`${chalk.green('down')}: lab ${lab} (${r.runtime}${r.removed ? `: removed ${r.removed}` : ''}) in ${r.ms} ms`);
  }
}

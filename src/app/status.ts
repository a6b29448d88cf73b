/** What `status` and `ls` show: the labs on this machine, their daemons, sessions, routes and active faults. */
import { activeFaults, type Fault } from '../faults/index.js';
import type { Lab } from '../lab/model.js';
import { observeLab, type NodeObservation } from '../observe/sessions.js';
import { readLabModel } from '../render/read.js';
import type { RunningLab } from '../runtime/runtime.js';
import { availableRuntimes, listAllLabs, runtimeForLab } from '../runtime/select.js';
import { readState, type LabState } from '../runtime/state.js';
import { BgplabError } from '../util/errors.js';
import { observeAdjacencies, observeSessions, type ForeignObservation } from '../observe/foreign.js';
import { foreignModelOf, isForeignState } from './foreign.js';

export interface LabStatus {
  lab: RunningLab;
  state?: LabState;
  model?: Lab;
  /** why there is no model (session states need it) */
  note?: string;
  nodes: NodeObservation[];
  faults: Fault[];
  /** a containerlab lab bgplab did not write: what its frr.conf files configure, observed */
  foreign?: ForeignObservation;
}

export async function labStatuses(name?: string): Promise<LabStatus[]> {
  let labs = await listAllLabs();
  if (name) {
    labs = labs.filter((l) => l.name === name);
    if (!labs.length && !(await runtimeForLab(name))) throw new BgplabError('E_NO_LAB', `lab "${name}" is not up`, { hint: 'bgplab ls shows the running labs' });
  }
  const out: LabStatus[] = [];
  for (const l of labs) {
    const sel = await runtimeForLab(l.name);
    let model: Lab | undefined;
    let note: string | undefined;
    const st = await readState(l.name);
    if (sel && (await isForeignState(st))) {
      const f = await foreignModelOf(st!);
      const foreign = { sessions: await observeSessions(sel.runtime, l.name, f.sessions), adjacencies: await observeAdjacencies(sel.runtime, l.name, f.adjacencies), reach: [] };
      out.push({ lab: l, state: st, nodes: [], faults: await activeFaults(l.name), foreign, note: `a containerlab topology (${st!.topology}): ${f.sessions.length} BGP sessions and ${f.adjacencies.length} OSPF adjacencies from its frr.conf files` });
      continue;
    }
    try {
      model = await readLabModel(l.dir);
    } catch {
      note = `no bgplab.json in ${l.dir}: session states need the lab model`;
    }
    const nodes = model && sel ? await observeLab(sel.runtime, model) : [];
    out.push({ lab: l, state: await readState(l.name), ...(model ? { model } : {}), ...(note ? { note } : {}), nodes, faults: await activeFaults(l.name) });
  }
  return out;
}

/** Everything named like a lab node that no lab claims, from every runtime that answers. */
export async function orphans(): Promise<string[]> {
  const out: string[] = [];
  for (const r of await availableRuntimes()) out.push(...(await r.orphans().catch(() => [])));
  return out;
}

/**
 * `bgplab graph`: the model of a lab file or of a running lab, and for a running lab the
 * state that colours the picture (one look at the sessions, the recorded faults).
 */
import { stat } from 'node:fs/promises';
import { describeFault, faultEnds, activeFaults, type Fault } from '../faults/index.js';
import { isSessionUp } from '../frr/bgp.js';
import { DEFAULT_LAB, loadLab } from '../lab/load.js';
import type { Lab } from '../lab/model.js';
import { observeLab, type SessionObservation } from '../observe/sessions.js';
import { linkId, renderGraph, type GraphFormat, type GraphState, type LinkState } from '../render/graph.js';
import { listAllLabs, runtimeForLab } from '../runtime/select.js';
import { labModel } from './check.js';

const isFile = async (p: string) => (await stat(p).catch(() => undefined))?.isFile() ?? false;

/** The state a picture shows: a link is a fault when a fault touches one of its ends, else up when both its sessions are Established. */
export function graphState(lab: Lab, sessions: readonly SessionObservation[], faults: readonly Fault[]): GraphState {
  const up = new Map(sessions.map((s) => [`${s.node}:${s.ifname}`, isSessionUp(s.state)]));
  const faultAt = new Map<string, string>();
  const nodeFaults = new Map<string, string>();
  for (const f of faults) {
    if (f.kind === 'node-down' || f.kind === 'isolate') nodeFaults.set(f.node, f.kind);
    for (const e of [...faultEnds(f), ...(f.peer ? [f.peer] : [])]) faultAt.set(`${e.node}:${e.ifname}`, f.kind === 'isolate' ? 'isolate' : describeFault(f).split(' ')[0]!);
  }
  const links = new Map<string, LinkState>();
  const linkFaults = new Map<string, string>();
  for (const l of lab.links) {
    const id = linkId(l);
    const fault = faultAt.get(`${l.a.node}:${l.a.ifname}`) ?? faultAt.get(`${l.b.node}:${l.b.ifname}`);
    if (fault) linkFaults.set(id, fault);
    const a = up.get(`${l.a.node}:${l.a.ifname}`);
    const b = up.get(`${l.b.node}:${l.b.ifname}`);
    links.set(id, fault ? 'fault' : a !== false && b !== false && (a || b) ? 'up' : 'down');
  }
  return { links, nodeFaults, linkFaults };
}

/**
 * The picture of LAB (a running lab's name) or LABFILE (a path). Neither: the only
 * running lab, else the default lab file. A running lab is drawn with its state.
 */
export async function graphOf(what: string | undefined, format: GraphFormat): Promise<{ text: string; lab: Lab; live: boolean }> {
  let name = what;
  if (name === undefined) {
    const labs = await listAllLabs();
    name = labs.length === 1 ? labs[0]!.name : DEFAULT_LAB;
  }
  const sel = !(await isFile(name)) ? await runtimeForLab(name) : undefined;
  if (!sel) {
    const lab = await loadLab(name);
    return { text: renderGraph(lab, format), lab, live: false };
  }
  const lab = await labModel(name, sel.runtime);
  const obs = await observeLab(sel.runtime, lab, { routes: false });
  const state = graphState(lab, obs.flatMap((o) => o.sessions), await activeFaults(lab.name));
  return { text: renderGraph(lab, format, state), lab, live: true };
}

/**
 * `bgplab graph`: the model of a lab file or of a running lab, and for a running lab the
 * state that colours the picture (one look at the sessions, the recorded faults).
 */
import { stat } from 'node:fs/promises';
import { describeFault, faultEnds, activeFaults, type Fault } from '../faults/index.js';
import { ESTABLISHED, isSessionUp } from '../frr/bgp.js';
import { isAdjacencyUp } from '../frr/ospf.js';
import type { ForeignLab } from '../clab/foreign.js';
import { observeAdjacencies, observeSessions } from '../observe/foreign.js';
import type { Runtime } from '../runtime/runtime.js';
import { readState } from '../runtime/state.js';
import { foreignModelOf, isForeignState } from './foreign.js';
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
 * A containerlab lab bgplab did not write: its BGP sessions and OSPF adjacencies as
 * per-interface states (a link is up when what runs over it is up; Full counts as up).
 */
async function foreignLinkStates(runtime: Runtime, f: ForeignLab): Promise<SessionObservation[]> {
  const s = await observeSessions(runtime, f.name, f.sessions.filter((x) => x.link));
  const a = await observeAdjacencies(runtime, f.name, f.adjacencies);
  return [
    ...s.map((x) => ({ node: x.node, ifname: x.link!.split('--')[0]!.split(':')[1]!, peer: x.peerNode ?? '?', state: x.state })),
    ...a.map((x) => ({ node: x.node, ifname: x.ifname, peer: x.peerNode, state: isAdjacencyUp(x.state) ? ESTABLISHED : x.state })),
  ];
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
  const st = await readState(name);
  const foreign = await isForeignState(st);
  const sessions = foreign ? await foreignLinkStates(sel.runtime, await foreignModelOf(st!)) : (await observeLab(sel.runtime, lab, { routes: false })).flatMap((o) => o.sessions);
  const state = graphState(lab, sessions, await activeFaults(lab.name));
  // a link nothing runs over (a host's) has no state to show: drawn as unknown, not down
  const seen = new Set(sessions.map((x) => `${x.node}:${x.ifname}`));
  for (const l of foreign ? lab.links : []) {
    const id = linkId(l);
    if (state.links.get(id) === 'down' && !seen.has(`${l.a.node}:${l.a.ifname}`) && !seen.has(`${l.b.node}:${l.b.ifname}`)) state.links.delete(id);
  }
  return { text: renderGraph(lab, format, state), lab, live: true };
}

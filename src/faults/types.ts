/**
 * A fault as a value: what is broken, where, since when and by whom. Recorded in the lab
 * state (runtime/state.ts, faults.json) before it is applied, so that an interrupted run,
 * `bgplab status` and a later heal all know what is broken. Pure.
 */
export type FaultKind = 'link-down' | 'cut' | 'loss' | 'delay' | 'node-down' | 'isolate' | 'flap';

export const FAULT_KINDS: readonly FaultKind[] = ['link-down', 'cut', 'loss', 'delay', 'node-down', 'isolate', 'flap'];

export interface FaultEnd {
  node: string;
  ifname: string;
}

export interface Fault {
  kind: FaultKind;
  /** the node (node-down, isolate) or the named end of the link */
  node: string;
  ifname?: string;
  /** the other end of the link (cut, loss and delay act on both ends) */
  peer?: FaultEnd;
  /** isolate: the node's end of every one of its links, each set down (one fault, one heal) */
  ends?: FaultEnd[];
  lossPct?: number;
  delayMs?: number;
  /** flap: the link goes down and up `count` times, one cycle every `periodMs` */
  flap?: { count: number; periodMs: number };
  /** ISO time it was injected */
  since: string;
  /** who injected it: "check failover", "check transit", "bgplab fail" */
  by: string;
}

const linkKey = (e: FaultEnd) => `link ${e.node}:${e.ifname}`;

/**
 * The elements a fault occupies, one key each: a node, or a link by each of its ends.
 * Two faults sharing a key would fight over the same element, so injectFault refuses the
 * second one. The first key names the fault.
 */
export function faultKeys(f: Pick<Fault, 'kind' | 'node' | 'ifname' | 'peer' | 'ends'>): string[] {
  if (f.kind === 'node-down') return [`node ${f.node}`];
  if (f.kind === 'isolate') return [`node ${f.node}`, ...(f.ends ?? []).map(linkKey)];
  return [linkKey({ node: f.node, ifname: f.ifname ?? '' }), ...(f.peer ? [linkKey(f.peer)] : [])];
}

/** The fault's name: its first key. */
export const faultKey = (f: Pick<Fault, 'kind' | 'node' | 'ifname' | 'peer' | 'ends'>): string => faultKeys(f)[0]!;

export function describeFault(f: Fault): string {
  if (f.kind === 'node-down') return `node-down ${f.node}`;
  if (f.kind === 'isolate') return `isolate ${f.node} (${(f.ends ?? []).length} links down: ${(f.ends ?? []).map((e) => e.ifname).join(', ')})`;
  const where = `${f.node}:${f.ifname}${f.peer ? ` ↔ ${f.peer.node}:${f.peer.ifname}` : ''}`;
  if (f.kind === 'loss') return `loss ${f.lossPct}% ${where}`;
  if (f.kind === 'delay') return `delay ${f.delayMs} ms ${where}`;
  if (f.kind === 'flap') return `flap ${where} (${f.flap?.count ?? '?'}× every ${f.flap ? `${f.flap.periodMs / 1000} s` : '?'})`;
  return `${f.kind} ${where}`;
}

/**
 * The link ends each fault touches: link-down and flap act on the named end (veth: both
 * lose carrier), isolate on the node's end of each link, cut/loss/delay on both ends.
 */
export function faultEnds(f: Fault): FaultEnd[] {
  if (f.kind === 'isolate') return f.ends ?? [];
  if (!f.ifname) return [];
  if (f.kind === 'link-down' || f.kind === 'flap' || !f.peer) return [{ node: f.node, ifname: f.ifname }];
  return [{ node: f.node, ifname: f.ifname }, f.peer];
}

/** Does the fault break something at this node (the node itself or an end of one of its links)? */
export function faultTouches(f: Fault, node: string): boolean {
  return f.node === node || f.peer?.node === node || (f.ends ?? []).some((e) => e.node === node);
}

/**
 * A fault as a value: what is broken, where, since when and by whom. Recorded in the lab
 * state (runtime/state.ts, faults.json) before it is applied, so that an interrupted run,
 * `bgplab status` and a later heal all know what is broken. Pure.
 */
export type FaultKind = 'link-down' | 'cut' | 'loss' | 'delay' | 'node-down';

export interface Fault {
  kind: FaultKind;
  /** the node (node-down) or the named end of the link */
  node: string;
  ifname?: string;
  /** the other end of the link (cut, loss and delay act on both ends) */
  peer?: { node: string; ifname: string };
  lossPct?: number;
  delayMs?: number;
  /** ISO time it was injected */
  since: string;
  /** who injected it: "check failover", "check transit", "bgplab fail" */
  by: string;
}

/** Faults on the same element are the same fault: one key per element and kind family. */
export function faultKey(f: Pick<Fault, 'kind' | 'node' | 'ifname'>): string {
  return f.kind === 'node-down' ? `node ${f.node}` : `link ${f.node}:${f.ifname}`;
}

export function describeFault(f: Fault): string {
  if (f.kind === 'node-down') return `node-down ${f.node}`;
  const where = `${f.node}:${f.ifname}${f.peer ? ` ↔ ${f.peer.node}:${f.peer.ifname}` : ''}`;
  if (f.kind === 'loss') return `loss ${f.lossPct}% ${where}`;
  if (f.kind === 'delay') return `delay ${f.delayMs} ms ${where}`;
  return `${f.kind} ${where}`;
}

/** The faults' ends touched by each fault: link-down acts on the named end (veth: both lose carrier), the others on both ends. */
export function faultEnds(f: Fault): { node: string; ifname: string }[] {
  if (!f.ifname) return [];
  if (f.kind === 'link-down' || !f.peer) return [{ node: f.node, ifname: f.ifname }];
  return [{ node: f.node, ifname: f.ifname }, f.peer];
}

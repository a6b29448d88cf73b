/**
 * Readers of ospfd's and ospf6d's neighbour JSON (`show ip ospf neighbor json`,
 * `show ipv6 ospf6 neighbor json`), and the one definition of an adjacency being up. Pure.
 *
 * Captured from FRR 10.3 (test/fixtures/frr/10/ospf-neighbor.json): `{"neighbors": {RID:
 * [{"nbrState": "Full/DR", "ifaceName": "eth1:192.168.1.1", "ifaceAddress": ...}]}}` —
 * the interface name carries the local address after a colon. FRR 8.4 prints the same
 * shape. ospf6d: `{"neighbors": [{"neighborId", "state", "interfaceName"}]}`.
 */
import { isObj } from '../util/obj.js';

export interface OspfNeighbor {
  routerId: string;
  /** local interface name (the `:address` suffix removed) */
  ifname: string;
  /** the state word before the role: Full, 2-Way, Init, ExStart, ... */
  state: string;
  /** as printed, e.g. Full/DR */
  raw: string;
  address?: string;
}

export const OSPF_FULL = 'Full';
export const isAdjacencyUp = (state: string | undefined) => state === OSPF_FULL;

const stateWord = (s: string) => s.split('/')[0] ?? s;

/** `show ip ospf neighbor json` → one entry per neighbour and interface. */
export function ospfNeighbors(doc: unknown): OspfNeighbor[] {
  const out: OspfNeighbor[] = [];
  const nbrs = isObj(doc) && isObj(doc['neighbors']) ? doc['neighbors'] : {};
  for (const [rid, list] of Object.entries(nbrs)) {
    for (const n of Array.isArray(list) ? list : [list]) {
      if (!isObj(n)) continue;
      const raw = typeof n['nbrState'] === 'string' ? n['nbrState'] : typeof n['state'] === 'string' ? n['state'] : 'unknown';
      const ifn = typeof n['ifaceName'] === 'string' ? n['ifaceName'] : '';
      out.push({
        routerId: rid,
        ifname: ifn.split(':')[0] ?? ifn,
        state: stateWord(raw),
        raw,
        ...(typeof n['ifaceAddress'] === 'string' ? { address: n['ifaceAddress'] } : {}),
      });
    }
  }
  return out;
}

/** `show ipv6 ospf6 neighbor json` → one entry per neighbour. */
export function ospf6Neighbors(doc: unknown): OspfNeighbor[] {
  const list = isObj(doc) && Array.isArray(doc['neighbors']) ? doc['neighbors'] : [];
  return list.filter(isObj).map((n) => {
    const raw = typeof n['state'] === 'string' ? n['state'] : 'unknown';
    return {
      routerId: typeof n['neighborId'] === 'string' ? n['neighborId'] : '?',
      ifname: typeof n['interfaceName'] === 'string' ? n['interfaceName'] : '',
      state: stateWord(raw),
      raw,
    };
  });
}

/** The state of the adjacency on `ifname` (the best one when several), or 'no neighbour'. */
export function adjacencyState(neighbors: readonly OspfNeighbor[], ifname: string): string {
  const on = neighbors.filter((n) => n.ifname === ifname);
  if (!on.length) return 'no neighbour';
  return on.find((n) => isAdjacencyUp(n.state))?.state ?? on[0]!.state;
}

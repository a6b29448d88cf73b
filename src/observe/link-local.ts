/**
 * An unnumbered session whose bgpd lost the peer's IPv6 link-local address while zebra
 * still holds it: FRR never recovers on its own, and bring-up would wait for nothing.
 *
 * How FRR learns the address (8.4 and 10.x, zebra/rtadv.c, bgpd/bgp_zebra.c): zebra takes
 * it from the peer's router advertisement and tells bgpd (ZEBRA_INTERFACE_NBR_ADDRESS_ADD)
 * only when the address is new to zebra; bgpd drops its copy when it sees the interface go
 * down. Seen: with the links coming up after the daemons (runtime/netns), 1 session of
 * 1260 in a 630-link fabric (CI, 2026-12-02) and one pair in 1 of ~18 400-node runs were
 * left with bgpd Idle ("Neighbor address lost" / "Waiting for Peer IPv6 LLA") for the whole
 * timeout, while the peer's RAs kept coming every 3 s. Caught in the act once here, with
 * three CPU hogs beside a 630-link bring-up (none in 15 runs without them): leaf45:eth4
 * bgpd "Neighbor address lost" while zebra held fe80::b43e:90ff:fecf:b37e; after the link
 * went down and up every one of the 1260 sessions was Established 13.4 s after deploy.
 *
 * A pair was seen once more in CI with bgpd's reason "Waiting for peer OPEN" (leaf45:eth6
 * Idle, server115 Active, the whole 300 s), and the remedy, which then went by the reason,
 * left it alone. That text is no proof of an address: bgpd's NHT code (bgp_nht.c) writes
 * it into last_reset on every next-hop update, whatever the peer's state. A bgpd with no
 * address for the peer, made here by dropping the peer's RAs (the fixture
 * bgp-neighbor-no-address.json, FRR 8.4.4), shows exactly that CI state: Idle, "Waiting
 * for peer OPEN", and `bgpNeighborAddr` 'none' (bgp_vty.c, 8.4 and 10.3: no address).
 * So the remedy goes by `bgpNeighborAddr`. And an Idle peer that has an address
 * cannot stay Idle for long: its start timer runs (at most 120 s, bgp_fsm.c), and the
 * other end's connects (every 10 s under `frr defaults datacenter`) are accepted. An Idle
 * peer without one is never restarted, and bgp_accept finds no peer for the other end's
 * connects: the peer stays Idle, the other end Active, as in both CI runs. The remedy
 * checks that state first: zebra's `show interface` must list the peer's address while
 * bgpd has none. A link down and up clears both copies (zebra's if_down, bgpd's
 * bgp_ifp_down), and the next RA gives both the address again.
 *
 * Pure readers here; `findLostLinkLocals` reads the two daemons' views through the Runtime.
 */
import type { Lab } from '../lab/model.js';
import type { Runtime } from '../runtime/runtime.js';
import { mapLimit } from '../util/pool.js';
import { NO_PEER_ADDRESS } from '../frr/bgp.js';
import { explainSessions, showJson, type SessionObservation } from './sessions.js';

/** bgpd's reset reasons for an unnumbered peer with no address (bgpd.h PEER_DOWN_NBR_ADDR[_DEL]) */
const NO_ADDRESS_RE = /Waiting for Peer IPv6 LLA|Neighbor address lost/;

export interface LostLinkLocal {
  node: string;
  ifname: string;
  peer: string;
  /** the peer's link-local address(es) zebra holds for the interface */
  zebraHas: string[];
  /** bgpd's last reset reason */
  reason: string;
}

/** The peer addresses zebra learnt on an interface (`show interface IFNAME json`), [] when none. */
export function zebraNeighbourAddresses(doc: unknown, ifname: string): string[] {
  if (!doc || typeof doc !== 'object') return [];
  const d = doc as Record<string, unknown>;
  const v = (d[ifname] && typeof d[ifname] === 'object' ? d[ifname] : d) as Record<string, unknown>;
  const list = v['neighborIpAddresses'];
  return Array.isArray(list) ? list.filter((a): a is string => typeof a === 'string') : [];
}

/**
 * Down sessions whose bgpd has no address for the peer (filled in by explainSessions):
 * `bgpNeighborAddr` 'none', or, where that is absent, the reason says so.
 */
export function withoutPeerAddress(explained: readonly SessionObservation[]): SessionObservation[] {
  return explained.filter((s) => s.state === 'Idle' && (s.bgpdAddress === undefined ? NO_ADDRESS_RE.test(s.lastError ?? '') : s.bgpdAddress === 'none'));
}

/**
 * Of the sessions still down, those in the state above: bgpd Idle with no peer address,
 * zebra holding one. A session where zebra has no address either is left alone: no RA
 * arrives (a real fault, such as a peer that suppresses RAs), and a bounce would hide it.
 */
export async function findLostLinkLocals(runtime: Runtime, lab: Lab, down: readonly SessionObservation[]): Promise<LostLinkLocal[]> {
  // the summary's state first: only Idle sessions cost a `show bgp neighbors json`
  const idle = down.filter((s) => s.state === 'Idle');
  if (!idle.length) return [];
  const candidates = withoutPeerAddress(await explainSessions(runtime, lab, idle));
  const found = await mapLimit(candidates, 16, async (s): Promise<LostLinkLocal | undefined> => {
    let doc: unknown;
    try {
      doc = await showJson(runtime, lab.name, s.node, `show interface ${s.ifname} json`);
    } catch {
      return undefined; // zebra did not answer: nothing to compare, leave the session alone
    }
    const zebraHas = zebraNeighbourAddresses(doc, s.ifname);
    return zebraHas.length ? { node: s.node, ifname: s.ifname, peer: s.peer, zebraHas, reason: (s.lastError ?? '').replace(`${NO_PEER_ADDRESS}; `, '') } : undefined;
  });
  return found.filter((x): x is LostLinkLocal => !!x);
}

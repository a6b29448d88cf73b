/**
 * An unnumbered session whose bgpd lost the peer's IPv6 link-local address while zebra
 * still holds it: FRR 8.4 never recovers on its own, and bring-up would wait for nothing.
 *
 * Cause, caught with `debug bgp zebra` / `debug zebra events` on a 630-link bring-up
 * (leaf30:eth6, 2026-12-02) and matched to FRR's code: FRR 8.4's bgpd has two
 * asynchronous zebra connections, its own and VNC's (zebra: "client 29 says hello and
 * bids fair to announce only vnc routes"), and the library runs the interface up/down
 * handlers for both, so bgpd handles every ZEBRA_INTERFACE_DOWN/UP twice, one socket
 * behind the other. Zebra learns the peer's address from its RA and sends it
 * (ZEBRA_INTERFACE_NBR_ADDRESS_ADD) only when it is new to zebra (zebra/rtadv.c); bgpd
 * drops its copy on every interface down it handles (bgp_ifp_down). In the log: zebra sent
 * DOWN, UP, NBR_ADD once each; bgpd handled DOWN, UP, NBR_ADD (peer started), then the VNC
 * socket's DOWN ("Unable to get neighbor's IP address", Idle) and UP — and zebra, which
 * still had the address, never sent it again. FRR 10.0 fixed it (commit 5a40f2b0e7, "lib,
 * bgp/vnc: add `.auxiliary` zclient option": library handlers run once), so FRR 10 nodes
 * are not affected. It needs interface events while bgpd runs, which is what bringing the
 * links up after the daemons (runtime/netns) gives; and load, which delays one socket.
 *
 * Seen: 1 session of 1260 in a 630-link fabric in 2 of 4 CI runs, bgpd's reason once
 * "Neighbor address lost", once "Waiting for peer OPEN" (leaf Idle, server Active, the whole
 * 300 s); here, with three CPU hogs beside the bring-up, in 3 of 16 runs (none in 15
 * without them). The reason text proves nothing: bgpd's NHT code (bgp_nht.c) writes
 * "Waiting for peer OPEN" into last_reset on every next-hop update, whatever the state.
 * What proves it is `bgpNeighborAddr`, 'none' when bgpd holds no address (bgp_vty.c, 8.4 and
 * 10.3; the fixture bgp-neighbor-no-address.json, FRR 8.4.4 with the peer's RAs dropped,
 * shows Idle, "Waiting for peer OPEN" and 'none'). An Idle peer without an address is never
 * restarted (no start timer), and bgp_accept finds no peer for the other end's connects.
 *
 * The remedy checks that state first: bgpd has no address, zebra's `show interface` lists
 * one. A link down and up clears both copies (zebra's if_down, bgpd's bgp_ifp_down), and
 * the next RA gives both the address again; in each of the 3 runs every session was
 * Established 13-14 s after deploy.
 *
 * The log excerpts: docs/frr-8.4-lost-link-local.md.
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

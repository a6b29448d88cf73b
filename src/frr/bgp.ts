/**
 * Readers of bgpd's JSON: `show bgp summary json` and `show bgp neighbors [IF] json`, and
 * the one definition of a session being up. Pure, unit-tested on captured output. Peers
 * of unnumbered sessions are keyed by interface name.
 */
import type { Family } from '../lab/paths.js';
import { isObj } from '../util/obj.js';

/** The one state that counts as up. */
export const ESTABLISHED = 'Established';

/** What bgplab reads of one peer in one address family of `show bgp summary json`. */
export interface PeerSummary {
  /** FRR's state (Established, Active, Connect, Idle, OpenSent, OpenConfirm) */
  state: string;
  pfxRcd?: number;
  pfxSnt?: number;
  remoteAs?: number;
  /** the hostname the peer announced (hostname capability): a miswired link shows here */
  hostname?: string;
  peerUptimeMsec?: number;
}

const AF_KEY: Record<Family, string> = { ipv4: 'ipv4Unicast', ipv6: 'ipv6Unicast' };

/** The peer on `ifname` in one family, or undefined (no such family or neighbour). */
export function summaryPeer(summary: unknown, ifname: string, family: Family = 'ipv4'): PeerSummary | undefined {
  const af = isObj(summary) ? summary[AF_KEY[family]] : undefined;
  const peers = isObj(af) && isObj(af['peers']) ? af['peers'] : undefined;
  const p = peers?.[ifname];
  if (!isObj(p)) return undefined;
  const out: PeerSummary = { state: typeof p['state'] === 'string' ? p['state'] : 'unknown' };
  for (const k of ['pfxRcd', 'pfxSnt', 'remoteAs', 'peerUptimeMsec'] as const) if (typeof p[k] === 'number') out[k] = p[k];
  if (typeof p['hostname'] === 'string') out.hostname = p['hostname'];
  return out;
}

/** Does the summary have this address family at all (bgpd answered, family configured)? */
export function hasFamily(summary: unknown, family: Family): boolean {
  return isObj(summary) && isObj(summary[AF_KEY[family]]);
}

/**
 * A session's state across the families the lab carries: Established only when it is
 * Established in every one of them; otherwise the first state that is not (or why it is
 * unknown: the family is missing, the neighbour is not configured).
 */
export function sessionState(summary: unknown, ifname: string, families: readonly Family[] = ['ipv4']): string {
  for (const f of families) {
    if (!hasFamily(summary, f)) return isObj(summary) ? `no ${f === 'ipv4' ? 'IPv4' : 'IPv6'} unicast` : 'unknown';
    const p = summaryPeer(summary, ifname, f);
    if (!p) return 'not configured';
    if (p.state !== ESTABLISHED) return p.state;
  }
  return ESTABLISHED;
}

export const isSessionUp = (state: string | undefined): boolean => state === ESTABLISHED;

/** What `show bgp neighbors json` says about a neighbour's last reset. */
export interface NeighborReset {
  /**
   * bgpd's address for an unnumbered peer (`bgpNeighborAddr`): the peer's link-local
   * address, or 'none' when bgpd has none (bgp_vty.c, 8.4 and 10.3: BGP_PEER_SU_UNSPEC)
   */
  neighborAddress?: string;
  lastResetDueTo?: string;
  lastNotificationReason?: string;
  lastErrorCodeSubcode?: string;
}

/** The neighbour entry for `ifname` (with one neighbour asked for, the only entry). */
export function neighborReset(doc: unknown, ifname: string): NeighborReset | undefined {
  if (!isObj(doc)) return undefined;
  const v = isObj(doc[ifname]) ? doc[ifname] : Object.keys(doc).length === 1 ? Object.values(doc)[0] : undefined;
  if (!isObj(v)) return undefined;
  const out: NeighborReset = {};
  for (const k of ['lastResetDueTo', 'lastNotificationReason', 'lastErrorCodeSubcode'] as const) if (typeof v[k] === 'string') out[k] = v[k];
  if (typeof v['bgpNeighborAddr'] === 'string') out.neighborAddress = v['bgpNeighborAddr'];
  return out;
}

/**
 * Said first when bgpd has no address for an unnumbered peer: its reset reason alone can
 * mislead. Captured from FRR 8.4.4 with the peer's RAs dropped: Idle, `bgpNeighborAddr`
 * 'none', `lastResetDueTo` "Waiting for peer OPEN" (bgp_nht.c writes that reason on every
 * next-hop update, whatever the state; it showed on an Established session too).
 */
export const NO_PEER_ADDRESS = 'bgpd has no link-local address for the peer';

/** One line: why the session last went down ("Bad Peer AS; notification 0202; ..."), or undefined. */
export function resetText(r: NeighborReset | undefined): string | undefined {
  if (!r) return undefined;
  const parts: string[] = [];
  if (r.neighborAddress === 'none') parts.push(NO_PEER_ADDRESS);
  if (r.lastResetDueTo) parts.push(r.lastResetDueTo);
  if (r.lastErrorCodeSubcode) parts.push(`notification ${r.lastErrorCodeSubcode}`);
  if (r.lastNotificationReason) parts.push(r.lastNotificationReason);
  return parts.length ? parts.join('; ') : undefined;
}

/** What noticed a failure, read from a reset reason. */
export type Detection = 'carrier' | 'bfd' | 'hold' | 'session-close';

/** Map FRR's `lastResetDueTo` (+ notification reason) to a detection mechanism. */
export function classifyReset(dueTo: string, notification = ''): Detection | string {
  const s = `${dueTo} ${notification}`;
  if (/BFD/i.test(s)) return 'bfd';
  // after a carrier loss the peer's link-local address is gone: bgpd's next reconnect
  // attempt records "Waiting for NHT" (or "...IPv6 LLA") over the original reason
  if (/Interface down|Neighbor address lost|Waiting for NHT|Waiting for Peer IPv6 LLA/i.test(s)) return 'carrier';
  if (/Hold Timer/i.test(s)) return 'hold';
  if (/Notification|closed the session|Cease/i.test(s)) return 'session-close';
  return dueTo || 'unknown';
}

/** `show bgp ipv4|ipv6 unicast json`: every path's AS path, per prefix. */
export interface BgpPath {
  path?: string;
  valid?: boolean;
  bestpath?: boolean;
  /** the neighbour the path came from: its hostname (hostname capability) */
  from?: string;
}

function fromOf(p: Record<string, unknown>): { from?: string } {
  const nh = Array.isArray(p['nexthops']) ? p['nexthops'].find(isObj) : undefined;
  const h = nh && typeof nh['hostname'] === 'string' ? nh['hostname'] : undefined;
  return h ? { from: h } : {};
}

export function bgpTablePaths(doc: unknown): Map<string, BgpPath[]> {
  const out = new Map<string, BgpPath[]>();
  const routes = isObj(doc) && isObj(doc['routes']) ? doc['routes'] : {};
  for (const [prefix, list] of Object.entries(routes)) {
    if (!Array.isArray(list)) continue;
    out.set(
      prefix,
      list.filter(isObj).map((p) => ({
        ...(typeof p['path'] === 'string' ? { path: p['path'] } : {}),
        ...(typeof p['valid'] === 'boolean' ? { valid: p['valid'] } : {}),
        ...(typeof p['bestpath'] === 'boolean' ? { bestpath: p['bestpath'] } : isObj(p['bestpath']) ? { bestpath: true } : {}),
        ...fromOf(p),
      })),
    );
  }
  return out;
}

/** `show bgp ipv4|ipv6 unicast neighbors IF routes json`: the prefixes received. */
export function receivedPrefixes(doc: unknown): Set<string> {
  return new Set(isObj(doc) && isObj(doc['routes']) ? Object.keys(doc['routes']) : []);
}

/**
 * Readers of bgpd's routing policy as the running daemon holds it: which route-map,
 * prefix-list, filter-list (AS path) and distribute-list (access list) a neighbour has per
 * direction (`show bgp neighbors json`), the definitions of those objects (`show route-map
 * json`, `show ip[v6] prefix-list json`, `show bgp as-path-access-list json`, `show ip[v6]
 * access-list json`) and what a neighbour is sent / was accepted from it. Pure; fixtures
 * of FRR 8.4 and 10.3 in test/fixtures/frr/.
 *
 * Shapes measured on both versions (default lab, netns):
 *  - route-map, prefix-list and access-list output is per daemon: 8.4 prints one document
 *    per daemon (`{"ZEBRA":{..}}` then `{"BGP":{..}}`), 10.3 one document with a key per
 *    daemon (`{"zebra":{..},"bgpd":{..}}`). Only bgpd's copy counts: zebra's route-maps
 *    lack BGP's match clauses (`match as-path X` is an empty rule there);
 *  - `show bgp as-path-access-list json` is bgpd's alone: `{"NAME":[{sequenceNumber,type,regExp}]}`;
 *  - asking for one missing object by name prints `{"zebra":,"bgpd":}` on 10.3 (not JSON),
 *    so bgplab asks for all of each kind, which is valid JSON on both, empty or not;
 *  - `deny any` in a prefix-list reads back as 0.0.0.0/0 with maximumPrefixLength 32.
 */
import type { Family } from '../lab/paths.js';
import { isObj } from '../util/obj.js';

export type Direction = 'in' | 'out';

/** What is attached to one neighbour in one direction and family. */
export interface AttachedPolicy {
  routeMap?: string;
  prefixList?: string;
  /** `neighbor X filter-list NAME`: an AS-path access list */
  filterList?: string;
  /** `neighbor X distribute-list NAME`: an access list */
  distributeList?: string;
}

export interface NeighborPolicy {
  in: AttachedPolicy;
  out: AttachedPolicy;
  /** `neighbor X default-originate`: a default route is sent whatever the outbound policy */
  defaultSent: boolean;
}

const AF_KEY: Record<Family, string> = { ipv4: 'ipv4Unicast', ipv6: 'ipv6Unicast' };

/** The policy of the neighbour on `ifname` in one family (undefined: no such neighbour or family). */
export function neighborPolicy(doc: unknown, ifname: string, family: Family = 'ipv4'): NeighborPolicy | undefined {
  const nb = isObj(doc) ? doc[ifname] : undefined;
  const afi = isObj(nb) && isObj(nb['addressFamilyInfo']) ? nb['addressFamilyInfo'][AF_KEY[family]] : undefined;
  if (!isObj(afi)) return undefined;
  const s = (k: string) => (typeof afi[k] === 'string' && afi[k] ? (afi[k] as string) : undefined);
  const pick = (p: AttachedPolicy) => Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as AttachedPolicy;
  return {
    in: pick({
      routeMap: s('routeMapForIncomingAdvertisements'),
      prefixList: s('incomingUpdatePrefixFilterList'),
      filterList: s('incomingUpdateAsPathFilterList'),
      distributeList: s('incomingUpdateNetworkFilterList'),
    }),
    out: pick({
      routeMap: s('routeMapForOutgoingAdvertisements'),
      prefixList: s('outgoingUpdatePrefixFilterList'),
      filterList: s('outgoingUpdateAsPathFilterList'),
      distributeList: s('outgoingUpdateNetworkFilterList'),
    }),
    defaultSent: afi['defaultSent'] === true,
  };
}

export const hasPolicy = (p: AttachedPolicy): boolean => !!(p.routeMap || p.prefixList || p.filterList || p.distributeList);

export interface RouteMapRule {
  seq: number;
  type: 'permit' | 'deny';
  /** as FRR prints them: "ip address prefix-list OWN", "as-path AP1", "community 100" */
  match: string[];
  /** `call NAME` */
  call?: string;
  /** "Exit routemap", "Next", "Goto 30" */
  action: string;
}

export interface PrefixListEntry {
  seq: number;
  type: 'permit' | 'deny';
  prefix: string;
  /** ge */
  min?: number;
  /** le */
  max?: number;
}

export interface AccessListEntry {
  seq: number;
  type: 'permit' | 'deny';
  /** zebra-style entries; undefined for entries bgplab cannot read (cisco-style) */
  prefix?: string;
  exact: boolean;
}

export interface AsPathEntry {
  seq: number;
  type: 'permit' | 'deny';
  regex: string;
}

/** bgpd's policy objects of one node, by kind and name (route-maps and lists have separate name spaces). */
export interface PolicyDefinitions {
  routeMaps: Map<string, RouteMapRule[]>;
  prefixLists: Record<Family, Map<string, PrefixListEntry[]>>;
  accessLists: Record<Family, Map<string, AccessListEntry[]>>;
  asPathLists: Map<string, AsPathEntry[]>;
}

/** The show commands whose output policyDefinitions reads, all in one vtysh call. */
export function policyCommands(families: readonly Family[]): string[] {
  const v6 = families.includes('ipv6');
  return [
    'show route-map json',
    'show ip prefix-list json',
    ...(v6 ? ['show ipv6 prefix-list json'] : []),
    'show bgp as-path-access-list json',
    'show ip access-list json',
    ...(v6 ? ['show ipv6 access-list json'] : []),
  ];
}

const BGPD_KEYS = new Set(['BGP', 'bgpd']);
const num = (v: unknown) => (typeof v === 'number' ? v : Number(v));
const perm = (v: unknown): 'permit' | 'deny' => (v === 'permit' ? 'permit' : 'deny');
const famOf = (v: unknown): Family | undefined => (v === 'IPv4' ? 'ipv4' : v === 'IPv6' ? 'ipv6' : undefined);
const bySeq = <T extends { seq: number }>(xs: T[]) => xs.sort((a, b) => a.seq - b.seq);

/**
 * Every policy object in the documents `policyCommands` printed (split with splitJson),
 * told apart by shape, not by position: an empty answer may print nothing useful, and
 * 8.4 prints one document per daemon where 10.3 prints one.
 */
export function policyDefinitions(docs: readonly unknown[]): PolicyDefinitions {
  const out: PolicyDefinitions = {
    routeMaps: new Map(),
    prefixLists: { ipv4: new Map(), ipv6: new Map() },
    accessLists: { ipv4: new Map(), ipv6: new Map() },
    asPathLists: new Map(),
  };
  for (const doc of docs) {
    if (!isObj(doc)) continue;
    const values = Object.values(doc);
    // as-path access lists: bgpd's alone, name -> entries
    if (values.length && values.every(Array.isArray)) {
      for (const [name, list] of Object.entries(doc)) {
        out.asPathLists.set(
          name,
          bySeq(
            (list as unknown[]).filter(isObj).map((e) => ({ seq: num(e['sequenceNumber']), type: perm(e['type']), regex: typeof e['regExp'] === 'string' ? e['regExp'] : '' })),
          ),
        );
      }
      continue;
    }
    for (const [daemon, objects] of Object.entries(doc)) {
      if (!BGPD_KEYS.has(daemon) || !isObj(objects)) continue;
      for (const [name, o] of Object.entries(objects)) {
        if (!isObj(o)) continue;
        const rules = Array.isArray(o['rules']) ? o['rules'].filter(isObj) : undefined;
        const fam = famOf(o['addressFamily']);
        if (rules && !fam) {
          out.routeMaps.set(
            name,
            bySeq(
              rules.map((r) => ({
                seq: num(r['sequenceNumber']),
                type: perm(r['type']),
                match: Array.isArray(r['matchClauses']) ? r['matchClauses'].filter((m): m is string => typeof m === 'string') : [],
                ...(typeof r['callClause'] === 'string' ? { call: r['callClause'] } : {}),
                action: typeof r['action'] === 'string' ? r['action'] : 'Exit routemap',
              })),
            ),
          );
        } else if (rules && fam) {
          out.accessLists[fam].set(
            name,
            bySeq(
              rules.map((r) => ({
                seq: num(r['sequenceNumber']),
                type: perm(r['filterType']),
                ...(typeof r['prefix'] === 'string' ? { prefix: r['prefix'] } : {}),
                exact: r['exact-match'] === true,
              })),
            ),
          );
        } else if (Array.isArray(o['entries']) && fam) {
          out.prefixLists[fam].set(
            name,
            bySeq(
              o['entries'].filter(isObj).map((e) => ({
                seq: num(e['sequenceNumber']),
                type: perm(e['type']),
                prefix: typeof e['prefix'] === 'string' ? e['prefix'] : '',
                ...(typeof e['minimumPrefixLength'] === 'number' ? { min: e['minimumPrefixLength'] } : {}),
                ...(typeof e['maximumPrefixLength'] === 'number' ? { max: e['maximumPrefixLength'] } : {}),
              })),
            ),
          );
        }
      }
    }
  }
  return out;
}

/**
 * `show bgp ipv4|ipv6 unicast neighbors IF advertised-routes json`: the prefixes sent,
 * with the default route `default-originate` sends (reported apart, as
 * bgpOriginatingDefaultNetwork, on both versions).
 */
export function advertisedPrefixes(doc: unknown): Set<string> {
  const out = new Set<string>(isObj(doc) && isObj(doc['advertisedRoutes']) ? Object.keys(doc['advertisedRoutes']) : []);
  if (isObj(doc) && typeof doc['bgpOriginatingDefaultNetwork'] === 'string') out.add(doc['bgpOriginatingDefaultNetwork']);
  return out;
}

/**
 * Pure prediction of what a healthy fabric's control plane converges to, from the Lab
 * model alone: per node and destination prefix, the BGP best-path length and the set of
 * equal-cost next hops (neighbor + interface); per neighbor session, the prefixes it
 * delivers; and, expanded hop by hop, the router-level paths between any two nodes.
 *
 * The simulation is BGP path-vector over the expected sessions (every link is eBGP):
 * - a node rejects a path that already holds its own ASN (spines share one ASN, so
 *   leaf→spine→leaf→spine valleys are rejected);
 * - servers export only their own loopback + announce, and the node above a server
 *   accepts only what that server owns (when lab.options.transitFilters; when false
 *   servers re-advertise everything: the unsafe negative control);
 * - best = shortest AS path; ECMP across every neighbor offering that length where
 *   `bgp bestpath as-path multipath-relax` is configured (the renderer sets it on nodes whose
 *   neighbors span two or more ASNs); elsewhere FRR multipaths only identical AS paths, so
 *   a best set whose paths differ is marked ambiguous.
 *
 * Design choices (`design:`): with to_servers default / default+loopbacks the switches above
 * servers originate a default route towards their servers only and send them nothing else
 * (or only loopbacks); traffic from a server then follows the default (longest match) to
 * its leaves. With a shared server ASN a server accepts its own ASN once in a path where
 * the renderer sets `allowas-in 1`. A node in `maintenance: graceful-shutdown` tags what
 * it sends with the GRACEFUL_SHUTDOWN community; receivers give such paths local-pref 0
 * (measured on FRR 8.4), so a path avoiding it wins over any length.
 *
 * A neighbor advertises ONE of its equal-best paths, chosen by BGP tie-breakers (oldest
 * path, router-id) that the model cannot know. When some of a neighbor's equal-best paths
 * would be accepted and others rejected (loop detection), whether the route arrives is
 * decided by timing: such an offer is "uncertain". Counts are then ranges, and a route
 * whose best set depends on an uncertain offer is marked `ambiguous`.
 */
import { designOf, type ExpectedSession, type Lab, type LabNode } from './model.js';

export type Family = 'ipv4' | 'ipv6';

/** The address families a lab carries: IPv4 always, IPv6 when nodes have IPv6 loopbacks. */
export function familiesOf(lab: Lab): Family[] {
  return lab.nodes.some((n) => n.loopback6) ? ['ipv4', 'ipv6'] : ['ipv4'];
}

export interface PredictedNextHop {
  /** the neighbor the route points at */
  node: string;
  /** our interface towards it */
  ifname: string;
  /** its interface towards us */
  peerIfname: string;
}

export interface PredictedRoute {
  node: string;
  prefix: string;
  family: Family;
  /** the node that originates the prefix (anycast: the originators, comma-separated) */
  origin: string;
  /** AS-path length of the best path (0 at the origin) */
  pathLength: number;
  /** equal-cost next hops (empty at the origin, and when the prefix is unreachable) */
  nextHops: PredictedNextHop[];
  /** true when BGP tie-breaking (not the model) decides part of the best set */
  ambiguous: boolean;
  /** no next hops: why no route is expected (AS-path loop detection, or the design's filters) */
  unreachable?: string;
}

export interface PredictedReceived {
  node: string;
  ifname: string;
  peer: string;
  family: Family;
  /** prefixes that always arrive on this session */
  prefixes: string[];
  /** prefixes that arrive or not depending on the neighbor's BGP tie-break */
  maybe: string[];
  min: number;
  max: number;
}

export interface FabricPrediction {
  lab: Lab;
  /** prefix → originating node name (anycast: names comma-separated), every prefix the fabric carries */
  origins: Map<string, string>;
  /** The predicted route at `node` to `prefix` (undefined: unreachable or unknown prefix). */
  route(node: string, prefix: string): PredictedRoute | undefined;
  /** All routes of a node to prefixes originated elsewhere (reachable or not: nextHops may be empty). */
  routesOf(node: string): PredictedRoute[];
  /** What `node` receives from the neighbor on `ifname` in one address family. */
  received(node: string, ifname: string, family?: Family): PredictedReceived;
  /**
   * Router-level paths that traffic from `from` to `to`'s IPv4 loopback can take, each a
   * node sequence starting with `from` and ending with `to`. Sorted, deduplicated.
   */
  paths(from: string, to: string): string[][];
}

interface Offer {
  neighbor: string;
  ifname: string;
  peerIfname: string;
  length: number;
  /** AS paths (as seen by the receiver: neighbor ASN first) that may arrive */
  asPaths: number[][];
  /** every one of the neighbor's equal-best paths is acceptable */
  certain: boolean;
  ambiguousUpstream: boolean;
  /** the path carries the GRACEFUL_SHUTDOWN community (local-pref 0 at the receiver) */
  gshut: boolean;
}

interface NodeState {
  length: number;
  /** equal-best AS paths, as installed at this node (first = nearest neighbor's ASN) */
  asPaths: number[][];
  offers: Offer[];
  ambiguous: boolean;
  /** the best paths carry the GRACEFUL_SHUTDOWN community */
  gshut: boolean;
}

/** What a prefix is, for the design's export filters towards servers. */
type PrefixClass = 'loopback' | 'announce' | 'default';

/** The default routes switches above servers originate with to_servers: default / default+loopbacks. */
export const DEFAULT_ROUTES: Record<Family, string> = { ipv4: '0.0.0.0/0', ipv6: '::/0' };

export function prefixesOf(node: LabNode, family: Family): string[] {
  const own: string[] = [];
  if (family === 'ipv4') own.push(`${node.loopback}/32`);
  else if (node.loopback6) own.push(`${node.loopback6}/128`);
  for (const p of node.announce) if (p.includes(':') === (family === 'ipv6')) own.push(p);
  return own;
}

/** The nodes that originate a default towards their servers: switches with server sessions. */
export function defaultOriginators(lab: Lab): LabNode[] {
  if (designOf(lab).toServers === 'all') return [];
  const role = new Map(lab.nodes.map((n) => [n.name, n.role]));
  const withServers = new Set(lab.sessions.filter((s) => role.get(s.node) !== 'server' && role.get(s.peer) === 'server').map((s) => s.node));
  return lab.nodes.filter((n) => withServers.has(n.name));
}

/** Why a switch does not send a prefix of this class to a server, or undefined when it does. */
function designFilter(lab: Lab, from: LabNode, to: LabNode, cls: PrefixClass): string | undefined {
  const d = designOf(lab);
  if (to.role !== 'server' || from.role === 'server') return cls === 'default' ? 'the default is sent to servers only' : undefined;
  if (d.toServers === 'all' || cls === 'default') return undefined;
  if (d.toServers === 'default+loopbacks' && cls === 'loopback') return undefined;
  return `design.to_servers: ${d.toServers}: leaves send servers only the default${d.toServers === 'default+loopbacks' ? ' and loopbacks' : ''}`;
}

/** Does `from` send the prefixes of this origin set to `to`? Servers: only their own; the design's filters towards servers. */
function exports(lab: Lab, from: LabNode, to: LabNode, origins: ReadonlySet<string>, cls: PrefixClass): boolean {
  if (designFilter(lab, from, to, cls)) return false;
  if (from.role !== 'server' || !lab.options.transitFilters) return true;
  return origins.has(from.name);
}

/** How many times a node accepts its own ASN in a path (`allowas-in`, servers sharing one ASN). */
function allowasOf(lab: Lab, n: LabNode): number {
  const d = designOf(lab);
  return n.role === 'server' && d.serverAsn === 'shared' && d.toServers !== 'default' ? 1 : 0;
}

/** Does `to` accept them from `from`? The node above a server: only what that server owns. */
function imports(lab: Lab, _to: LabNode, from: LabNode, origins: ReadonlySet<string>): boolean {
  if (from.role !== 'server' || !lab.options.transitFilters) return true;
  return origins.has(from.name);
}

const key = (p: number[]) => p.join(' ');

/**
 * Simulate propagation of the prefixes originated by one set of nodes (one node usually;
 * several for an anycast prefix); returns the converged state per node.
 */
function propagate(lab: Lab, origins: ReadonlySet<string>, cls: PrefixClass, byName: Map<string, LabNode>, relax: Set<string>): Map<string, NodeState> {
  let state = new Map<string, NodeState>();
  for (const o of origins) state.set(o, { length: 0, asPaths: [[]], offers: [], ambiguous: false, gshut: false });
  const maxRounds = lab.nodes.length * 2 + 4;
  // each node's sessions, once: scanning every session for every node made a prefix
  // O(nodes × sessions) per round (6.5 s of CPU to predict a 400-node lab, measured)
  const sessionsOf = new Map<string, ExpectedSession[]>();
  for (const s of lab.sessions) sessionsOf.set(s.node, [...(sessionsOf.get(s.node) ?? []), s]);
  for (let round = 0; round < maxRounds; round++) {
    const next = new Map<string, NodeState>();
    for (const node of lab.nodes) {
      const offers: Offer[] = [];
      for (const s of sessionsOf.get(node.name) ?? []) {
        const nb = byName.get(s.peer);
        const nbState = state.get(s.peer);
        if (!nb || !nbState) continue;
        if (!exports(lab, nb, node, origins, cls) || !imports(lab, node, nb, origins)) continue;
        const all = nbState.asPaths.map((p) => [nb.asn, ...p]);
        const allowas = allowasOf(lab, node);
        const accepted = all.filter((p) => p.filter((a) => a === node.asn).length <= allowas);
        if (accepted.length === 0) continue;
        offers.push({
          neighbor: nb.name,
          ifname: s.ifname,
          peerIfname: s.peerIfname,
          length: nbState.length + 1,
          asPaths: accepted,
          certain: accepted.length === all.length,
          ambiguousUpstream: nbState.ambiguous,
          gshut: nbState.gshut || nb.maintenance === 'graceful-shutdown',
        });
      }
      // an originator keeps (and advertises) its own local route, but still receives the
      // other originators' copies of an anycast prefix (they count in its pfxRcd)
      if (origins.has(node.name)) {
        next.set(node.name, { length: 0, asPaths: [[]], offers, ambiguous: false, gshut: false });
        continue;
      }
      if (offers.length === 0) continue;
      // local-pref first: paths without the graceful-shutdown community, when there are any
      const gshut = offers.every((o) => o.gshut);
      const eligible = offers.filter((o) => o.gshut === gshut);
      const length = Math.min(...eligible.map((o) => o.length));
      const best = eligible.filter((o) => o.length === length);
      const seen = new Map<string, number[]>();
      for (const o of best) for (const p of o.asPaths) seen.set(key(p), p);
      const asPaths = [...seen.values()].sort((a, b) => key(a).localeCompare(key(b)));
      // an offer in the best set that may not arrive (neighbor tie-break), or inherited doubt
      let ambiguous = best.some((o) => !o.certain || o.ambiguousUpstream);
      // without multipath-relax only identical AS paths share the load: which ones are
      // identical depends on each neighbor's own tie-break
      if (!relax.has(node.name) && best.length > 1 && asPaths.length > 1) ambiguous = true;
      next.set(node.name, { length, asPaths, offers, ambiguous, gshut });
    }
    if (sameState(state, next)) return next;
    state = next;
  }
  return state;
}

function sameState(a: Map<string, NodeState>, b: Map<string, NodeState>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (!w || w.length !== v.length || w.ambiguous !== v.ambiguous || w.gshut !== v.gshut) return false;
    if (w.asPaths.length !== v.asPaths.length) return false;
    for (let i = 0; i < v.asPaths.length; i++) if (key(v.asPaths[i]!) !== key(w.asPaths[i]!)) return false;
    if (w.offers.length !== v.offers.length) return false;
    for (let i = 0; i < v.offers.length; i++) {
      const x = v.offers[i]!;
      const y = w.offers[i]!;
      if (x.ifname !== y.ifname || x.length !== y.length || x.certain !== y.certain || x.gshut !== y.gshut || x.asPaths.length !== y.asPaths.length) return false;
    }
  }
  return true;
}

export function predictFabric(lab: Lab): FabricPrediction {
  const byName = new Map(lab.nodes.map((n) => [n.name, n]));
  const relax = new Set(
    lab.nodes
      .filter((n) => new Set(lab.sessions.filter((s) => s.node === n.name).map((s) => s.peerAsn)).size >= 2)
      .map((n) => n.name),
  );
  // group prefixes by the set of nodes originating them (anycast: more than one) and by
  // their class (the design's filters towards servers tell loopbacks from the rest)
  const originSets = new Map<string, Set<string>>();
  const familyOf = new Map<string, Family>();
  const classOf = new Map<string, PrefixClass>();
  for (const n of lab.nodes) {
    for (const f of ['ipv4', 'ipv6'] as const) {
      prefixesOf(n, f).forEach((p, i) => {
        if (!originSets.has(p)) originSets.set(p, new Set());
        originSets.get(p)!.add(n.name);
        familyOf.set(p, f);
        const loopback = i === 0 && (f === 'ipv4' || !!n.loopback6);
        if (classOf.get(p) !== 'loopback') classOf.set(p, loopback ? 'loopback' : 'announce');
      });
    }
  }
  const originators = defaultOriginators(lab);
  if (originators.length) {
    for (const f of familiesOf(lab)) {
      originSets.set(DEFAULT_ROUTES[f], new Set(originators.map((n) => n.name)));
      familyOf.set(DEFAULT_ROUTES[f], f);
      classOf.set(DEFAULT_ROUTES[f], 'default');
    }
  }
  const groupKey = (set: Set<string>, cls: PrefixClass) => `${cls}:${[...set].sort().join(',')}`;
  const states = new Map<string, Map<string, NodeState>>();
  const prefixesOfGroup = new Map<string, string[]>();
  const keyOf = (p: string) => groupKey(originSets.get(p)!, classOf.get(p)!);
  for (const [p, set] of originSets) {
    const k = keyOf(p);
    if (!states.has(k)) states.set(k, propagate(lab, set, classOf.get(p)!, byName, relax));
    prefixesOfGroup.set(k, [...(prefixesOfGroup.get(k) ?? []), p]);
  }
  const origins = new Map<string, string>([...originSets].map(([p, set]) => [p, [...set].sort().join(',')]));

  const routeCache = new Map<string, PredictedRoute | undefined>();
  function route(node: string, prefix: string): PredictedRoute | undefined {
    const k = `${node}|${prefix}`;
    if (routeCache.has(k)) return routeCache.get(k);
    const set = originSets.get(prefix);
    const st = set === undefined ? undefined : states.get(keyOf(prefix))?.get(node);
    let r: PredictedRoute | undefined;
    if (set !== undefined && st) {
      const nextHops = st.offers
        .filter((o) => o.length === st.length && o.gshut === st.gshut)
        .map((o) => ({ node: o.neighbor, ifname: o.ifname, peerIfname: o.peerIfname }))
        .sort((a, b) => a.ifname.localeCompare(b.ifname, undefined, { numeric: true }));
      r = { node, prefix, family: familyOf.get(prefix)!, origin: origins.get(prefix)!, pathLength: st.length, nextHops, ambiguous: st.ambiguous };
    }
    routeCache.set(k, r);
    return r;
  }

  function routesOf(node: string): PredictedRoute[] {
    const out: PredictedRoute[] = [];
    for (const [prefix, set] of originSets) {
      if (set.has(node)) continue;
      const r = route(node, prefix);
      if (r) {
        out.push(r);
        continue;
      }
      const filtered = unreachableByDesign(node, prefix);
      out.push({ node, prefix, family: familyOf.get(prefix)!, origin: origins.get(prefix)!, pathLength: Infinity, nextHops: [], ambiguous: false, unreachable: filtered ?? 'AS-path loop detection' });
    }
    return out;
  }

  /** The design's filter that keeps a prefix from a node (its neighbours would send it otherwise). */
  function unreachableByDesign(node: string, prefix: string): string | undefined {
    const n = byName.get(node);
    if (!n) return undefined;
    for (const s of lab.sessions) {
      if (s.node !== node) continue;
      const why = designFilter(lab, byName.get(s.peer)!, n, classOf.get(prefix)!);
      if (why && classOf.get(prefix) !== 'default') return why;
    }
    return undefined;
  }

  function received(node: string, ifname: string, family: Family = 'ipv4'): PredictedReceived {
    const s = lab.sessions.find((x) => x.node === node && x.ifname === ifname);
    const prefixes: string[] = [];
    const maybe: string[] = [];
    if (s) {
      for (const [k, st] of states) {
        const offer = st.get(node)?.offers.find((x) => x.ifname === ifname);
        if (!offer) continue;
        const list = offer.certain ? prefixes : maybe;
        list.push(...(prefixesOfGroup.get(k) ?? []).filter((p) => familyOf.get(p) === family));
      }
    }
    return { node, ifname, peer: s?.peer ?? '', family, prefixes, maybe, min: prefixes.length, max: prefixes.length + maybe.length };
  }

  const pathCache = new Map<string, string[][]>();
  function paths(from: string, to: string): string[][] {
    const k = `${from}|${to}`;
    const hit = pathCache.get(k);
    if (hit) return hit;
    const dst = byName.get(to);
    const out = new Map<string, string[]>();
    if (dst) {
      const prefix = `${dst.loopback}/32`;
      const walk = (at: string, trail: string[]) => {
        if (at === to) {
          out.set(trail.join(' '), trail);
          return;
        }
        // longest match: a node without a route of its own follows its default (to_servers: default)
        let r = route(at, prefix);
        if (!r || r.nextHops.length === 0) r = route(at, DEFAULT_ROUTES.ipv4);
        if (!r) return;
        for (const nh of r.nextHops) {
          if (trail.includes(nh.node)) continue; // a forwarding loop would be a model bug; never loop here
          walk(nh.node, [...trail, nh.node]);
        }
      };
      walk(from, [from]);
    }
    const list = [...out.values()].sort((a, b) => a.join(' ').localeCompare(b.join(' '), undefined, { numeric: true }));
    pathCache.set(k, list);
    return list;
  }

  return { lab, origins, route, routesOf, received, paths };
}

/** The roles along a path, e.g. server → leaf → spine → leaf → server. */
export function roleSequence(lab: Lab, path: readonly string[]): string[] {
  return path.map((n) => lab.nodes.find((x) => x.name === n)?.role ?? '?');
}

/**
 * Does an observed hop sequence (node names, source excluded) match an expectation
 * whose items are node names or role names?
 */
export function hopsMatch(lab: Lab, observed: readonly string[], expected: readonly string[]): boolean {
  if (observed.length !== expected.length) return false;
  return observed.every((name, i) => {
    const want = expected[i]!;
    if (want === name) return true;
    const node = lab.nodes.find((x) => x.name === name);
    return !!node && node.role === want && !lab.nodes.some((x) => x.name === want);
  });
}

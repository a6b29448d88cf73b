/**
 * What a failover scenario breaks and what it expects (pure, from the model): the element
 * (a link or a node), the probe pair whose paths cross it, the sessions it carries, the
 * mechanism that should detect it and the outage allowed. failover.ts runs it.
 *
 * failover: break one element of the fabric while a continuous multi-flow probe runs
 * between two loopbacks, measure how long the flows that crossed the element were cut off,
 * check that the paths moved off it, restore it, and check that the sessions and paths
 * came back. Only ctx.lab and ctx.runtime are used, so it runs on every runtime.
 *
 * Scenarios come from the lab file (`checks: failover:`); when it names none they are
 * derived from the topology: a leaf's spine uplink down, a server uplink down, a leaf
 * uplink cut without carrier loss, a whole spine down.
 *
 * Default thresholds (maxOutageMs), each from the mechanism that detects the failure:
 * - link-down: 500 ms. veth drops carrier on both ends, zebra reports it and bgpd resets
 *   the session at once (fast-external-failover); what remains is withdrawal propagation
 *   and FIB updates, tens of ms (the benchmark target is ≤ 50 ms). 500 ms leaves room for
 *   a loaded CI machine while still failing anything timer-driven (the shortest timer
 *   involved, BFD 300 ms × 3, is 900 ms).
 * - link-cut (carrier kept): only BFD or the hold timer can see it. With BFD on both
 *   ends: interval × multiplier + 600 ms of convergence (1.5 s for 300 ms × 3). Without:
 *   hold time + 3 s (12 s for the datacenter 9 s hold): expiry comes hold-keepalive..hold
 *   after the cut, then the same convergence.
 * - node-down (routing daemons stopped): the stopped bgpd's TCP sessions close, so its
 *   peers withdraw at once, like a carrier loss, but every session of the node goes at
 *   the same time: 1000 ms.
 */
import { designOf, holdSeconds, type Endpoint, type ExpectedSession, type FailoverKind, type FailoverScenario, type Lab, type LabNode } from '../lab/model.js';
import { predictFabric, type FabricPrediction } from '../lab/paths.js';
import type { Detection } from '../frr/bgp.js';
import { BgplabError } from '../util/errors.js';

export type { Detection } from '../frr/bgp.js';

export const LINK_DOWN_MAX_OUTAGE_MS = 500;
export const NODE_DOWN_MAX_OUTAGE_MS = 1000;
const BFD_CONVERGENCE_MARGIN_MS = 600;
const HOLD_CONVERGENCE_MARGIN_MS = 3000;

// ---------------------------------------------------------------------------
// the failed element

export type Element =
  | { kind: 'link'; a: Endpoint; b: Endpoint; parallel: boolean }
  | { kind: 'node'; node: string };

export function describeElement(e: Element): string {
  return e.kind === 'link' ? `${e.a.node}:${e.a.ifname} ↔ ${e.b.node}:${e.b.ifname}` : e.node;
}

/** Resolve a scenario's target to a link (either end named) or a node; throws a user error. */
export function resolveElement(lab: Lab, s: FailoverScenario): Element {
  if (s.kind === 'node-down') {
    if (!lab.nodes.some((n) => n.name === s.target)) {
      throw new BgplabError('E_FAILOVER_TARGET', `failover "${s.name}": no node named "${s.target}"`);
    }
    return { kind: 'node', node: s.target };
  }
  const [node, ifname] = s.target.split(':');
  const link = lab.links.find(
    (l) => (l.a.node === node && l.a.ifname === ifname) || (l.b.node === node && l.b.ifname === ifname),
  );
  if (!node || !ifname || !link) {
    throw new BgplabError('E_FAILOVER_TARGET', `failover "${s.name}": no link at "${s.target}" (want node:interface)`);
  }
  // the named end first: that is the end a link-down sets down
  const [a, b] = link.a.node === node && link.a.ifname === ifname ? [link.a, link.b] : [link.b, link.a];
  const parallel = lab.links.filter((l) => new Set([l.a.node, l.b.node, a.node, b.node]).size === 2).length > 1;
  return { kind: 'link', a, b, parallel };
}

/** Does a router-level path (node names) cross the element? A node counts only in transit. */
export function pathCrosses(path: readonly string[], e: Element): boolean {
  if (e.kind === 'node') return path.slice(1, -1).includes(e.node);
  for (let i = 0; i + 1 < path.length; i++) {
    const x = path[i];
    const y = path[i + 1];
    if ((x === e.a.node && y === e.b.node) || (x === e.b.node && y === e.a.node)) return true;
  }
  return false;
}

function bfdOn(lab: Lab, ...names: string[]): boolean {
  return names.every((n) => lab.nodes.find((x) => x.name === n)?.bfd.enabled === true);
}

function bfdDetectMs(lab: Lab, ...names: string[]): number {
  // a session's detection time is governed by the slower side
  return Math.max(...names.map((n) => {
    const b = lab.nodes.find((x) => x.name === n)!.bfd;
    return b.intervalMs * b.multiplier;
  }));
}

/** The hold time of the element's sessions: a link's two ends negotiate the smaller; a node's sessions, the longest of them. */
function holdOfElement(lab: Lab, e: Element): number {
  if (e.kind === 'link') return holdSeconds(lab, e.a.node, e.b.node);
  const peers = lab.sessions.filter((s) => s.node === e.node).map((s) => holdSeconds(lab, e.node, s.peer));
  return peers.length ? Math.max(...peers) : holdSeconds(lab, e.node);
}

/** What should detect the failure of this element. */
export function expectedDetection(lab: Lab, kind: FailoverKind, e: Element): Detection {
  if (kind === 'link-down') return 'carrier';
  if (kind === 'link-cut' && e.kind === 'link') return bfdOn(lab, e.a.node, e.b.node) ? 'bfd' : 'hold';
  return 'session-close';
}

/** The default maximum outage for a scenario (see the header comment for the reasoning). */
export function defaultMaxOutageMs(lab: Lab, kind: FailoverKind, e: Element): number {
  switch (expectedDetection(lab, kind, e)) {
    case 'carrier':
      return LINK_DOWN_MAX_OUTAGE_MS;
    case 'bfd': {
      const ends = e.kind === 'link' ? [e.a.node, e.b.node] : [e.node];
      return bfdDetectMs(lab, ...ends) + BFD_CONVERGENCE_MARGIN_MS;
    }
    case 'hold':
      return holdOfElement(lab, e) * 1000 + HOLD_CONVERGENCE_MARGIN_MS;
    case 'session-close':
      return NODE_DOWN_MAX_OUTAGE_MS;
  }
}

/** How long the failure may take to be detected at most (then the probe settles). */
export function detectionBoundMs(lab: Lab, kind: FailoverKind, e: Element): number {
  const d = expectedDetection(lab, kind, e);
  if (d === 'bfd') return bfdDetectMs(lab, ...(e.kind === 'link' ? [e.a.node, e.b.node] : [e.node])) + 2000;
  // hold: the timer itself; carrier / session close are immediate, a missed one is caught by the hold timer
  return holdOfElement(lab, e) * 1000 + 2000;
}

// ---------------------------------------------------------------------------
// default scenarios

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name, undefined, { numeric: true });

/** Defaults from the topology: only scenarios some probe pair survives. */
export function defaultScenarios(lab: Lab, pred: FabricPrediction = predictFabric(lab)): FailoverScenario[] {
  const role = new Map(lab.nodes.map((n) => [n.name, n.role]));
  const out: FailoverScenario[] = [];
  const survivable = (s: FailoverScenario) => {
    try {
      return choosePair(lab, pred, resolveElement(lab, s)) !== undefined;
    } catch {
      return false;
    }
  };
  const push = (s: FailoverScenario) => {
    if (survivable(s)) out.push(s);
  };
  const uplinks: Endpoint[] = [];
  for (const l of lab.links) {
    for (const [x, y] of [[l.a, l.b], [l.b, l.a]] as const) {
      if (role.get(x.node) === 'leaf' && (role.get(y.node) === 'spine' || role.get(y.node) === 'super-spine')) uplinks.push(x);
    }
  }
  uplinks.sort((p, q) => p.node.localeCompare(q.node, undefined, { numeric: true }) || p.ifname.localeCompare(q.ifname, undefined, { numeric: true }));
  const first = uplinks[0];
  if (first) push({ name: `leaf uplink down ${first.node}:${first.ifname}`, kind: 'link-down', target: `${first.node}:${first.ifname}` });
  const servers = lab.nodes.filter((n) => n.role === 'server').sort(byName);
  const dual = servers.find((s) => lab.links.filter((l) => l.a.node === s.name || l.b.node === s.name).length >= 2);
  if (dual) {
    const ifname = dual.interfaces[0]!;
    push({ name: `server uplink down ${dual.name}:${ifname}`, kind: 'link-down', target: `${dual.name}:${ifname}` });
  }
  // the cut on another leaf's uplink (to another spine when there is one), so the two link
  // scenarios do not exercise the same session
  const cut = [...uplinks].reverse().find((u) => u.node !== first?.node) ?? uplinks[uplinks.length - 1];
  if (cut) push({ name: `leaf uplink cut ${cut.node}:${cut.ifname}`, kind: 'link-cut', target: `${cut.node}:${cut.ifname}` });
  const spine = lab.nodes.filter((n) => n.role === 'spine').sort(byName)[0];
  if (spine) push({ name: `spine down ${spine.name}`, kind: 'node-down', target: spine.name });
  return out;
}

// ---------------------------------------------------------------------------
// probe pair

export interface ProbePair {
  a: LabNode;
  b: LabNode;
  /** predicted paths a→b and b→a, and how many of them cross the element */
  predicted: { ab: string[][]; ba: string[][]; crossAB: number; crossBA: number };
}

/**
 * Two nodes whose predicted paths cross the element in both directions where possible
 * (and, with `avoid`, never cross those other elements, before or during the failure),
 * with a surviving path in each direction (else the failure cannot be survived: no outage
 * to measure). Servers first, then any node with a loopback; never the failed node itself.
 */
export function choosePair(lab: Lab, pred: FabricPrediction, e: Element, avoid: readonly Element[] = []): ProbePair | undefined {
  const byDefault = designOf(lab).toServers !== 'all';
  const during = avoid.length || byDefault ? predictFabric(withoutElement(lab, e)) : undefined;
  /**
   * A server that leaves send only a default (design.to_servers) keeps hashing flows to
   * every uplink whatever fails behind it: its traffic survives only when each of its leaves
   * still reaches the destination during the failure. Measured on labs/shared-asn.yml: the
   * pair server1 ↔ spine1 with leaf1:eth1 down lost 10 of 20 crossing flows for good (spines
   * share an ASN, so no leaf reaches a spine's loopback but over its own link to it).
   */
  const survives = (src: LabNode, dst: LabNode): boolean => {
    if (!byDefault || src.role !== 'server') return true;
    for (const l of lab.links) {
      const leaf = l.a.node === src.name ? l.b.node : l.b.node === src.name ? l.a.node : undefined;
      if (leaf === undefined || leaf === dst.name) continue;
      if (e.kind === 'node' && e.node === leaf) continue;
      if (e.kind === 'link' && [e.a.node, e.b.node].includes(src.name) && [e.a.node, e.b.node].includes(leaf)) continue;
      if (during!.paths(leaf, dst.name).length === 0) return false;
    }
    return true;
  };
  const nodes = [...lab.nodes].sort(byName);
  const servers = nodes.filter((n) => n.role === 'server');
  const others = nodes.filter((n) => n.role !== 'server');
  const candidates = [...servers, ...others].filter((n) => !(e.kind === 'node' && n.name === e.node));
  let best: { pair: ProbePair; score: number } | undefined;
  for (let i = 0; i < candidates.length; i++) {
    for (let j = i + 1; j < candidates.length; j++) {
      const a = candidates[i]!;
      const b = candidates[j]!;
      const ab = pred.paths(a.name, b.name);
      const ba = pred.paths(b.name, a.name);
      if (ab.length === 0 || ba.length === 0) continue;
      const crossAB = ab.filter((p) => pathCrosses(p, e)).length;
      const crossBA = ba.filter((p) => pathCrosses(p, e)).length;
      if (crossAB + crossBA === 0) continue;
      if (crossAB === ab.length || crossBA === ba.length) continue; // no way around it
      if (!survives(a, b) || !survives(b, a)) continue;
      if (avoid.some((o) => !pairClearOf({ a, b, predicted: { ab, ba, crossAB, crossBA } }, o, during!))) continue;
      const bothServers = a.role === 'server' && b.role === 'server';
      // prefer: both directions cross, servers at both ends, about half the paths crossing
      const balance = 1 - Math.abs(crossAB / ab.length - 0.5) - Math.abs(crossBA / ba.length - 0.5);
      const score = (crossAB > 0 && crossBA > 0 ? 100 : 0) + (bothServers ? 10 : a.role === 'server' || b.role === 'server' ? 5 : 0) + balance;
      if (!best || score > best.score + 1e-9) best = { pair: { a, b, predicted: { ab, ba, crossAB, crossBA } }, score };
    }
  }
  return best?.pair;
}

// ---------------------------------------------------------------------------
// sessions

/** The sessions the element carries: both ends of a link; every session of a node's peers towards it. */
export function affectedSessions(lab: Lab, e: Element): ExpectedSession[] {
  if (e.kind === 'link') return lab.sessions.filter((s) => carries(s, e));
  return lab.sessions.filter((s) => s.peer === e.node);
}

// ---------------------------------------------------------------------------
// running scenarios at the same time

/** Does the session run over the element (a link's two ends; every session of a node, both ways)? */
function carries(s: ExpectedSession, e: Element): boolean {
  if (e.kind === 'node') return s.node === e.node || s.peer === e.node;
  return (s.node === e.a.node && s.ifname === e.a.ifname) || (s.node === e.b.node && s.ifname === e.b.ifname);
}

/** The lab as it is while the element is failed: its sessions gone. */
export function withoutElement(lab: Lab, e: Element): Lab {
  return { ...lab, sessions: lab.sessions.filter((s) => !carries(s, e)) };
}

/**
 * Is the pair's traffic clear of the other element, before and during its own failure
 * (`during`: the prediction with its own element failed)? Then failing or restoring the
 * other element changes nothing on its paths: a node's routes change only where its best
 * paths crossed the failed element, and none of the pair's do.
 */
export function pairClearOf(pair: ProbePair, other: Element, during: FabricPrediction): boolean {
  if (other.kind === 'node' && (pair.a.name === other.node || pair.b.name === other.node)) return false;
  const paths = [...pair.predicted.ab, ...pair.predicted.ba, ...during.paths(pair.a.name, pair.b.name), ...during.paths(pair.b.name, pair.a.name)];
  return !paths.some((p) => pathCrosses(p, other));
}

export interface PlannedScenario {
  scenario: FailoverScenario;
  /** the probe pair chosen so that it stays clear of the scenarios run alongside (none: the default pair) */
  pair?: ProbePair;
}

/**
 * The order to run scenarios in: steps, each a lane of scenarios run one after the other,
 * or two lanes at the same time. A scenario detected by the hold timer (a cut without BFD)
 * spends 6–9 s waiting for it, 14 of a 36 s failover check on the default lab; it runs
 * alongside the scenarios whose blast radius is disjoint from its own: no session in
 * common, and each probe's paths (before and during its own failure) clear of the other's
 * element, both ways. Its probe pair (and theirs, where needed) is chosen for that; what
 * cannot be made disjoint runs alone, in the given order.
 */
export function planScenarios(lab: Lab, pred: FabricPrediction, scenarios: readonly FailoverScenario[]): PlannedScenario[][][] {
  const resolved = scenarios.map((s) => {
    try {
      const e = resolveElement(lab, s);
      return { s, e, pair: choosePair(lab, pred, e), slow: expectedDetection(lab, s.kind, e) === 'hold' };
    } catch {
      return { s, e: undefined, pair: undefined, slow: false };
    }
  });
  const planned = new Map<number, PlannedScenario>();
  const grouped = new Map<number, number[]>(); // slow index -> the others alongside it
  const taken = new Set<number>();
  resolved.forEach((x, i) => {
    if (!x.slow || !x.e || !x.pair || taken.has(i)) return;
    const e = x.e;
    let alongside: number[] = [];
    let slowPair = x.pair;
    const others = new Map<number, ProbePair>();
    resolved.forEach((y, j) => {
      if (j === i || taken.has(j) || y.slow || !y.e || !y.pair) return;
      if (lab.sessions.some((ss) => carries(ss, e) && carries(ss, y.e!))) return;
      const trial = [...alongside, j];
      const p = choosePair(lab, pred, e, trial.map((k) => resolved[k]!.e!));
      if (!p) return;
      const yDuring = predictFabric(withoutElement(lab, y.e));
      const q = pairClearOf(y.pair, e, yDuring) ? y.pair : choosePair(lab, pred, y.e, [e]);
      if (!q) return;
      alongside = trial;
      slowPair = p;
      others.set(j, q);
    });
    if (!alongside.length) return;
    taken.add(i);
    planned.set(i, { scenario: x.s, pair: slowPair });
    for (const j of alongside) {
      taken.add(j);
      planned.set(j, { scenario: resolved[j]!.s, pair: others.get(j) });
    }
    grouped.set(i, alongside);
  });
  const steps: PlannedScenario[][][] = [];
  const done = new Set<number>();
  resolved.forEach((x, i) => {
    if (done.has(i)) return;
    const slow = [...grouped].find(([k, js]) => k === i || js.includes(i));
    if (slow) {
      const [k, js] = slow;
      steps.push([[planned.get(k)!], js.map((j) => planned.get(j)!)]);
      done.add(k);
      js.forEach((j) => done.add(j));
    } else {
      steps.push([[{ scenario: x.s }]]);
      done.add(i);
    }
  });
  return steps;
}

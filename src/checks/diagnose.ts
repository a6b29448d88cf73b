/**
 * From every failure of a run to its root causes: one line per independent fault, with
 * the knock-on failures it explains grouped under it. Pure (results in, causes out);
 * reads only the results' data (status, measured, subject), never their text.
 *
 * Layers, the lower explained by the higher when they share a node:
 *   1. sessions not Established: both ends of a link are one cause; a node whose every
 *      session is down is one cause ("leaf2's sessions to spine1, spine2 are down: ...");
 *   2. sessions with a wrong prefix count; 3. routes; 4. traceroute, transit, failover.
 * A failure sharing no node with a cause above it starts a cause of its own.
 * Measured on the default lab with one seeded fault (a wrong ASN on spine1's session to
 * leaf1): 22 failures over four checks, all of them now under the one cause.
 */
import { isSessionUp } from '../frr/bgp.js';
import type { CheckRun } from './runner.js';
import type { CheckResult } from './types.js';

export interface ResultRef {
  check: string;
  name: string;
  message: string;
}

export interface Cause {
  /** one line, the fault as a person would say it */
  summary: string;
  /** the nodes at fault */
  nodes: string[];
  /** the failures that are the fault itself */
  roots: ResultRef[];
  /** the failures it explains */
  consequences: ResultRef[];
}

const LAYER: Record<string, number> = { sessions: 1, routes: 3, traceroute: 4, transit: 4, failover: 4 };

const ref = (r: CheckResult): ResultRef => ({ check: r.check, name: r.name, message: r.message });
const downSession = (r: CheckResult) => r.check === 'sessions' && !isSessionUp(String(r.measured?.['state'] ?? ''));
const layerOf = (r: CheckResult) => (downSession(r) ? 1 : r.check === 'sessions' ? 2 : (LAYER[r.check] ?? 5));
const linkKey = (link: string) => link.split('--').sort().join('--');

function reasonOf(rs: readonly CheckResult[]): string {
  const why = [...new Set(rs.map((r) => r.measured?.['lastReset']).filter((x): x is string => typeof x === 'string'))];
  if (why.length) return why.join(' / ');
  const states = [...new Set(rs.map((r) => r.measured?.['state']).filter((x): x is string => typeof x === 'string'))];
  return states.length ? `state ${states.join(' / ')}` : (rs[0]?.message ?? 'down');
}

const list = (xs: readonly string[]) => (xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)}`);

/**
 * `owners`: prefix → the nodes that originate it (the model's). A failure about a missing
 * or unexpected prefix is also about the prefix's owner: server3 missing leaf2's loopback
 * is leaf2's fault when leaf2's bgpd is down.
 */
export function diagnose(runs: readonly CheckRun[], owners: ReadonlyMap<string, readonly string[]> = new Map()): Cause[] {
  const all = runs.flatMap((r) => r.results);
  const aboutOf = (r: CheckResult): string[] => {
    const prefixes = ['missing', 'unexpected'].flatMap((k) => {
      const v = r.measured?.[k];
      return Array.isArray(v) ? v : [];
    });
    return [...(r.subject?.nodes ?? []), ...prefixes.flatMap((p) => owners.get(p) ?? [])];
  };
  const failing = all.filter((r) => r.status === 'fail');
  const causes: (Cause & { reach: Set<string> })[] = [];

  // 1. sessions down: per node when all of its sessions are down, else per link
  const down = failing.filter(downSession);
  const sessionsOf = (node: string) => all.filter((r) => r.check === 'sessions' && r.subject?.nodes[0] === node);
  const claimed = new Set<CheckResult>();
  const nodes = [...new Set(down.map((r) => r.subject?.nodes[0]).filter((n): n is string => !!n))];
  for (const node of nodes) {
    const mine = sessionsOf(node);
    if (mine.length < 2 || !mine.every(downSession)) continue;
    const towards = down.filter((r) => r.subject?.nodes[1] === node);
    const rs = [...mine, ...towards].filter((r) => !claimed.has(r));
    if (!rs.length) continue;
    rs.forEach((r) => claimed.add(r));
    const peers = [...new Set(mine.map((r) => r.subject!.nodes[1]!))];
    causes.push({ summary: `${node}'s sessions to ${list(peers)} are down: ${reasonOf(mine)}`, nodes: [node], roots: rs.map(ref), consequences: [], reach: new Set([node, ...peers]) });
  }
  const byLink = new Map<string, CheckResult[]>();
  for (const r of down) {
    if (claimed.has(r)) continue;
    const k = r.subject?.link ? linkKey(r.subject.link) : `${r.name}`;
    byLink.set(k, [...(byLink.get(k) ?? []), r]);
  }
  for (const [k, rs] of byLink) {
    const ends = [...new Set(rs.flatMap((r) => r.subject?.nodes ?? []))];
    const what = k.includes('--') ? k.replace('--', ' ↔ ') : rs[0]!.name;
    causes.push({ summary: `session ${what} is down: ${reasonOf(rs)}`, nodes: ends, roots: rs.map(ref), consequences: [], reach: new Set(ends) });
  }

  // 2-4. everything else: explained by a cause that shares a node, else a cause of its own
  // within a layer, a failure at the session with the prefix's own origin comes first: leaf1
  // taking nothing from server1 (a filter) explains spine1 missing server1's prefix via leaf1
  const atOrigin = (r: CheckResult) => {
    const own = ['missing', 'unexpected'].flatMap((k) => (Array.isArray(r.measured?.[k]) ? (r.measured![k] as string[]) : [])).flatMap((p) => owners.get(p) ?? []);
    return own.some((n) => r.subject?.nodes.includes(n)) ? 0 : 1;
  };
  const rest = failing.filter((r) => !downSession(r)).sort((a, b) => layerOf(a) - layerOf(b) || atOrigin(a) - atOrigin(b));
  for (const r of rest) {
    const about = aboutOf(r);
    const c = causes.find((x) => about.some((n) => x.reach.has(n)));
    if (c) {
      c.consequences.push(ref(r));
      continue;
    }
    const at = about.slice(0, 2);
    causes.push({ summary: `${r.check}: ${r.message}`, nodes: at, roots: [ref(r)], consequences: [], reach: new Set(at) });
  }
  return causes.map(({ reach: _reach, ...c }) => c);
}

/** "routes 16, sessions 4, traceroute 1" */
export function countByCheck(refs: readonly ResultRef[]): string {
  const m = new Map<string, number>();
  for (const r of refs) m.set(r.check, (m.get(r.check) ?? 0) + 1);
  return [...m].map(([k, n]) => `${k} ${n}`).join(', ');
}

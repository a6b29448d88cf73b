/**
 * Which expectations the model cannot derive. The prediction (paths.ts) knows bgplab's own
 * configuration; a user's snippet or whole frr.conf can change routing in ways it cannot
 * follow (AS-path prepends, local-pref, filters, new neighbours). The checks ask here which
 * of their derived expectations such a node may change, report those as skipped with the
 * reason (no false alarm, no silent pass), and judge the lab file's `checks:` instead.
 *
 * Scope rule: a node X whose routing is not derived may change, at node N, the route to a
 * prefix P when X is N, a BGP neighbour of N (it may alter anything it sends), an originator
 * of P, or on a predicted path from N to P's originator (it may make that path worse or
 * drop it). Routes that cross neither X nor its neighbourhood stay derived: a prepend on
 * leaf1's uplinks changes the spines' and remote leaves' routes towards leaf1's servers,
 * not leaf3's route to leaf4.
 */
import type { Lab, Snippet } from './model.js';
import type { FabricPrediction } from './paths.js';

/** A node whose routing the model cannot derive, and why (with the lab-file location). */
export interface Underived {
  node: string;
  reason: string;
}

/**
 * Snippet lines that never change what BGP selects: comments, descriptions, logging,
 * debugging, router-advertisement and vty settings, community and AS-path lists (bgplab's own
 * route-maps match neither, so a new list matters only where a snippet route-map uses it). Anything else (route-maps, prefix-lists,
 * neighbours, network statements, bestpath knobs, shutdown, addresses) may.
 */
const NEUTRAL_LINE = /^\s*(!|#|description\b|log\b|debug\b|no debug\b|ipv6 nd\b|no ipv6 nd\b|bgp log-neighbor-changes\b|bgp (large-|ext)?community-list\b|bgp as-path access-list\b|banner\b|line vty\b|exec-timeout\b|password\b|enable password\b|service\b|agentx\b)/;

/** Could this snippet change routing (any line outside the neutral set)? */
export function snippetMayChangeRouting(s: Pick<Snippet, 'text'>): boolean {
  return s.text.split('\n').some((l) => l.trim() !== '' && !NEUTRAL_LINE.test(l));
}

/** Where a snippet is, as `file:line:col`. */
export function snippetLocation(s: Pick<Snippet, 'file' | 'line' | 'col'>): string {
  return `${s.file}:${s.line}:${s.col}`;
}

/** Every node whose routing the model cannot derive, each reason once. */
export function underivedNodes(lab: Lab): Underived[] {
  const out: Underived[] = [];
  for (const n of lab.nodes) {
    if (n.frrConf) {
      out.push({ node: n.name, reason: `frr_conf on ${n.name} (${n.frrConf.file}:${n.frrConf.line}:${n.frrConf.col}) is the whole config: its routing is the user's` });
      continue;
    }
    const changing = (n.snippets ?? []).filter(snippetMayChangeRouting);
    if (changing.length) {
      out.push({ node: n.name, reason: `snippet ${changing.map((s) => `${s.field} (${snippetLocation(s)})`).join(', ')} on ${n.name} may change routing` });
    }
  }
  return out;
}

/** One line for a skipped expectation. */
export function notDerivedText(why: readonly Underived[]): string {
  return `not derived: ${why.map((u) => u.reason).join('; ')}`;
}

export interface DerivationScope {
  /** every node whose routing is not derived (empty: every expectation is derived) */
  underived: Underived[];
  /** why the route at `node` to `prefix` is not derived (empty: derived) */
  route(node: string, prefix: string): Underived[];
  /** why the prefix count `node` receives on `ifname` is not derived */
  received(node: string, ifname: string): Underived[];
  /** why the path set from → to (to's IPv4 loopback) is not derived */
  paths(from: string, to: string): Underived[];
}

export function derivationScope(lab: Lab, prediction: FabricPrediction): DerivationScope {
  const underived = underivedNodes(lab);
  const none: Underived[] = [];
  if (!underived.length) return { underived, route: () => none, received: () => none, paths: () => none };
  const neighbours = new Map<string, Set<string>>();
  for (const s of lab.sessions) neighbours.set(s.node, (neighbours.get(s.node) ?? new Set()).add(s.peer));
  const cache = new Map<string, Underived[]>();
  const route = (node: string, prefix: string): Underived[] => {
    const k = `${node}|${prefix}`;
    const hit = cache.get(k);
    if (hit) return hit;
    const origins = (prediction.origins.get(prefix) ?? '').split(',').filter(Boolean);
    const onPaths = new Set(origins.flatMap((o) => prediction.paths(node, o).flat()));
    const why = underived.filter((u) => u.node === node || neighbours.get(node)?.has(u.node) || origins.includes(u.node) || onPaths.has(u.node));
    cache.set(k, why);
    return why;
  };
  return {
    underived,
    route,
    received(node, ifname) {
      const s = lab.sessions.find((x) => x.node === node && x.ifname === ifname);
      if (!s) return none;
      const direct = underived.filter((u) => u.node === node || u.node === s.peer);
      if (direct.length) return direct;
      const via = new Map<string, Underived>();
      for (const r of prediction.routesOf(s.peer)) for (const u of route(s.peer, r.prefix)) via.set(u.node, u);
      return [...via.values()];
    },
    paths(from, to) {
      const dst = lab.nodes.find((n) => n.name === to);
      return dst ? route(from, `${dst.loopback}/32`) : none;
    },
  };
}

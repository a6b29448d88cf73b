/**
 * What bgpd would do with one route under a neighbour's policy: FRR's semantics applied
 * to the objects frr/policy.ts read. Pure. Used by the no-transit audit to ask "would this
 * policy let a route it must not carry through?" for a set of probe routes.
 *
 * FRR's rules, as in its sources (bgpd/bgp_route.c bgp_input_filter / bgp_output_filter,
 * lib/routemap.c, lib/plist.c, lib/filter.c, bgpd/bgp_filter.c):
 *  - a direction's filters all apply, in order: distribute-list, prefix-list, filter-list,
 *    then the route-map; any one denying drops the route;
 *  - a name attached to a neighbour but not defined denies (route-map, prefix-list, access
 *    list and AS-path list alike); inside a route-map, `match` on a missing list does not match;
 *  - route-map: entries by sequence; an entry matches when all its match clauses do; deny
 *    entries drop, permit entries accept and then exit (or `on-match next` / `goto N`
 *    continue, the route staying accepted unless a later deny entry matches); `call X`
 *    drops the route when X does; no entry matching is a deny;
 *  - prefix-list: the first entry containing the prefix with a length in range decides
 *    (no ge/le: the exact length; `le` alone: from the entry's length); none: deny; an
 *    empty list permits;
 *  - access list (zebra style): the first entry containing the prefix (exact-match: the
 *    same prefix) decides; none: deny;
 *  - AS-path list: the first regular expression matching the path decides; none: deny.
 *    `_` stands for a delimiter: start, end, space, comma, brace, parenthesis.
 * What the audit cannot decide (a match on communities, next hop, tags, a cisco-style
 * access list, a malformed regex) is `unknown`: a probe that might be permitted counts
 * as permitted by the caller, so the audit errs towards failing.
 */
import type { Family } from '../lab/paths.js';
import { parseCidr, type Cidr } from '../lab/ip.js';
import type { AccessListEntry, AsPathEntry, AttachedPolicy, PolicyDefinitions, PrefixListEntry, RouteMapRule } from './policy.js';

export interface ProbeRoute {
  prefix: string;
  family: Family;
  /** the AS path as the deciding router sees it (nearest AS first); [] = originated here */
  asPath: number[];
}

export type Verdict = 'permit' | 'deny' | 'unknown';

export interface Evaluation {
  verdict: Verdict;
  /** one phrase: what decided ("route-map TO-FABRIC: no entry matches", "no policy at all") */
  why: string;
}

type Tri = boolean | 'unknown';

const cidr = (s: string): Cidr | undefined => {
  const c = parseCidr(s, false);
  return 'error' in c ? undefined : c;
};

/** Is `p` inside `outer` (same family, at least as long, same leading bits)? */
function within(p: Cidr, outer: Cidr): boolean {
  if (p.family !== outer.family || p.len < outer.len) return false;
  const bits = BigInt(p.family === 4 ? 32 : 128);
  const shift = bits - BigInt(outer.len);
  return p.addr >> shift === outer.addr >> shift;
}

function prefixEntryMatches(e: PrefixListEntry, p: Cidr): boolean {
  const outer = cidr(e.prefix);
  if (!outer || !within(p, outer)) return false;
  const bits = p.family === 4 ? 32 : 128;
  if (e.min === undefined && e.max === undefined) return p.len === outer.len;
  const lo = e.min ?? outer.len;
  const hi = e.max ?? bits;
  return p.len >= lo && p.len <= hi;
}

/** A prefix-list's answer; `undefined` list = not defined. */
export function prefixListPermits(list: readonly PrefixListEntry[] | undefined, prefix: string): boolean {
  if (!list) return false;
  if (list.length === 0) return true;
  const p = cidr(prefix);
  if (!p) return false;
  const hit = list.find((e) => prefixEntryMatches(e, p));
  return hit?.type === 'permit';
}

export function accessListPermits(list: readonly AccessListEntry[] | undefined, prefix: string): Tri {
  if (!list) return false;
  const p = cidr(prefix);
  if (!p) return false;
  for (const e of list) {
    if (e.prefix === undefined) return 'unknown';
    const outer = cidr(e.prefix);
    if (!outer) return 'unknown';
    const hit = e.exact ? outer.family === p.family && outer.len === p.len && outer.addr === p.addr : within(p, outer);
    if (hit) return e.type === 'permit';
  }
  return false;
}

/** FRR's AS-path regular expression (POSIX ERE with `_`) as a JavaScript one, or undefined. */
export function asPathRegex(re: string): RegExp | undefined {
  try {
    return new RegExp(re.replace(/(\\.)|_/g, (m, esc: string | undefined) => esc ?? '(?:^|[ ,{}()]|$)'));
  } catch {
    return undefined;
  }
}

export function asPathListPermits(list: readonly AsPathEntry[] | undefined, asPath: readonly number[]): Tri {
  if (!list) return false;
  const text = asPath.join(' ');
  for (const e of list) {
    const re = asPathRegex(e.regex);
    if (!re) return 'unknown';
    if (re.test(text)) return e.type === 'permit';
  }
  return false;
}

/** One match clause of a route-map entry (as bgpd prints it) against a probe. */
export function matchClause(defs: PolicyDefinitions, clause: string, r: ProbeRoute): Tri {
  const c = clause.trim().split(/\s+/);
  const fam: Family | undefined = c[0] === 'ip' ? 'ipv4' : c[0] === 'ipv6' ? 'ipv6' : undefined;
  if (fam && c[1] === 'address' && c[2] === 'prefix-list' && c[3]) {
    if (fam !== r.family) return false;
    const list = defs.prefixLists[fam].get(c[3]);
    // a match on a list that does not exist does not match (lib/routemap.c)
    return list ? prefixListPermits(list, r.prefix) : false;
  }
  if (fam && c[1] === 'address' && c[2] && c[2] !== 'prefix-len' && c.length === 3) {
    if (fam !== r.family) return false;
    const list = defs.accessLists[fam].get(c[2]);
    return list ? accessListPermits(list, r.prefix) : false;
  }
  if (c[0] === 'as-path' && c[1] && c.length === 2) {
    const list = defs.asPathLists.get(c[1]);
    return list ? asPathListPermits(list, r.asPath) : false;
  }
  return 'unknown';
}

const and = (xs: Tri[]): Tri => (xs.includes(false) ? false : xs.includes('unknown') ? 'unknown' : true);

interface Outcome {
  verdict: 'permit' | 'deny';
  why: string;
  /** a clause on the way the audit could not decide */
  undecided?: string;
}

/**
 * The outcomes a route-map can reach for a probe: several when a clause is unknown (both
 * branches are followed). `depth` bounds `call` chains (FRR's own limit is 20).
 */
function routeMapOutcomes(defs: PolicyDefinitions, name: string, r: ProbeRoute, depth = 0): Outcome[] {
  const rules = defs.routeMaps.get(name);
  if (!rules) return [{ verdict: 'deny', why: `route-map ${name} is not defined (FRR denies every route through it)` }];
  const out: Outcome[] = [];
  let budget = 256;
  const walk = (from: number, accepted: string | undefined, undecided: string | undefined): void => {
    const end = (verdict: Outcome['verdict'], why: string): void => {
      out.push({ verdict, why, ...(undecided ? { undecided } : {}) });
    };
    if (budget-- <= 0) return end('permit', `route-map ${name}: too many branches to follow`);
    for (let i = from; i < rules.length; i++) {
      const rule = rules[i]!;
      const m = and(rule.match.map((cl) => matchClause(defs, cl, r)));
      if (m === false) continue;
      if (m === 'unknown') {
        const u = `route-map ${name} ${rule.type} ${rule.seq} matches on "${rule.match.join('" and "')}", which the audit cannot decide`;
        walk(i + 1, accepted, undecided ?? u); // the branch where it does not match
        undecided ??= u;
      }
      const here = `route-map ${name} ${rule.type} ${rule.seq}`;
      if (rule.type === 'deny') return end('deny', here);
      if (rule.call) {
        const sub = depth >= 20 ? [{ verdict: 'permit' as const, why: `route-map ${name}: call chain too deep` }] : routeMapOutcomes(defs, rule.call, r, depth + 1);
        for (const d of sub.filter((x) => x.verdict === 'deny')) out.push({ verdict: 'deny', why: `${here} calls ${d.why}`, ...(undecided ?? d.undecided ? { undecided: undecided ?? d.undecided } : {}) });
        const ok = sub.find((x) => x.verdict === 'permit');
        if (!ok) return;
        undecided ??= ok.undecided;
      }
      const goto = /^Goto (\d+)/i.exec(rule.action);
      if (/^Next/i.test(rule.action)) return walk(i + 1, here, undecided);
      if (goto) {
        const j = rules.findIndex((x) => x.seq >= Number(goto[1]));
        return j < 0 ? end('permit', here) : walk(j, here, undecided);
      }
      return end('permit', here);
    }
    if (accepted) end('permit', accepted);
    else end('deny', `route-map ${name}: no entry matches`);
  };
  walk(0, undefined, undefined);
  return out;
}

/** Every filter of one direction of one neighbour, applied to a probe route. */
export function evaluatePolicy(p: AttachedPolicy, defs: PolicyDefinitions, r: ProbeRoute): Evaluation {
  if (!p.routeMap && !p.prefixList && !p.filterList && !p.distributeList) return { verdict: 'permit', why: 'no policy at all' };
  const permits: string[] = [];
  let unknown: string | undefined;
  if (p.distributeList) {
    const v = accessListPermits(defs.accessLists[r.family].get(p.distributeList), r.prefix);
    const name = `distribute-list ${p.distributeList}${defs.accessLists[r.family].has(p.distributeList) ? '' : ' (not defined: denies)'}`;
    if (v === false) return { verdict: 'deny', why: name };
    if (v === 'unknown') unknown ??= `${name}: an entry the audit cannot read`;
    else permits.push(name);
  }
  if (p.prefixList) {
    const list = defs.prefixLists[r.family].get(p.prefixList);
    if (!prefixListPermits(list, r.prefix)) return { verdict: 'deny', why: `prefix-list ${p.prefixList}${list ? '' : ' (not defined: denies)'}` };
    permits.push(`prefix-list ${p.prefixList}`);
  }
  if (p.filterList) {
    const v = asPathListPermits(defs.asPathLists.get(p.filterList), r.asPath);
    const name = `filter-list ${p.filterList}${defs.asPathLists.has(p.filterList) ? '' : ' (not defined: denies)'}`;
    if (v === false) return { verdict: 'deny', why: name };
    if (v === 'unknown') unknown ??= `${name}: a regular expression the audit cannot read`;
    else permits.push(name);
  }
  if (p.routeMap) {
    const o = routeMapOutcomes(defs, p.routeMap, r);
    const permitted = o.filter((x) => x.verdict === 'permit');
    if (!permitted.length) return { verdict: 'deny', why: o[0]!.why };
    const undecided = o.find((x) => x.undecided)?.undecided;
    if (o.some((x) => x.verdict === 'deny') || undecided) unknown ??= undecided ?? permitted[0]!.why;
    else permits.push(permitted[0]!.why);
  }
  if (unknown) return { verdict: 'unknown', why: unknown };
  return { verdict: 'permit', why: permits.join(', ') };
}

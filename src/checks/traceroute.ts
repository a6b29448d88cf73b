/**
 * traceroute: loopback-to-loopback traceroutes (UDP, fixed destination port, one source
 * port per flow) from a node to another. With L4 ECMP hashing in every node
 * (fib_multipath_hash_policy=1), each source port walks one path; over enough flows the
 * set of distinct paths must equal the set the model predicts (paths.ts): every predicted
 * path seen, no unexpected one. Hops are mapped back to node names: in an unnumbered
 * fabric a node answers from its loopback; any other address is looked up in the nodes'
 * `ip -j addr`. Hop sequences are also matched against the lab's `checks.traceroute`
 * expectations (node or role names), or defaults derived from the topology.
 */
import type { Lab, TracerouteExpectation } from '../lab/model.js';
import { hopsMatch, predictFabric, roleSequence, type FabricPrediction } from '../lab/paths.js';
import { derivationScope, notDerivedText } from '../lab/derive.js';
import { errorText, isBgplabError } from '../util/errors.js';
import { mapLimit } from '../util/pool.js';
import { routeBlockers } from './preconditions.js';
import { AddressBook, pathKey, traceFlowSettled, type FlowTrace } from './trace.js';
import type { Check, CheckContext, CheckResult } from './types.js';

export { pathKey } from './trace.js';

/** Source ports start here (above the ephemeral range floor of most tools, below 65535 - 512). */
export const SPORT_BASE = 41000;
/** Flows run at most this many traceroutes at once (the machine may have 2 CPUs). */
export const PARALLEL_FLOWS = 8;

export interface Enumeration {
  from: string;
  to: string;
  /** flows traced */
  flows: number;
  /** flows planned, when fewer were traced: the first batch was all broken, or 16 flows were */
  planned?: number;
  predicted: string[][];
  /** the prediction depends on BGP tie-breaks somewhere: only "no unexpected path" is strict */
  ambiguous: boolean;
  /** distinct complete paths seen → the source ports that took them */
  seen: Map<string, { path: string[]; sports: number[] }>;
  /** flows that never completed (a hop kept silent, or the destination was not reached) */
  broken: FlowTrace[];
  durationMs: number;
}

/** Flows needed to see each of P equally likely paths with ~99.9% confidence (coupon collector). */
export function defaultFlows(predictedPaths: number): number {
  const p = Math.max(1, predictedPaths);
  return Math.min(512, Math.max(16, Math.ceil(p * Math.log(1000 * p))));
}

export async function enumeratePaths(
  ctx: CheckContext,
  from: string,
  to: string,
  opts: { flows?: number; prediction?: FabricPrediction; book?: AddressBook; sportBase?: number } = {},
): Promise<Enumeration> {
  const t0 = Date.now();
  const prediction = opts.prediction ?? predictFabric(ctx.lab);
  const book = opts.book ?? new AddressBook(ctx);
  const predicted = prediction.paths(from, to);
  const dst = ctx.lab.nodes.find((n) => n.name === to)!;
  const ambiguous = predicted.some((p) => p.slice(0, -1).some((n) => prediction.route(n, `${dst.loopback}/32`)?.ambiguous));
  const flows = opts.flows ?? defaultFlows(predicted.length);
  const maxTtl = Math.max(8, ...predicted.map((p) => p.length + 1));
  const base = opts.sportBase ?? SPORT_BASE;
  const sports = Array.from({ length: flows }, (_, i) => base + i);
  const src = ctx.lab.nodes.find((n) => n.name === from)!.loopback;
  const seen = new Map<string, { path: string[]; sports: number[] }>();
  const broken: FlowTrace[] = [];
  let traced = 0;
  // a batch at a time: when the first batch is all broken, the pair is broken (a black
  // hole costs ~1 s per silent hop and flow: 72 flows took 145 s on a blackholed route),
  // and more flows would only repeat it
  for (let i = 0; i < sports.length; i += PARALLEL_FLOWS) {
    const batch = sports.slice(i, i + PARALLEL_FLOWS);
    const traces = await mapLimit(batch, PARALLEL_FLOWS, (sport) => traceFlowSettled(ctx, book, { from, src, dst: dst.loopback, sport, maxTtl }));
    traced += batch.length;
    for (const t of traces) {
      if (!t.complete) {
        broken.push(t);
        continue;
      }
      const k = pathKey(t.path);
      const e = seen.get(k) ?? { path: t.path, sports: [] };
      e.sports.push(t.sport);
      seen.set(k, e);
    }
    // enough broken flows to name the break: the rest would cost ~1 s per silent hop each
    if ((seen.size === 0 && broken.length === traced) || broken.length >= 2 * PARALLEL_FLOWS) break;
  }
  return { from, to, flows: traced, ...(traced < flows ? { planned: flows } : {}), predicted, ambiguous, seen, broken, durationMs: Date.now() - t0 };
}

/** The first link of a path that no observed path crosses (where the missing path breaks off). */
export function firstUnusedLink(lab: Lab, path: readonly string[], seen: Iterable<readonly string[]>): string | undefined {
  const used = new Set<string>();
  for (const p of seen) for (let i = 0; i + 1 < p.length; i++) used.add(`${p[i]}>${p[i + 1]}`);
  for (let i = 0; i + 1 < path.length; i++) {
    if (!used.has(`${path[i]}>${path[i + 1]}`)) {
      const s = lab.sessions.filter((x) => x.node === path[i] && x.peer === path[i + 1]);
      const ends = s.map((x) => `${x.node}:${x.ifname} → ${x.peer}:${x.peerIfname}`).join(' or ');
      return ends || `${path[i]} → ${path[i + 1]}`;
    }
  }
  return undefined;
}

/** Defaults when the lab file has no `checks.traceroute`: the first server to one server behind each other leaf set. */
export function defaultTracerouteExpectations(lab: Lab, prediction: FabricPrediction): TracerouteExpectation[] {
  const uplinks = (n: string) => [...new Set(lab.sessions.filter((s) => s.node === n).map((s) => s.peer))].sort().join(',');
  let candidates = lab.nodes.filter((n) => n.role === 'server');
  if (candidates.length < 2) candidates = lab.nodes.filter((n) => n.role === 'leaf');
  if (candidates.length < 2) candidates = lab.nodes.filter((n) => n.role !== 'spine' && n.role !== 'super-spine');
  if (candidates.length < 2) return [];
  const from = candidates[0]!;
  const groups = new Map<string, string>();
  for (const n of candidates.slice(1)) {
    const k = uplinks(n.name);
    if (!groups.has(k)) groups.set(k, n.name);
  }
  const out: TracerouteExpectation[] = [];
  for (const to of [...groups.values()].slice(0, 8)) {
    const paths = prediction.paths(from.name, to);
    if (paths.length === 0) continue;
    const roles = new Set(paths.map((p) => roleSequence(lab, p.slice(1)).join(' ')));
    out.push({ from: from.name, to, hops: roles.size === 1 ? [...roles][0]!.split(' ') : undefined });
  }
  return out;
}

/** Judge one enumeration (and an optional hop expectation); problems name nodes and links. */
export function judgeEnumeration(
  lab: Lab,
  e: Enumeration,
  hops?: readonly string[],
  /** false: the path set is not derived (derive.ts): judge the hops and transit only */
  derived = true,
): { problems: string[]; measured: Record<string, number | string | string[]> } {
  const problems: string[] = [];
  const predictedKeys = new Set(e.predicted.map(pathKey));
  const seenPaths = [...e.seen.values()];
  if (derived && e.predicted.length === 0) problems.push(`the model predicts no path from ${e.from} to ${e.to}`);
  for (const s of seenPaths) {
    const k = pathKey(s.path);
    const transitHere = s.path.slice(1, -1).filter((n) => lab.nodes.find((x) => x.name === n)?.role === 'server');
    if (!derived && transitHere.length) problems.push(`path ${k} (sport ${s.sports.slice(0, 3).join(',')}): server ${transitHere.join(', ')} is transit`);
    if (derived && !predictedKeys.has(k)) {
      const transit = s.path.slice(1, -1).filter((n) => lab.nodes.find((x) => x.name === n)?.role === 'server');
      problems.push(
        `unexpected path ${k} (sport ${s.sports.slice(0, 3).join(',')})${transit.length ? `: server ${transit.join(', ')} is transit` : ''}`,
      );
    }
    if (hops && !hopsMatch(lab, s.path.slice(1), hops)) {
      problems.push(`path ${k} does not match the expected hops ${e.from} → ${hops.join(' → ')}`);
    }
  }
  if (e.planned !== undefined) {
    problems.push(`${e.broken.length} of the first ${e.flows} flows (of ${e.planned} planned) are broken, so the path set cannot be enumerated`);
  } else if (derived && !e.ambiguous) {
    for (const p of e.predicted) {
      if (e.seen.has(pathKey(p))) continue;
      const link = firstUnusedLink(lab, p, seenPaths.map((s) => s.path));
      problems.push(`predicted path ${pathKey(p)} not seen in ${e.flows} flows${link ? ` (no flow crossed ${link})` : ''}`);
    }
  }
  for (const b of e.broken.slice(0, 3)) {
    const silent = b.hops.find((h) => h.address === null);
    problems.push(
      silent
        ? `flow sport ${b.sport}: hop ${silent.ttl} after ${b.path[silent.ttl - 1] ?? e.from} did not answer (${pathKey(b.path)})`
        : `flow sport ${b.sport} never reached ${e.to}: ${pathKey(b.path)}${b.hops.at(-1)?.flags.length ? ` ${b.hops.at(-1)!.flags.join(' ')}` : ''}`,
    );
  }
  if (e.broken.length > 3) problems.push(`… ${e.broken.length - 3} more broken flows`);
  const measured: Record<string, number | string | string[]> = {
    flows: e.flows,
    pathsPredicted: e.predicted.length,
    pathsSeen: e.seen.size,
    paths: seenPaths.map((s) => `${pathKey(s.path)} (${s.sports.length})`),
  };
  if (e.broken.length) measured.brokenFlows = e.broken.length;
  return { problems, measured };
}

/** Do the nodes on the predicted paths all use the kernel's shared default hash seed (0)? */
async function sharedHashSeed(ctx: CheckContext, e: Enumeration): Promise<boolean> {
  const nodes = [...new Set(e.predicted.flatMap((p) => p.slice(0, -1)))].slice(0, 6);
  const seeds = await mapLimit(nodes, 4, async (n) => {
    const r = await ctx.runtime.exec(ctx.lab.name, n, ['sysctl', '-n', 'net.ipv4.fib_multipath_hash_seed']).catch(() => undefined);
    return r && r.exitCode === 0 ? r.stdout.trim() : 'unknown';
  });
  return seeds.length > 1 && seeds.every((s) => s === '0' || s === 'unknown');
}

export const tracerouteCheck: Check = {
  id: 'traceroute',
  description: 'loopback-to-loopback traceroutes follow the expected hops; ECMP flows cover exactly the predicted paths',
  async run(ctx) {
    const prediction = predictFabric(ctx.lab);
    const expectations = ctx.lab.checks.traceroute.length ? ctx.lab.checks.traceroute : defaultTracerouteExpectations(ctx.lab, prediction);
    if (expectations.length === 0) {
      return [{ check: 'traceroute', name: 'traceroute', status: 'skip', message: 'fewer than two nodes to trace between', durationMs: 0 }];
    }
    const book = new AddressBook(ctx);
    const results: CheckResult[] = [];
    const blocker = await routeBlockers(ctx, prediction);
    const scope = derivationScope(ctx.lab, prediction);
    for (const x of expectations) {
      const t0 = Date.now();
      const name = `${x.from} → ${x.to}`;
      // a path set a user's config may change: judged only by the lab file's own hops
      const why = scope.paths(x.from, x.to);
      const derived = why.length === 0;
      if (!derived && !(ctx.lab.checks.traceroute.includes(x) && x.hops)) {
        results.push({ check: 'traceroute', name, status: 'skip', message: `${notDerivedText(why)} (give checks.traceroute with hops: to judge it)`, subject: { nodes: [x.from, x.to] }, durationMs: 0 });
        continue;
      }
      const blocking = blocker(x.from, x.to);
      if (blocking) {
        const nodes = [...new Set([x.from, ...prediction.paths(x.from, x.to).flat(), x.to])];
        results.push({ check: 'traceroute', name, status: 'skip', message: `not judged: the route ${blocking.name} on its paths is wrong (see routes)`, subject: { nodes }, durationMs: 0 });
        continue;
      }
      try {
        ctx.log?.(`traceroute ${name}`);
        const e = await enumeratePaths(ctx, x.from, x.to, { flows: x.flows, prediction, book });
        const { problems, measured } = judgeEnumeration(ctx.lab, e, x.hops, derived);
        if (problems.some((p) => p.startsWith('predicted path')) && (await sharedHashSeed(ctx, e))) {
          problems.push('hint: every node on these paths uses the shared default ECMP hash seed, so hops hash alike (polarization); set net.ipv4.fib_multipath_hash_seed per node');
        }
        const hopsText = x.hops ? `; hops ${x.from} → ${x.hops.join(' → ')}` : '';
        const onPaths = [...new Set([x.from, ...e.predicted.flat(), ...[...e.seen.values()].flatMap((p) => p.path), x.to])];
        results.push({
          subject: { nodes: onPaths },
          check: 'traceroute',
          name,
          status: problems.length ? 'fail' : 'pass',
          message: problems.length
            ? `${name}: ${problems.join('; ')}`
            : derived
              ? `${e.seen.size}/${e.predicted.length} predicted paths seen over ${e.flows} flows${e.ambiguous ? ' (prediction partly decided by BGP tie-breaks)' : ''}${hopsText}`
              : `${e.seen.size} path(s) over ${e.flows} flows match the lab file's hops (path set ${notDerivedText(why)})${hopsText}`,
          measured,
          durationMs: Date.now() - t0,
        });
      } catch (err) {
        if (isBgplabError(err, 'E_INTERRUPTED')) throw err;
        results.push({ check: 'traceroute', name, status: 'fail', message: `${name}: ${errorText(err)}`, subject: { nodes: [x.from, x.to] }, durationMs: Date.now() - t0 });
      }
    }
    return results;
  },
};

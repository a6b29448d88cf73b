/**
 * What the running fabric does, as a snapshot (checks/baseline.ts holds the format and
 * the difference): every session's state, every node's selected routes with their next
 * hops by interface, the traceroute path sets between the pairs the traceroute check
 * traces (and back: routing is often asymmetric, a prepend on one leaf changes only the
 * way back), and the failover check's outages. It reuses the checks' readers and the one
 * flow tracer; outages come from the failover check's own results of the same run.
 *
 * Two checks appended to a run: `snapshot` records (bgplab snapshot), `baseline` compares
 * (bgplab check --baseline). Both run last, after failover has put everything back, so
 * they read sessions and routes until two readings a second apart agree.
 */
import { frrNextHops } from '../frr/routes.js';
import { summaryPeer } from '../frr/bgp.js';
import { familiesOf, predictFabric, type FabricPrediction } from '../lab/paths.js';
import type { Lab } from '../lab/model.js';
import { errorText, isBgplabError } from '../util/errors.js';
import { mapLimit, pollUntil } from '../util/pool.js';
import { isObj } from '../util/obj.js';
import { baselineResults, diffSnapshots, SNAPSHOT_FORMAT, SNAPSHOT_VERSION, type DiffOptions, type Snapshot, type SnapshotOutage, type SnapshotRoute, type SnapshotSession } from './baseline.js';
import type { CheckRun } from './runner.js';
import { readFrrRib } from './routes.js';
import { readSummaries } from './sessions.js';
import { AddressBook, pathKey } from './trace.js';
import { defaultTracerouteExpectations, enumeratePaths } from './traceroute.js';
import type { Check, CheckContext, CheckResult } from './types.js';

export interface Pair {
  from: string;
  to: string;
}

export const pairName = (p: Pair) => `${p.from} → ${p.to}`;

/** The traceroute check's pairs (the lab's checks.traceroute, else its defaults) and their reverses. */
export function tracedPairs(lab: Lab, prediction: FabricPrediction): Pair[] {
  const forward = lab.checks.traceroute.length ? lab.checks.traceroute : defaultTracerouteExpectations(lab, prediction);
  const out = new Map<string, Pair>();
  for (const x of forward) for (const p of [{ from: x.from, to: x.to }, { from: x.to, to: x.from }]) out.set(pairName(p), p);
  return [...out.values()];
}

type FabricState = Pick<Snapshot, 'sessions' | 'routes' | 'unread'>;

/** One reading of every node's sessions and selected routes (both families). */
async function readState(ctx: CheckContext): Promise<FabricState> {
  const lab = ctx.lab;
  const families = familiesOf(lab);
  const peerOf = new Map(lab.sessions.map((s) => [`${s.node}:${s.ifname}`, s.peer]));
  const summaries = await readSummaries(ctx);
  const sessions: SnapshotSession[] = [];
  const unread = new Set<string>();
  for (const n of lab.nodes) {
    const sum = summaries.get(n.name);
    if (!sum || sum instanceof Error) {
      unread.add(n.name);
      continue;
    }
    for (const family of families) {
      const af = sum[family === 'ipv4' ? 'ipv4Unicast' : 'ipv6Unicast'];
      for (const ifname of Object.keys(isObj(af?.peers) ? af.peers : {}).sort()) {
        const p = summaryPeer(sum, ifname, family)!;
        const peer = peerOf.get(`${n.name}:${ifname}`) ?? p.hostname;
        sessions.push({ node: n.name, ifname, family, ...(peer ? { peer } : {}), state: p.state, ...(p.remoteAs !== undefined ? { remoteAs: p.remoteAs } : {}), ...(p.pfxRcd !== undefined ? { pfxRcd: p.pfxRcd } : {}) });
      }
    }
  }
  const routes: Snapshot['routes'] = {};
  await mapLimit(lab.nodes, 4, async (n) => {
    if (unread.has(n.name)) return;
    const table: Record<string, SnapshotRoute> = {};
    try {
      for (const family of families) {
        const rib = await readFrrRib(ctx, n.name, family);
        for (const prefix of Object.keys(rib).sort()) {
          // link-local fe80::/64 is one connected route per interface, of which zebra selects
          // any one: not routing, and not stable across a redeploy
          if (/^fe80:/i.test(prefix)) continue;
          const sel = frrNextHops(rib, prefix);
          if (!sel) continue;
          table[prefix] = { protocol: sel.protocol, nexthops: sel.ifnames.map((i) => ({ ifname: i, ...(peerOf.has(`${n.name}:${i}`) ? { node: peerOf.get(`${n.name}:${i}`)! } : {}) })) };
        }
      }
      routes[n.name] = table;
    } catch (e) {
      if (isBgplabError(e, 'E_INTERRUPTED')) throw e;
      unread.add(n.name);
    }
  });
  const ordered = Object.fromEntries(Object.keys(routes).sort().map((k) => [k, routes[k]!]));
  return { sessions, routes: ordered, ...(unread.size ? { unread: [...unread].sort() } : {}) };
}

/** Read until two readings a second apart agree (at most `maxMs`): the fabric has settled. */
async function settledState(ctx: CheckContext, maxMs = 10_000): Promise<FabricState> {
  let last = '';
  const r = await pollUntil(
    () => readState(ctx),
    (s) => {
      const k = JSON.stringify(s);
      const same = k === last;
      last = k;
      return same;
    },
    { timeoutMs: maxMs, intervalMs: 1000, signal: ctx.signal },
  );
  return r.value;
}

/** The distinct complete paths of each pair, with the traceroute check's tracer and flow count. */
async function tracePaths(ctx: CheckContext, pairs: readonly Pair[], prediction: FabricPrediction): Promise<Snapshot['paths']> {
  const book = new AddressBook(ctx);
  const out: Snapshot['paths'] = {};
  for (const p of pairs) {
    ctx.log?.(`tracing ${pairName(p)}`);
    const e = await enumeratePaths(ctx, p.from, p.to, { prediction, book });
    out[pairName(p)] = [...e.seen.values()].map((s) => pathKey(s.path)).sort();
  }
  return out;
}

/** The failover check's outages of this run (undefined when it did not run). */
export function outagesOf(lab: Lab, runs: readonly CheckRun[]): Record<string, SnapshotOutage> | undefined {
  const run = runs.find((r) => r.id === 'failover');
  if (!run) return undefined;
  // how far one detection may land from the next: a hold timer anywhere in its last
  // keepalive interval, BFD within one interval; carrier and session close: no timer
  const bfdMs = Math.max(0, ...lab.nodes.filter((n) => n.bfd.enabled).map((n) => n.bfd.intervalMs));
  const jitter = (d: unknown) => (d === 'hold' ? lab.options.keepalive * 1000 : d === 'bfd' ? bfdMs : 0);
  const out: Record<string, SnapshotOutage> = {};
  for (const r of run.results) {
    // an invalid measurement (the probe started late, traffic lost before the event) is no outage to compare
    const ms = r.measured?.['invalid'] === undefined ? r.measured?.['outageMs'] : undefined;
    const d = r.measured?.['detection'];
    out[r.name] = { status: r.status, ...(typeof ms === 'number' ? { outageMs: ms } : {}), ...(typeof d === 'string' ? { detection: d } : {}), jitterMs: jitter(d) };
  }
  return out;
}

/** What the fabric does now, as a snapshot (`extraPairs`: a baseline's pairs, traced too). */
export async function observeFabric(ctx: CheckContext, runs: readonly CheckRun[], extraPairs: readonly Pair[] = []): Promise<Snapshot> {
  const prediction = predictFabric(ctx.lab);
  const state = await settledState(ctx);
  const names = new Set(ctx.lab.nodes.map((n) => n.name));
  const pairs = new Map(tracedPairs(ctx.lab, prediction).map((p) => [pairName(p), p]));
  for (const p of extraPairs) if (names.has(p.from) && names.has(p.to)) pairs.set(pairName(p), p);
  const paths = await tracePaths(ctx, [...pairs.values()], prediction);
  const outages = outagesOf(ctx.lab, runs);
  return {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    lab: ctx.lab.name,
    runtime: ctx.runtime.kind,
    createdAt: new Date().toISOString(),
    ...state,
    paths,
    ...(outages ? { outages } : {}),
  };
}

const fail = (check: string, name: string, e: unknown, t0: number): CheckResult[] => {
  if (isBgplabError(e, 'E_INTERRUPTED')) throw e;
  return [{ check, name, status: 'fail', message: `${name}: ${errorText(e)}`, durationMs: Date.now() - t0 }];
};

/** `snapshot`: records what the fabric does after the run's other checks (`runs`: theirs so far). */
export function makeSnapshotCheck(runs: () => readonly CheckRun[], onSnapshot: (s: Snapshot) => void): Check {
  return {
    id: 'snapshot',
    description: 'record sessions, routes with their next hops, traceroute path sets and failover outages',
    async run(ctx) {
      const t0 = Date.now();
      try {
        const s = await observeFabric(ctx, runs());
        onSnapshot(s);
        const routes = Object.values(s.routes).reduce((n, r) => n + Object.keys(r).length, 0);
        const paths = Object.values(s.paths).reduce((n, p) => n + p.length, 0);
        const what = `${s.sessions.length} sessions, ${routes} routes on ${Object.keys(s.routes).length} nodes, ${Object.keys(s.paths).length} path sets (${paths} paths)${s.outages ? `, ${Object.values(s.outages).filter((o) => o.outageMs !== undefined).length} outages` : ', no outages (failover did not run)'}`;
        if (s.unread?.length) return [{ check: 'snapshot', name: 'snapshot', status: 'fail', message: `cannot read ${s.unread.join(', ')}: the snapshot would be incomplete (${what})`, subject: { nodes: s.unread }, durationMs: Date.now() - t0 }];
        const empty = Object.entries(s.paths).filter(([, p]) => p.length === 0).map(([k]) => k);
        if (empty.length) return [{ check: 'snapshot', name: 'snapshot', status: 'fail', message: `no traceroute flow completed for ${empty.join(', ')}: no path set to record (${what})`, durationMs: Date.now() - t0 }];
        return [{ check: 'snapshot', name: 'snapshot', status: 'pass', message: `recorded ${what}`, measured: { sessions: s.sessions.length, routes, pathSets: Object.keys(s.paths).length, paths }, durationMs: Date.now() - t0 }];
      } catch (e) {
        return fail('snapshot', 'snapshot', e, t0);
      }
    },
  };
}

/** `baseline`: what the fabric does now against a snapshot; a row per difference. */
export function makeBaselineCheck(base: Snapshot, file: string, opts: DiffOptions, runs: () => readonly CheckRun[]): Check {
  return {
    id: 'baseline',
    description: `compare with the baseline ${file}: sessions, routes and next hops, traceroute paths, failover outages`,
    async run(ctx) {
      const t0 = Date.now();
      try {
        const pairs = Object.keys(base.paths).map((k) => k.split(' → ')).filter((x) => x.length === 2).map(([from, to]) => ({ from: from!, to: to! }));
        const now = await observeFabric(ctx, runs(), pairs);
        const rows = baselineResults(diffSnapshots(base, now, opts), base, now, file);
        const each = Math.round((Date.now() - t0) / Math.max(1, rows.length));
        return rows.map((r) => ({ ...r, durationMs: each }));
      } catch (e) {
        return fail('baseline', 'baseline', e, t0);
      }
    },
  };
}

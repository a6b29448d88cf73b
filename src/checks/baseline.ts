/**
 * Baseline and difference: what a running fabric did (a snapshot: `bgplab snapshot -o
 * FILE`) against what it does now (`bgplab check --baseline FILE`). Pure: the snapshot
 * format, its validation on read, and the difference as data and as check results.
 *
 * What counts as a regression (a failing row, exit 1): a session that was Established and
 * is not; a route lost or new; a changed set of next hops (by interface, the neighbour
 * named); a changed set of traceroute paths between a pair; a failover outage worse than
 * the baseline's by more than the tolerance. Also listed, as passing rows: a session
 * Established now that was not, changed prefix counts, outages that got better.
 *
 * Outage tolerance: the baseline's outage plus `toleranceMs` (default 250 ms) plus the
 * detection's own jitter, recorded with each outage: a hold-timer detection lands anywhere
 * in the last keepalive interval (3 s with the datacenter timers: cuts without BFD measured
 * 6.8–8.4 s), a BFD one within one interval. Measured on the default lab, same fabric,
 * shared machine: link-down outages 0–126 ms, spine down 55–95 ms between runs, so 250 ms
 * is above run-to-run noise and below any change of mechanism (carrier → BFD 900 ms →
 * hold timer 9 s).
 */
import { z } from 'zod';
import { BgplabError } from '../util/errors.js';
import type { CheckResult, CheckStatus } from './types.js';

export const SNAPSHOT_FORMAT = 'bgplab-snapshot';
export const SNAPSHOT_VERSION = 1;
export const DEFAULT_OUTAGE_TOLERANCE_MS = 250;

const nextHop = z.object({ ifname: z.string(), node: z.string().optional() }).strict();
const session = z
  .object({
    node: z.string(),
    ifname: z.string(),
    family: z.enum(['ipv4', 'ipv6']),
    peer: z.string().optional(),
    state: z.string(),
    remoteAs: z.number().optional(),
    pfxRcd: z.number().optional(),
  })
  .strict();
const route = z.object({ protocol: z.string(), nexthops: z.array(nextHop) }).strict();
const outage = z
  .object({
    status: z.enum(['pass', 'fail', 'skip']),
    outageMs: z.number().optional(),
    detection: z.string().optional(),
    jitterMs: z.number().nonnegative(),
  })
  .strict();

export const snapshotSchema = z
  .object({
    format: z.literal(SNAPSHOT_FORMAT),
    version: z.literal(SNAPSHOT_VERSION),
    lab: z.string(),
    runtime: z.string(),
    createdAt: z.string(),
    sessions: z.array(session),
    /** node → prefix → the selected route (both families) */
    routes: z.record(z.string(), z.record(z.string(), route)),
    /** "from → to" → the distinct complete traceroute paths ("a > b > c"), sorted */
    paths: z.record(z.string(), z.array(z.string())),
    /** failover scenario name → its outage; absent when the failover check did not run */
    outages: z.record(z.string(), outage).optional(),
    /** nodes that could not be read (their routes are not in the snapshot) */
    unread: z.array(z.string()).optional(),
  })
  .strict();

export type Snapshot = z.infer<typeof snapshotSchema>;
export type SnapshotSession = z.infer<typeof session>;
export type SnapshotRoute = z.infer<typeof route>;
export type SnapshotOutage = z.infer<typeof outage>;

/** The file's text for a snapshot (stable key order: diffs of two files read well). */
export function formatSnapshot(s: Snapshot): string {
  return `${JSON.stringify(s, null, 1)}\n`;
}

/** Parse and validate a snapshot file; every problem in one E_SNAPSHOT error naming the file. */
export function parseSnapshot(text: string, file: string): Snapshot {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new BgplabError('E_SNAPSHOT', `${file} is not a bgplab snapshot: not JSON (${(e as Error).message})`, { hint: 'write one with bgplab snapshot [LAB] -o FILE' });
  }
  const head = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>) : {};
  if (head['format'] !== SNAPSHOT_FORMAT) {
    throw new BgplabError('E_SNAPSHOT', `${file} is not a bgplab snapshot (no "format": "${SNAPSHOT_FORMAT}")`, { hint: 'write one with bgplab snapshot [LAB] -o FILE' });
  }
  if (head['version'] !== SNAPSHOT_VERSION) {
    const v = head['version'];
    throw new BgplabError('E_SNAPSHOT', `${file}: snapshot version ${JSON.stringify(v)}, this bgplab reads version ${SNAPSHOT_VERSION}`, {
      hint: typeof v === 'number' && v > SNAPSHOT_VERSION ? 'it was written by a newer bgplab: use that one, or take the snapshot again with this one' : 'take the snapshot again with bgplab snapshot',
    });
  }
  const r = snapshotSchema.safeParse(doc);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${file}: ${i.path.length ? i.path.join('.') : '(top)'}: ${i.message}`);
    throw new BgplabError('E_SNAPSHOT', `${file} is not a valid bgplab snapshot (${problems.length} problem${problems.length > 1 ? 's' : ''})`, {
      details: problems.slice(0, 20),
      hint: 'the file was edited or truncated: take the snapshot again with bgplab snapshot',
    });
  }
  return r.data;
}

export type DifferenceKind =
  | 'session-lost'
  | 'session-new'
  | 'session-changed'
  | 'node-unread'
  | 'route-lost'
  | 'route-new'
  | 'nexthops-changed'
  | 'paths-changed'
  | 'paths-not-compared'
  | 'outage-worse'
  | 'outage-better'
  | 'outage-not-compared';

export interface Difference {
  kind: DifferenceKind;
  /** fails the run */
  regression: boolean;
  /** result row name: "baseline: spine1 → 10.0.3.1/32" */
  name: string;
  message: string;
  /** the nodes concerned, the one it is about first */
  nodes: string[];
  prefix?: string;
  before?: string | string[] | number;
  after?: string | string[] | number;
}

export interface DiffOptions {
  toleranceMs: number;
}

const hopText = (h: { ifname: string; node?: string }) => (h.node ? `${h.ifname} (${h.node})` : h.ifname);
const hopsText = (r: SnapshotRoute) => (r.nexthops.length ? r.nexthops.map(hopText).join(', ') : 'no next hop');
const setKey = (xs: readonly string[]) => [...xs].sort().join('\u0000');
const sessionKey = (s: SnapshotSession) => `${s.node}:${s.ifname}:${s.family}`;
const sessionName = (s: SnapshotSession) => `${s.node}:${s.ifname}${s.peer ? ` → ${s.peer}` : ''}${s.family === 'ipv6' ? ' (ipv6)' : ''}`;
const few = (xs: readonly string[], n = 4) => `${xs.slice(0, n).join(', ')}${xs.length > n ? ` and ${xs.length - n} more` : ''}`;

function diffSessions(base: Snapshot, now: Snapshot, out: Difference[]): void {
  const was = new Map(base.sessions.map((s) => [sessionKey(s), s]));
  const is = new Map(now.sessions.map((s) => [sessionKey(s), s]));
  const up = (s?: SnapshotSession) => s?.state === 'Established';
  for (const [k, b] of was) {
    const n = is.get(k);
    const nodes = [b.node, ...(b.peer ? [b.peer] : [])];
    if (up(b) && !up(n)) {
      out.push({ kind: 'session-lost', regression: true, name: `baseline: session ${sessionName(b)}`, message: `session ${sessionName(b)} was Established, now ${n ? n.state : 'not configured'}`, nodes, before: b.state, after: n?.state ?? 'absent' });
    } else if (up(b) && up(n) && b.pfxRcd !== undefined && n!.pfxRcd !== undefined && b.pfxRcd !== n!.pfxRcd) {
      out.push({ kind: 'session-changed', regression: false, name: `baseline: session ${sessionName(b)}`, message: `session ${sessionName(b)} receives ${n!.pfxRcd} prefixes, ${b.pfxRcd} in the baseline`, nodes, before: b.pfxRcd, after: n!.pfxRcd! });
    } else if (up(b) && up(n) && b.remoteAs !== undefined && n!.remoteAs !== undefined && b.remoteAs !== n!.remoteAs) {
      out.push({ kind: 'session-changed', regression: true, name: `baseline: session ${sessionName(b)}`, message: `session ${sessionName(b)}: the peer is AS ${n!.remoteAs}, AS ${b.remoteAs} in the baseline`, nodes, before: b.remoteAs, after: n!.remoteAs! });
    }
  }
  for (const [k, n] of is) {
    if (up(n) && !up(was.get(k))) {
      out.push({ kind: 'session-new', regression: false, name: `baseline: session ${sessionName(n)}`, message: `session ${sessionName(n)} is Established, ${was.get(k) ? `${was.get(k)!.state} in the baseline` : 'not in the baseline'}`, nodes: [n.node, ...(n.peer ? [n.peer] : [])], before: was.get(k)?.state ?? 'absent', after: n.state });
    }
  }
}

function diffRoutes(base: Snapshot, now: Snapshot, out: Difference[]): void {
  const unread = new Set(now.unread ?? []);
  for (const [node, was] of Object.entries(base.routes)) {
    const is = now.routes[node];
    if (!is) {
      out.push({ kind: 'node-unread', regression: true, name: `baseline: ${node} routes`, message: `${node}: ${unread.has(node) ? 'its routes could not be read' : 'not in this lab'}, ${Object.keys(was).length} routes in the baseline`, nodes: [node] });
      continue;
    }
    for (const [prefix, b] of Object.entries(was)) {
      const n = is[prefix];
      const name = `baseline: ${node} → ${prefix}`;
      if (!n) {
        out.push({ kind: 'route-lost', regression: true, name, message: `${node} lost its route to ${prefix} (was ${b.protocol} via ${hopsText(b)})`, nodes: [node, ...b.nexthops.flatMap((h) => (h.node ? [h.node] : []))], prefix, before: hopsText(b), after: 'no route' });
        continue;
      }
      const bh = b.nexthops.map((h) => h.ifname);
      const nh = n.nexthops.map((h) => h.ifname);
      if (setKey(bh) !== setKey(nh) || b.protocol !== n.protocol) {
        const gone = b.nexthops.filter((h) => !nh.includes(h.ifname)).map(hopText);
        const added = n.nexthops.filter((h) => !bh.includes(h.ifname)).map(hopText);
        const parts = [gone.length && `lost ${gone.join(', ')}`, added.length && `new ${added.join(', ')}`, b.protocol !== n.protocol && `${b.protocol} → ${n.protocol}`].filter(Boolean);
        out.push({
          kind: 'nexthops-changed',
          regression: true,
          name,
          message: `${node} → ${prefix}: next hops ${hopsText(b)} in the baseline, now ${hopsText(n)} (${parts.join('; ')})`,
          nodes: [node, ...new Set([...b.nexthops, ...n.nexthops].flatMap((h) => (h.node ? [h.node] : [])))],
          prefix,
          before: b.nexthops.map(hopText),
          after: n.nexthops.map(hopText),
        });
      }
    }
    for (const [prefix, n] of Object.entries(is)) {
      if (was[prefix]) continue;
      out.push({ kind: 'route-new', regression: true, name: `baseline: ${node} → ${prefix}`, message: `${node} has a new route to ${prefix} (${n.protocol} via ${hopsText(n)}), not in the baseline`, nodes: [node, ...n.nexthops.flatMap((h) => (h.node ? [h.node] : []))], prefix, before: 'no route', after: hopsText(n) });
    }
  }
}

function diffPaths(base: Snapshot, now: Snapshot, out: Difference[]): void {
  for (const [pair, was] of Object.entries(base.paths)) {
    const is = now.paths[pair];
    const ends = pair.split(' → ');
    const name = `baseline: paths ${pair}`;
    if (!is) {
      out.push({ kind: 'paths-not-compared', regression: false, name, message: `${pair}: not traced in this run`, nodes: ends });
      continue;
    }
    const lost = was.filter((p) => !is.includes(p));
    const added = is.filter((p) => !was.includes(p));
    if (!lost.length && !added.length) continue;
    const onPaths = [...new Set([...lost, ...added].flatMap((p) => p.split(' > ')))];
    out.push({
      kind: 'paths-changed',
      regression: true,
      name,
      message: `${pair}: ${was.length} path(s) in the baseline, ${is.length} now; ${[lost.length && `lost ${few(lost)}`, added.length && `new ${few(added)}`].filter(Boolean).join('; ')}`,
      nodes: [...ends, ...onPaths.filter((n) => !ends.includes(n))],
      before: was,
      after: is,
    });
  }
}

function diffOutages(base: Snapshot, now: Snapshot, o: DiffOptions, out: Difference[]): void {
  if (!base.outages) return;
  for (const [scenario, b] of Object.entries(base.outages)) {
    const name = `baseline: outage ${scenario}`;
    const n = now.outages?.[scenario];
    if (b.outageMs === undefined) continue; // nothing measured then: nothing to compare with
    if (!n || n.outageMs === undefined) {
      const why = !now.outages ? 'the failover check did not run' : !n ? 'no such scenario in this run' : `the scenario ${n.status === 'skip' ? 'was skipped' : 'measured no outage'}`;
      out.push({ kind: 'outage-not-compared', regression: false, name, message: `${scenario}: not compared (${why}); ${b.outageMs} ms in the baseline`, nodes: [], before: b.outageMs });
      continue;
    }
    const allowed = b.outageMs + o.toleranceMs + Math.max(b.jitterMs, n.jitterMs);
    const jitter = Math.max(b.jitterMs, n.jitterMs);
    const rule = `baseline ${b.outageMs} ms + tolerance ${o.toleranceMs} ms${jitter ? ` + ${n.detection ?? b.detection ?? 'detection'} jitter ${jitter} ms` : ''}`;
    if (n.outageMs > allowed) {
      out.push({ kind: 'outage-worse', regression: true, name, message: `${scenario}: outage ${n.outageMs} ms, worse than ${rule} = ${allowed} ms${n.detection !== b.detection && n.detection ? ` (detection ${b.detection ?? '?'} → ${n.detection})` : ''}`, nodes: [], before: b.outageMs, after: n.outageMs });
    } else if (n.outageMs < b.outageMs - o.toleranceMs - jitter) {
      out.push({ kind: 'outage-better', regression: false, name, message: `${scenario}: outage ${n.outageMs} ms, better than the baseline's ${b.outageMs} ms`, nodes: [], before: b.outageMs, after: n.outageMs });
    }
  }
}

/** Every difference between a baseline and now, regressions and the rest. */
export function diffSnapshots(base: Snapshot, now: Snapshot, o: DiffOptions): Difference[] {
  const out: Difference[] = [];
  diffSessions(base, now, out);
  diffRoutes(base, now, out);
  diffPaths(base, now, out);
  diffOutages(base, now, o, out);
  return out;
}

const NOT_COMPARED = new Set<DifferenceKind>(['paths-not-compared', 'outage-not-compared']);

/** The differences as result rows of the `baseline` check (one pass row when there are none). */
export function baselineResults(diffs: readonly Difference[], base: Snapshot, now: Snapshot, file: string): CheckResult[] {
  const rows: CheckResult[] = diffs.map((d) => {
    const status: CheckStatus = d.regression ? 'fail' : NOT_COMPARED.has(d.kind) ? 'skip' : 'pass';
    const measured: Record<string, number | string | string[]> = { kind: d.kind };
    if (d.before !== undefined) measured.before = d.before;
    if (d.after !== undefined) measured.after = d.after;
    return { check: 'baseline', name: d.name, status, message: d.regression ? d.message : `${d.message} (not a regression)`, measured, subject: { nodes: d.nodes, ...(d.prefix ? { prefix: d.prefix } : {}) }, durationMs: 0 };
  });
  const routes = Object.values(base.routes).reduce((n, r) => n + Object.keys(r).length, 0);
  const compared = `${base.sessions.length} sessions, ${routes} routes on ${Object.keys(base.routes).length} nodes, ${Object.keys(base.paths).length} path sets${base.outages ? `, ${Object.keys(base.outages).length} outages` : ''}`;
  const regressions = rows.filter((r) => r.status === 'fail').length;
  const from = `${file} (lab ${base.lab}, ${base.createdAt}${base.lab !== now.lab ? `; compared by node name with lab ${now.lab}` : ''})`;
  // with regressions the rows speak for themselves; without, one row says what was compared
  if (!regressions) {
    rows.unshift({ check: 'baseline', name: 'baseline: no regression', status: 'pass', message: `no regression against ${from}; compared ${compared}`, measured: { differences: diffs.filter((d) => !NOT_COMPARED.has(d.kind)).length }, durationMs: 0 });
  }
  return rows;
}

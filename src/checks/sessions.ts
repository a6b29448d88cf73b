/**
 * sessions: every BGP session the model expects is Established, with the right neighbor
 * on the right interface (cabling), the right remote ASN, and the number of prefixes
 * the model predicts that neighbor sends (paths.ts: exact, or a range where BGP
 * tie-breaking decides whether a route is echoed back).
 */
import type { Lab } from '../lab/model.js';
import { predictFabric, type Family, type FabricPrediction } from '../lab/paths.js';
import { BgplabError } from '../util/errors.js';
import { mapLimit } from './runner.js';
import type { Check, CheckContext, CheckResult } from './types.js';

export interface PeerSummary {
  state: string;
  pfxRcd?: number;
  remoteAs?: number;
  hostname?: string;
  peerUptimeMsec?: number;
}

export type Summary = Partial<Record<'ipv4Unicast' | 'ipv6Unicast', { peers?: Record<string, PeerSummary> }>>;

/** Run one vtysh command that prints JSON and parse it; errors name the node and command. */
export async function vtyshJson<T>(ctx: CheckContext, node: string, command: string): Promise<T> {
  const out = await ctx.runtime.vtysh(ctx.lab.name, node, [command]);
  // vtysh may print log lines (e.g. zebra warnings) around the JSON document
  const start = out.indexOf('{');
  const end = out.lastIndexOf('}');
  if (start < 0 || end < start) {
    throw new BgplabError('E_FRR_OUTPUT', `${node}: \`${command}\` printed no JSON (is bgpd running?)`, {
      details: out.trim().split('\n').slice(-5),
    });
  }
  try {
    return JSON.parse(out.slice(start, end + 1)) as T;
  } catch (e) {
    throw new BgplabError('E_FRR_OUTPUT', `${node}: \`${command}\` printed invalid JSON`, { cause: e, details: out.trim().split('\n').slice(-5) });
  }
}

export function familiesOf(lab: Lab): Family[] {
  return lab.nodes.some((n) => n.loopback6) ? ['ipv4', 'ipv6'] : ['ipv4'];
}

const AF_KEY: Record<Family, 'ipv4Unicast' | 'ipv6Unicast'> = { ipv4: 'ipv4Unicast', ipv6: 'ipv6Unicast' };

export interface SessionVerdict {
  ok: boolean;
  established: boolean;
  message: string;
  measured: Record<string, number | string | string[]>;
}

/** Judge one expected session from its node's summary. */
export function judgeSession(
  lab: Lab,
  prediction: FabricPrediction,
  s: Lab['sessions'][number],
  summary: Summary,
  family: Family,
): SessionVerdict {
  const link = `${s.node}:${s.ifname} ↔ ${s.peer}:${s.peerIfname}`;
  const peer = summary[AF_KEY[family]]?.peers?.[s.ifname];
  if (!peer) {
    return { ok: false, established: false, message: `${s.node} has no ${family} BGP neighbor on ${s.ifname} (link ${link})`, measured: {} };
  }
  const measured: Record<string, number | string | string[]> = { state: peer.state };
  if (peer.pfxRcd !== undefined) measured.pfxRcd = peer.pfxRcd;
  if (peer.state !== 'Established') {
    return { ok: false, established: false, message: `${s.node}:${s.ifname} → ${s.peer}: session ${peer.state}, not Established (link ${link})`, measured };
  }
  const problems: string[] = [];
  if (peer.hostname && peer.hostname !== s.peer) problems.push(`the neighbor on ${s.node}:${s.ifname} is ${peer.hostname}, expected ${s.peer} (miswired?)`);
  if (peer.remoteAs !== undefined && peer.remoteAs !== s.peerAsn) problems.push(`${s.peer} speaks AS ${peer.remoteAs}, expected ${s.peerAsn}`);
  const want = prediction.received(s.node, s.ifname, family);
  measured.expected = want.min === want.max ? `${want.min}` : `${want.min}-${want.max}`;
  const got = peer.pfxRcd ?? -1;
  if (got < want.min || got > want.max) {
    problems.push(`${s.node} received ${got} ${family} prefixes from ${s.peer} on ${s.ifname}, expected ${measured.expected}`);
  }
  if (problems.length) return { ok: false, established: true, message: `${problems.join('; ')} (link ${link})`, measured };
  return { ok: true, established: true, message: `Established, ${got} prefixes received`, measured };
}

/** Summaries of every node (bounded parallelism); a node that fails to answer maps to its error. */
export async function readSummaries(ctx: CheckContext, nodes = ctx.lab.nodes.map((n) => n.name)): Promise<Map<string, Summary | Error>> {
  const out = new Map<string, Summary | Error>();
  await mapLimit(nodes, 4, async (n) => {
    try {
      out.set(n, await vtyshJson<Summary>(ctx, n, 'show bgp summary json'));
    } catch (e) {
      out.set(n, e instanceof Error ? e : new Error(String(e)));
    }
  });
  return out;
}

export function errorText(e: Error): string {
  const details = (e as { details?: string[] }).details ?? [];
  return [e.message, ...details].join(' | ');
}

/** One pass over every expected session. */
export async function evaluateSessions(ctx: CheckContext, prediction = predictFabric(ctx.lab)): Promise<CheckResult[]> {
  const t0 = Date.now();
  const summaries = await readSummaries(ctx);
  const results: CheckResult[] = [];
  for (const family of familiesOf(ctx.lab)) {
    for (const s of ctx.lab.sessions) {
      const name = `${s.node}:${s.ifname} → ${s.peer}${family === 'ipv6' ? ' (ipv6)' : ''}`;
      const sum = summaries.get(s.node);
      if (!sum || sum instanceof Error) {
        results.push({ check: 'sessions', name, status: 'fail', message: `${s.node}: cannot read BGP state: ${sum ? errorText(sum) : 'no answer'}`, durationMs: 0 });
        continue;
      }
      const v = judgeSession(ctx.lab, prediction, s, sum, family);
      results.push({ check: 'sessions', name, status: v.ok ? 'pass' : 'fail', message: v.message, measured: v.measured, durationMs: 0 });
    }
  }
  // a session down changes what its neighbors pass on: say so on prefix-count failures elsewhere,
  // so the reader starts from the session that is actually down
  const down = results.filter((r) => r.status === 'fail' && r.measured?.state !== 'Established').map((r) => r.name);
  if (down.length) {
    for (const r of results) {
      if (r.status === 'fail' && r.measured?.state === 'Established') {
        r.message += ` (possibly a consequence of ${down.length} session(s) down: ${down.slice(0, 3).join(', ')}${down.length > 3 ? ', …' : ''})`;
      }
    }
  }
  const each = Math.round((Date.now() - t0) / Math.max(1, results.length));
  for (const r of results) r.durationMs = each;
  return results;
}

export interface WaitResult {
  ok: boolean;
  elapsedMs: number;
  /** the sessions still failing at the deadline */
  failing: CheckResult[];
}

/**
 * Poll until every expected session is Established with its predicted prefix count, or
 * the timeout passes. Used after a restore (transit stress, failover) and as the sessions
 * check's settle time.
 */
export async function waitForSessions(ctx: CheckContext, timeoutMs: number, opts: { intervalMs?: number; prefixes?: boolean } = {}): Promise<WaitResult> {
  const t0 = Date.now();
  const prediction = predictFabric(ctx.lab);
  for (;;) {
    const results = await evaluateSessions(ctx, prediction);
    const failing = results.filter((r) => r.status === 'fail' && (opts.prefixes !== false || r.measured?.state !== 'Established'));
    const elapsedMs = Date.now() - t0;
    if (failing.length === 0) return { ok: true, elapsedMs, failing };
    if (elapsedMs >= timeoutMs) return { ok: false, elapsedMs, failing };
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 500));
  }
}

/** How long the sessions check lets a freshly changed lab settle before it judges. */
export const SETTLE_MS = 10_000;

export function makeSessionsCheck(opts: { settleMs?: number } = {}): Check {
  return {
    id: 'sessions',
    description: 'every expected BGP session is Established with the right neighbor, ASN and prefix count',
    async run(ctx) {
      const prediction = predictFabric(ctx.lab);
      const settleMs = opts.settleMs ?? SETTLE_MS;
      const t0 = Date.now();
      let results = await evaluateSessions(ctx, prediction);
      // a lab that just came up or was just restored may still be converging: re-read until
      // it passes or the settle time is over, then report the last reading
      while (results.some((r) => r.status === 'fail') && Date.now() - t0 < settleMs) {
        await new Promise((r) => setTimeout(r, 1000));
        results = await evaluateSessions(ctx, prediction);
      }
      await explainPrefixMismatches(ctx, prediction, results);
      await explainDownSessions(ctx, results);
      return results;
    },
  };
}

export const sessionsCheck: Check = makeSessionsCheck();

/** For a session that is not Established, FRR's last reset / notification reason (e.g. "Bad Peer AS"). */
async function explainDownSessions(ctx: CheckContext, results: CheckResult[]): Promise<void> {
  const todo = results.filter((r) => r.status === 'fail' && r.measured?.state !== undefined && r.measured.state !== 'Established');
  await mapLimit(todo.slice(0, 20), 4, async (r) => {
    const [node, rest] = r.name.split(':') as [string, string];
    const ifname = rest.split(' ')[0]!;
    try {
      const nb = await vtyshJson<Record<string, { lastNotificationReason?: string; lastResetDueTo?: string; remoteAs?: number }>>(
        ctx,
        node,
        `show bgp neighbors ${ifname} json`,
      );
      const e = nb[ifname];
      const why = e?.lastNotificationReason ?? e?.lastResetDueTo;
      if (why) {
        r.message += `; last reset: ${why}`;
        r.measured = { ...r.measured, lastReset: why };
      }
    } catch {
      // the state alone is still reported
    }
  });
}

/** For an Established session with the wrong prefix count, name the missing / unexpected prefixes. */
async function explainPrefixMismatches(ctx: CheckContext, prediction: FabricPrediction, results: CheckResult[]): Promise<void> {
  const todo = results.filter((r) => r.status === 'fail' && r.measured?.state === 'Established' && r.message.includes(' prefixes from '));
  await mapLimit(todo.slice(0, 20), 4, async (r) => {
    const family: Family = r.name.endsWith('(ipv6)') ? 'ipv6' : 'ipv4';
    const [node, rest] = r.name.split(':') as [string, string];
    const ifname = rest.split(' ')[0]!;
    try {
      const got = await vtyshJson<{ routes?: Record<string, unknown> }>(ctx, node, `show bgp ${family} unicast neighbors ${ifname} routes json`);
      const have = new Set(Object.keys(got.routes ?? {}));
      const want = prediction.received(node, ifname, family);
      const missing = want.prefixes.filter((p) => !have.has(p));
      const extra = [...have].filter((p) => !want.prefixes.includes(p) && !want.maybe.includes(p));
      if (missing.length) r.message += `; missing: ${missing.join(', ')}`;
      if (extra.length) r.message += `; unexpected: ${extra.join(', ')}`;
      r.measured = { ...r.measured, ...(missing.length ? { missing } : {}), ...(extra.length ? { unexpected: extra } : {}) };
    } catch {
      // the count mismatch alone is still reported
    }
  });
}

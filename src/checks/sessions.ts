/**
 * sessions: every BGP session the model expects is Established, with the right neighbor
 * on the right interface (cabling), the right remote ASN, and the number of prefixes
 * the model predicts that neighbor sends (paths.ts: exact, or a range where BGP
 * tie-breaking decides whether a route is echoed back).
 */
import { isSessionUp, neighborReset, NO_PEER_ADDRESS, receivedPrefixes, summaryPeer, type PeerSummary } from '../frr/bgp.js';
import type { Lab } from '../lab/model.js';
import { familiesOf, predictFabric, type Family, type FabricPrediction } from '../lab/paths.js';
import { derivationScope, notDerivedText, type Underived } from '../lab/derive.js';
import { showJson } from '../observe/sessions.js';
import { errorText, isBgplabError } from '../util/errors.js';
import { mapLimit, pollUntil } from '../util/pool.js';
import { settled } from './settle.js';
import type { Check, CheckContext, CheckResult } from './types.js';

/** `show bgp summary json`, as much of it as bgplab reads (frr/bgp.ts reads it). */
export type Summary = Partial<Record<'ipv4Unicast' | 'ipv6Unicast', { peers?: Record<string, PeerSummary> }>>;

/** Run one vtysh command that prints JSON and parse it; errors name the node and command. */
export async function vtyshJson<T>(ctx: CheckContext, node: string, command: string): Promise<T> {
  return (await showJson(ctx.runtime, ctx.lab.name, node, command)) as T;
}

export interface SessionVerdict {
  ok: boolean;
  established: boolean;
  /** Established, but the prefix count is not the predicted one */
  prefixMismatch?: boolean;
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
  /** the prefix count is not derived (a user's snippet or frr.conf): state, neighbor and ASN only */
  notDerived: readonly Underived[] = [],
): SessionVerdict {
  const link = `${s.node}:${s.ifname} ↔ ${s.peer}:${s.peerIfname}`;
  const peer = summaryPeer(summary, s.ifname, family);
  if (!peer) {
    return { ok: false, established: false, message: `${s.node} has no ${family} BGP neighbor on ${s.ifname} (link ${link})`, measured: {} };
  }
  const measured: Record<string, number | string | string[]> = { state: peer.state };
  if (peer.pfxRcd !== undefined) measured.pfxRcd = peer.pfxRcd;
  if (!isSessionUp(peer.state)) {
    return { ok: false, established: false, message: `${s.node}:${s.ifname} → ${s.peer}: session ${peer.state}, not Established (link ${link})`, measured };
  }
  const problems: string[] = [];
  if (peer.hostname && peer.hostname !== s.peer) problems.push(`the neighbor on ${s.node}:${s.ifname} is ${peer.hostname}, expected ${s.peer} (miswired?)`);
  if (peer.remoteAs !== undefined && peer.remoteAs !== s.peerAsn) problems.push(`${s.peer} speaks AS ${peer.remoteAs}, expected ${s.peerAsn}`);
  const got = peer.pfxRcd ?? -1;
  if (notDerived.length) {
    measured.expected = 'not derived';
    if (problems.length) return { ok: false, established: true, message: `${problems.join('; ')} (link ${link})`, measured };
    return { ok: true, established: true, message: `Established, ${got} prefixes received (count ${notDerivedText(notDerived)})`, measured };
  }
  const want = prediction.received(s.node, s.ifname, family);
  measured.expected = want.min === want.max ? `${want.min}` : `${want.min}-${want.max}`;
  if (got < want.min || got > want.max) {
    problems.push(`${s.node} received ${got} ${family} prefixes from ${s.peer} on ${s.ifname}, expected ${measured.expected}`);
  }
  if (problems.length) return { ok: false, established: true, prefixMismatch: got < want.min || got > want.max, message: `${problems.join('; ')} (link ${link})`, measured };
  return { ok: true, established: true, message: `Established, ${got} prefixes received`, measured };
}

/** Which session a result judged (explanations read it instead of parsing the result's name). */
const refs = new WeakMap<CheckResult, { node: string; ifname: string; family: Family; prefixMismatch: boolean }>();

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

/** One pass over every expected session. */
export async function evaluateSessions(ctx: CheckContext, prediction = predictFabric(ctx.lab)): Promise<CheckResult[]> {
  const t0 = Date.now();
  const summaries = await readSummaries(ctx);
  const scope = derivationScope(ctx.lab, prediction);
  const results: CheckResult[] = [];
  for (const family of familiesOf(ctx.lab)) {
    for (const s of ctx.lab.sessions) {
      const name = `${s.node}:${s.ifname} → ${s.peer}${family === 'ipv6' ? ' (ipv6)' : ''}`;
      const sum = summaries.get(s.node);
      const subject = { nodes: [s.node, s.peer], link: `${s.node}:${s.ifname}--${s.peer}:${s.peerIfname}` };
      if (!sum || sum instanceof Error) {
        results.push({ check: 'sessions', name, status: 'fail', message: `${s.node}: cannot read BGP state: ${sum ? (isBgplabError(sum) && sum.data['said'] ? sum.data['said'] : errorText(sum)) : 'no answer'}`, subject, durationMs: 0 });
        continue;
      }
      const v = judgeSession(ctx.lab, prediction, s, sum, family, scope.received(s.node, s.ifname));
      const r: CheckResult = { check: 'sessions', name, status: v.ok ? 'pass' : 'fail', message: v.message, measured: v.measured, subject, durationMs: 0 };
      refs.set(r, { node: s.node, ifname: s.ifname, family, prefixMismatch: !!v.prefixMismatch });
      results.push(r);
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
  const prediction = predictFabric(ctx.lab);
  const failing = (results: CheckResult[]) => results.filter((r) => r.status === 'fail' && (opts.prefixes !== false || r.measured?.state !== 'Established'));
  const r = await pollUntil(
    async () => failing(await evaluateSessions(ctx, prediction)),
    (f) => f.length === 0,
    { timeoutMs, intervalMs: opts.intervalMs ?? 500, signal: ctx.signal },
  );
  return { ok: r.ok, elapsedMs: r.elapsedMs, failing: r.value };
}

export function makeSessionsCheck(opts: { settleMs?: number } = {}): Check {
  return {
    id: 'sessions',
    description: 'every expected BGP session is Established with the right neighbor, ASN and prefix count',
    async run(ctx) {
      const prediction = predictFabric(ctx.lab);
      // a lab that just came up or was just restored may still be converging (settle.ts)
      const results = await settled(() => evaluateSessions(ctx, prediction), { maxMs: opts.settleMs, signal: ctx.signal });
      await explainPrefixMismatches(ctx, prediction, results);
      await explainDownSessions(ctx, results);
      return results;
    },
  };
}

export const sessionsCheck: Check = makeSessionsCheck();

/** For a session that is not Established, FRR's last reset / notification reason (e.g. "Bad Peer AS"). */
async function explainDownSessions(ctx: CheckContext, results: CheckResult[]): Promise<void> {
  const todo = results.filter((r) => r.status === 'fail' && r.measured?.state !== undefined && !isSessionUp(String(r.measured.state)) && refs.has(r));
  await mapLimit(todo.slice(0, 20), 4, async (r) => {
    const { node, ifname } = refs.get(r)!;
    try {
      const e = neighborReset(await vtyshJson(ctx, node, `show bgp neighbors ${ifname} json`), ifname);
      const reason = e?.lastNotificationReason ?? e?.lastResetDueTo;
      // bgpd's reset text alone can mislead when it has no address for the peer (frr/bgp.ts)
      const why = e?.neighborAddress === 'none' ? [NO_PEER_ADDRESS, reason].filter(Boolean).join('; ') : reason;
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
  const todo = results.filter((r) => r.status === 'fail' && refs.get(r)?.prefixMismatch);
  await mapLimit(todo.slice(0, 20), 4, async (r) => {
    const { node, ifname, family } = refs.get(r)!;
    try {
      const have = receivedPrefixes(await vtyshJson(ctx, node, `show bgp ${family} unicast neighbors ${ifname} routes json`));
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

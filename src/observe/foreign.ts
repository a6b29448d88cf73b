/**
 * Observing and waiting for a containerlab lab bgplab did not write (src/clab/foreign.ts):
 * every configured BGP neighbour Established, every expected OSPF/OSPFv3 adjacency Full,
 * every node reaching every router loopback (ping from inside the node: hosts run no FRR,
 * so their route table would not say whether the path works), then every router's route
 * table unchanged for a while (stableWindowMs) (paths final, not transitional). Works on any Runtime.
 */
import { ESTABLISHED, summaryPeer } from '../frr/bgp.js';
import { adjacencyState, isAdjacencyUp, ospf6Neighbors, ospfNeighbors } from '../frr/ospf.js';
import { routerLoopbacks, type ForeignAdjacency, type ForeignLab, type ForeignNode, type ForeignSession } from '../clab/foreign.js';
import type { Runtime } from '../runtime/runtime.js';
import { errorText } from '../util/errors.js';
import { mapLimit, pollUntil } from '../util/pool.js';
import { showJson } from './sessions.js';
import { parseRib, ribFingerprint } from '../frr/routes.js';

export interface SessionState extends ForeignSession {
  state: string;
}
export interface AdjacencyState extends ForeignAdjacency {
  state: string;
}
export interface ReachState {
  from: string;
  to: string;
  address: string;
  ok: boolean;
}

export interface ForeignObservation {
  sessions: SessionState[];
  adjacencies: AdjacencyState[];
  reach: ReachState[];
}

/** A neighbour's state across the families bgpd lists it in (Established only when it is in every one). */
export function foreignSessionState(summary: unknown, peer: string): string {
  const states = (['ipv4', 'ipv6'] as const).map((f) => summaryPeer(summary, peer, f)?.state).filter((s): s is string => !!s);
  if (!states.length) return 'not in show bgp summary';
  return states.find((s) => s !== ESTABLISHED) ?? ESTABLISHED;
}

const CONCURRENCY = 8;

export async function observeSessions(runtime: Runtime, lab: string, sessions: readonly ForeignSession[]): Promise<SessionState[]> {
  const nodes = [...new Set(sessions.map((s) => s.node))];
  const byNode = new Map<string, unknown | string>();
  await mapLimit(nodes, CONCURRENCY, async (n) => {
    byNode.set(n, await showJson(runtime, lab, n, 'show bgp summary json').catch((e) => `error: ${errorText(e)}`));
  });
  return sessions.map((s) => {
    const doc = byNode.get(s.node);
    return { ...s, state: typeof doc === 'string' ? doc : foreignSessionState(doc, s.peer) };
  });
}

export async function observeAdjacencies(runtime: Runtime, lab: string, adj: readonly ForeignAdjacency[]): Promise<AdjacencyState[]> {
  const keys = [...new Set(adj.map((a) => `${a.node} ${a.version}`))];
  const got = new Map<string, ReturnType<typeof ospfNeighbors> | string>();
  await mapLimit(keys, CONCURRENCY, async (k) => {
    const [node, v] = k.split(' ') as [string, string];
    const cmd = v === '2' ? 'show ip ospf neighbor json' : 'show ipv6 ospf6 neighbor json';
    try {
      const doc = await showJson(runtime, lab, node, cmd);
      got.set(k, v === '2' ? ospfNeighbors(doc) : ospf6Neighbors(doc));
    } catch (e) {
      got.set(k, `error: ${errorText(e)}`);
    }
  });
  return adj.map((a) => {
    const n = got.get(`${a.node} ${a.version}`)!;
    return { ...a, state: typeof n === 'string' ? n : adjacencyState(n, a.ifname) };
  });
}

/** One ping (1 s) from inside `from` to `address`. */
export async function pingOnce(runtime: Runtime, lab: string, from: string, address: string, timeoutS = 1): Promise<boolean> {
  const r = await runtime.exec(lab, from, ['ping', '-n', '-q', '-c', '1', '-W', String(timeoutS), address], { timeoutMs: (timeoutS + 4) * 1000 }).catch(() => undefined);
  return r?.exitCode === 0;
}

export async function observeReach(runtime: Runtime, lab: string, pairs: readonly Omit<ReachState, 'ok'>[]): Promise<ReachState[]> {
  return mapLimit(pairs, CONCURRENCY, async (p) => ({ ...p, ok: await pingOnce(runtime, lab, p.from, p.address) }));
}

/**
 * What up waits to answer pings: every node to every advertised router loopback (its own
 * excluded), and every host to every other host (its first address). Also the pings of the
 * reachability check.
 */
export function reachPairs(lab: ForeignLab): Omit<ReachState, 'ok'>[] {
  const lbs = routerLoopbacks(lab);
  const hosts = lab.nodes.filter((n) => !n.router && n.addresses.length);
  const v6 = (a: string) => a.includes(':');
  // a host pings only in the families it has an address of (a v4-only PC has no route to fd00::1)
  const speaks = (n: ForeignNode, a: string) => n.router || n.addresses.some((x) => v6(x) === v6(a));
  return lab.nodes.flatMap((n) => [
    ...lbs.filter((l) => l.node !== n.name && speaks(n, l.address)).map((l) => ({ from: n.name, to: l.node, address: l.address })),
    ...(n.router ? [] : hosts.filter((h) => h.name !== n.name).map((h) => ({ from: n.name, to: h.name, address: h.addresses[0]! }))),
  ]);
}

export interface ForeignWait {
  ok: boolean;
  elapsedMs: number;
  /** when every session, every adjacency, every loopback was first seen up (ms after the start) */
  sessionsMs?: number;
  adjacenciesMs?: number;
  reachMs?: number;
  /** since when every router's route table has not changed (for stableWindowMs) */
  stableMs?: number;
  last: ForeignObservation;
}

/**
 * How long every router's table must stay the same before routing counts as settled: 2 s,
 * and 6 s where OSPF runs, since a router re-originates its LSA at most every 5 s (FRR's
 * default `timers throttle lsa all 5000`, RFC 2328 MinLSInterval): measured on the 3-router
 * OSPF lab, a 2 s window once let `check` see a transitional path (pc → rc → ra → rb).
 */
export const stableWindowMs = (lab: ForeignLab) => (lab.adjacencies.length ? 6000 : 2000);

/** Every router's IPv4 and IPv6 tables as one fingerprint per router. */
async function routeFingerprints(runtime: Runtime, lab: ForeignLab): Promise<string> {
  const routers = lab.nodes.filter((n) => n.router).map((n) => n.name);
  const fps = await mapLimit(routers, CONCURRENCY, async (n) => {
    const v4 = await showJson(runtime, lab.name, n, 'show ip route json').catch(() => ({}));
    const v6 = await showJson(runtime, lab.name, n, 'show ipv6 route json').catch(() => ({}));
    return `${n}\n${ribFingerprint(parseRib(v4))}\n${ribFingerprint(parseRib(v6))}`;
  });
  return fps.join('\n\n');
}

/**
 * Poll until every session is Established, every adjacency Full and every node reaches
 * every router loopback; what is done is not asked again. Never throws on timeout.
 */
export async function waitForeign(runtime: Runtime, lab: ForeignLab, timeoutMs: number, o: { signal?: AbortSignal; intervalMs?: number } = {}): Promise<ForeignWait> {
  const t0 = performance.now();
  const ms = () => Math.round(performance.now() - t0);
  const last: ForeignObservation = {
    sessions: lab.sessions.map((s) => ({ ...s, state: 'not polled' })),
    adjacencies: lab.adjacencies.map((a) => ({ ...a, state: 'not polled' })),
    reach: reachPairs(lab).map((p) => ({ ...p, ok: false })),
  };
  const out: Omit<ForeignWait, 'ok' | 'elapsedMs'> = { last };
  const stable = { fp: '', since: 0 };
  const r = await pollUntil(
    async () => {
      const sDown = last.sessions.filter((s) => s.state !== ESTABLISHED);
      if (sDown.length) {
        const fresh = await observeSessions(runtime, lab.name, sDown);
        fresh.forEach((f, i) => Object.assign(sDown[i]!, { state: f.state }));
      }
      if (out.sessionsMs === undefined && last.sessions.every((s) => s.state === ESTABLISHED)) out.sessionsMs = ms();
      const aDown = last.adjacencies.filter((a) => !isAdjacencyUp(a.state));
      if (aDown.length) {
        const fresh = await observeAdjacencies(runtime, lab.name, aDown);
        fresh.forEach((f, i) => Object.assign(aDown[i]!, { state: f.state }));
      }
      if (out.adjacenciesMs === undefined && last.adjacencies.every((a) => isAdjacencyUp(a.state))) out.adjacenciesMs = ms();
      // loopbacks are reachable only once routing converged: ping when sessions and adjacencies are up
      if (out.sessionsMs !== undefined && out.adjacenciesMs !== undefined) {
        const rDown = last.reach.filter((x) => !x.ok);
        if (rDown.length) {
          const fresh = await observeReach(runtime, lab.name, rDown);
          fresh.forEach((f, i) => Object.assign(rDown[i]!, { ok: f.ok }));
        }
        if (out.reachMs === undefined && last.reach.every((x) => x.ok)) out.reachMs = ms();
      }
      if (out.reachMs !== undefined) {
        const fp = await routeFingerprints(runtime, lab);
        if (fp !== stable.fp) Object.assign(stable, { fp, since: ms() });
        else if (ms() - stable.since >= stableWindowMs(lab)) out.stableMs = stable.since;
      }
      return out.stableMs !== undefined;
    },
    (done) => done,
    { timeoutMs, intervalMs: o.intervalMs ?? 250, ...(o.signal ? { signal: o.signal } : {}) },
  );
  return { ok: r.ok, elapsedMs: ms(), ...out };
}

/** One line per thing still not up: `node: neighbour X (frr.conf:N): Active`. */
export function stuckLines(obs: ForeignObservation): string[] {
  return [
    ...obs.sessions.filter((s) => s.state !== ESTABLISHED).map((s) => `${s.node}: BGP neighbour ${s.peer}${s.peerNode ? ` (${s.peerNode})` : ''} ${s.state}   [${s.where}]`),
    ...obs.adjacencies.filter((a) => !isAdjacencyUp(a.state)).map((a) => `${a.node}: OSPF${a.version === 3 ? 'v3' : ''} adjacency on ${a.ifname} with ${a.peerNode} (area ${a.area}) ${a.state}   [${a.where}]`),
    ...obs.reach.filter((r) => !r.ok).map((r) => `${r.from}: no ping reply from ${r.to} (${r.address})`),
  ];
}

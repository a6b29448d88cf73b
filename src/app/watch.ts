/**
 * `bgplab watch`: a running lab polled into events. Each round reads every node's BGP
 * summary (sessions, prefix counts); route tables (the expensive part: ~150 KB of JSON a
 * node on a 100-node lab) only while the fabric is unsettled and every ROUTES_EVERY_MS
 * otherwise. The fault record (a small file) is read every tick, so a fault or a heal is
 * seen within TICK_MS. After each fault or heal (or a change nobody announced), the
 * fabric is "settled" once nothing changed for QUIET_MS; the settle time reported is from
 * the event to the last change seen, at the resolution of the fast poll (TICK_MS).
 */
import { activeFaults, describeFault, faultKey, type Fault } from '../faults/index.js';
import { isSessionUp, neighborReset, resetText } from '../frr/bgp.js';
import { holdSeconds, type Lab } from '../lab/model.js';
import { observeNode, showJson, type NodeObservation, type SessionObservation } from '../observe/sessions.js';
import type { Runtime } from '../runtime/runtime.js';
import { errorText, isBgplabError } from '../util/errors.js';
import { mapLimit, sleep } from '../util/pool.js';

/** fast tick: fault record always, nodes while unsettled (200 ms: the waiter's poll period) */
export const TICK_MS = 200;
/** nodes' sessions when settled: once a second */
export const SLOW_POLL_MS = 1000;
export const ROUTES_EVERY_MS = 10_000;
/** settled = no change for this long (3 s: longer than BGP's 0 s ebgp advertisement interval plus FRR's ~1 s update-delay batching seen here) */
export const QUIET_MS = 3000;

export type WatchEvent =
  | { t: number; type: 'start'; lab: string; nodes: number; sessions: number }
  | { t: number; type: 'session-down' | 'session-up'; node: string; ifname: string; peer: string; from: string; to: string; reason?: string }
  | { t: number; type: 'prefixes'; node: string; ifname: string; peer: string; from: number; to: number }
  | { t: number; type: 'routes'; node: string; from: number; to: number }
  | { t: number; type: 'fault' | 'heal'; fault: Fault; text: string }
  | { t: number; type: 'node-error'; node: string; error: string }
  | { t: number; type: 'settled'; after: string; afterMs: number; converged: boolean; down: number; missing: number };

export interface WatchView {
  t: number;
  nodes: NodeObservation[];
  /** installed routes per node, from the last route-table read */
  routes: Map<string, number>;
  faults: Fault[];
  /** an unsettled fabric: what it is settling after, since when */
  settling?: { after: string; since: number };
}

export interface WatchOptions {
  signal?: AbortSignal;
  /** stop after this long (tests, measurements); default: until the signal */
  durationMs?: number;
  onEvent?: (e: WatchEvent) => void;
  onView?: (v: WatchView) => void;
  concurrency?: number;
}

const key = (s: { node: string; ifname: string }) => `${s.node}:${s.ifname}`;
const fkey = (f: Fault) => `${faultKey(f)}@${f.since}`;

/** Why a session on a node went down, in FRR's words (show bgp neighbors IF json), or undefined. */
async function downReason(runtime: Runtime, lab: string, s: SessionObservation): Promise<string | undefined> {
  try {
    return resetText(neighborReset(await showJson(runtime, lab, s.node, `show bgp neighbors ${s.ifname} json`), s.ifname));
  } catch (e) {
    return isBgplabError(e, 'E_DAEMON_DOWN') ? `${e.data['daemon']} not running` : errorText(e);
  }
}

/** Watch until the signal (or durationMs); resolves with the number of events. Never throws on a node that does not answer. */
export async function watchLab(runtime: Runtime, lab: Lab, o: WatchOptions = {}): Promise<number> {
  const t0 = Date.now();
  let count = 0;
  const emit = (e: WatchEvent) => {
    count++;
    o.onEvent?.(e);
  };
  const sessions = new Map<string, SessionObservation>();
  const routes = new Map<string, number>();
  const nodeErr = new Map<string, string>();
  let latest: NodeObservation[] = [];
  let faults = new Map<string, Fault>();
  let settling: { after: string; since: number } | undefined;
  let lastChange = 0;
  let lastPoll = 0;
  let lastRoutes = 0;
  emit({ t: t0, type: 'start', lab: lab.name, nodes: lab.nodes.length, sessions: lab.sessions.length });
  const unsettle = (after: string, t: number) => {
    settling ??= { after, since: t };
    lastChange = t;
  };
  let first = true;
  while (!o.signal?.aborted && (o.durationMs === undefined || Date.now() - t0 < o.durationMs)) {
    const tick = Date.now();
    const now = new Map((await activeFaults(lab.name)).map((f) => [fkey(f), f]));
    for (const [k, f] of now) {
      if (faults.has(k) || first) continue;
      emit({ t: tick, type: 'fault', fault: f, text: describeFault(f) });
      unsettle(`fault ${describeFault(f)}`, Date.parse(f.since) || tick);
    }
    for (const [k, f] of faults) {
      if (now.has(k)) continue;
      emit({ t: tick, type: 'heal', fault: f, text: describeFault(f) });
      settling = { after: `heal ${describeFault(f)}`, since: tick };
      lastChange = tick;
    }
    faults = now;
    if (first || settling || tick - lastPoll >= SLOW_POLL_MS) {
      lastPoll = tick;
      const withRoutes = first || !!settling || tick - lastRoutes >= ROUTES_EVERY_MS;
      if (withRoutes) lastRoutes = tick;
      latest = await mapLimit(lab.nodes, o.concurrency ?? 16, (n) => observeNode(runtime, lab, n.name, { routes: withRoutes }));
      const t = Date.now();
      for (const obs of latest) {
        if (obs.error && nodeErr.get(obs.node) !== obs.error && !first) emit({ t, type: 'node-error', node: obs.node, error: obs.error });
        if (obs.error) nodeErr.set(obs.node, obs.error);
        else nodeErr.delete(obs.node);
        if (obs.routeCount !== undefined) {
          const was = routes.get(obs.node);
          if (was !== undefined && was !== obs.routeCount) {
            emit({ t, type: 'routes', node: obs.node, from: was, to: obs.routeCount });
            unsettle('a route change', t);
          }
          routes.set(obs.node, obs.routeCount);
        }
        for (const s of obs.sessions) {
          const was = sessions.get(key(s));
          sessions.set(key(s), s);
          if (!was) continue;
          if (isSessionUp(was.state) !== isSessionUp(s.state)) {
            const up = isSessionUp(s.state);
            const reason = up ? undefined : await downReason(runtime, lab.name, s);
            emit({ t, type: up ? 'session-up' : 'session-down', node: s.node, ifname: s.ifname, peer: s.peer, from: was.state, to: s.state, ...(reason ? { reason } : {}) });
            unsettle(`session ${key(s)} ${up ? 'up' : 'down'}`, t);
          } else if (was.pfxRcd !== undefined && s.pfxRcd !== undefined && was.pfxRcd !== s.pfxRcd) {
            emit({ t, type: 'prefixes', node: s.node, ifname: s.ifname, peer: s.peer, from: was.pfxRcd, to: s.pfxRcd });
            unsettle('a prefix-count change', t);
          }
        }
      }
    }
    first = false;
    // nothing changed yet since the event: a cut without BFD is seen only when the hold timer expires
    const quiet = settling && lastChange === settling.since ? Math.max(QUIET_MS, holdSeconds(lab) * 1000 + 1000) : QUIET_MS;
    if (settling && Date.now() - lastChange >= quiet) {
      const down = latest.flatMap((n) => n.sessions).filter((s) => !isSessionUp(s.state)).length;
      const missing = latest.reduce((n, x) => n + x.missingRoutes.length, 0);
      emit({ t: Date.now(), type: 'settled', after: settling.after, afterMs: Math.max(0, lastChange - settling.since), converged: down === 0 && missing === 0, down, missing });
      settling = undefined;
    }
    o.onView?.({ t: Date.now(), nodes: latest, routes, faults: [...faults.values()], ...(settling ? { settling } : {}) });
    try {
      await sleep(Math.max(0, TICK_MS - (Date.now() - tick)), o.signal);
    } catch {
      break;
    }
  }
  return count;
}

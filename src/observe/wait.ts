/**
 * Waiting for a lab to converge, judged against the model: every expected session
 * Established (frr/bgp.ts), and every node holding a selected, installed route to every
 * other node's loopback that the model predicts it can reach.
 *
 * One vtysh call per node per poll round (`show bgp summary json` + `show ip route json`),
 * and only nodes that are not yet done are polled again, so a round over a converged
 * 400-node lab costs nothing. Works on any Runtime. Used by bring-up, heal and the checks.
 */
import { isSessionUp } from '../frr/bgp.js';
import type { ExpectedSession, Lab } from '../lab/model.js';
import type { Runtime } from '../runtime/runtime.js';
import { mapLimit, pollUntil } from '../util/pool.js';
import { expectedRoutes, observeNode, observeSessions, type MissingRoute, type NodeObservation, type SessionObservation } from './sessions.js';

const sessionsDone = (o: NodeObservation | undefined) => !!o && o.sessions.every((s) => isSessionUp(s.state));
const routesDone = (o: NodeObservation | undefined) => sessionsDone(o) && o!.missingRoutes.length === 0;

export type WaitGoal = 'sessions' | 'routes';

export interface WaitProgress {
  elapsedMs: number;
  established: number;
  sessions: number;
  /** nodes with every loopback route */
  routedNodes: number;
  nodes: number;
}

export interface WaitResult {
  ok: boolean;
  goal: WaitGoal;
  /** since the waiter was created */
  elapsedMs: number;
  /** when every expected session was first seen Established */
  sessionsMs?: number;
  /** when every node first held every loopback route */
  routesMs?: number;
  /** latest observation of every node */
  nodes: NodeObservation[];
  /** expected sessions not Established at the end */
  down: SessionObservation[];
  missing: MissingRoute[];
  rounds: number;
}

export interface WaitOptions {
  /** poll period, ms (default 200) */
  intervalMs?: number;
  /** concurrent vtysh calls (default 16) */
  concurrency?: number;
  onProgress?: (p: WaitProgress) => void;
  signal?: AbortSignal;
}

/**
 * Polls a lab towards a goal. Create it right after deploy (or a heal), then
 * `until('sessions')` and `until('routes')`: the second call reuses what the first
 * learned, and times are measured from creation.
 */
export class LabWaiter {
  private readonly start = performance.now();
  private readonly latest = new Map<string, NodeObservation>();
  private sessionsMs?: number;
  private routesMs?: number;
  private rounds = 0;

  constructor(
    private readonly runtime: Runtime,
    private readonly lab: Lab,
    private readonly opts: WaitOptions = {},
  ) {}

  private elapsed(): number {
    return Math.round(performance.now() - this.start);
  }

  private progress(): WaitProgress {
    const obs = [...this.latest.values()];
    return {
      elapsedMs: this.elapsed(),
      established: obs.reduce((n, o) => n + o.sessions.filter((s) => isSessionUp(s.state)).length, 0),
      sessions: this.lab.sessions.length,
      routedNodes: obs.filter(routesDone).length,
      nodes: this.lab.nodes.length,
    };
  }

  private result(goal: WaitGoal, ok: boolean): WaitResult {
    const nodes = this.lab.nodes.map(
      (n) => this.latest.get(n.name) ?? { node: n.name, error: 'not polled', sessions: [], missingRoutes: expectedRoutes(this.lab, n.name) },
    );
    return {
      ok,
      goal,
      elapsedMs: this.elapsed(),
      ...(this.sessionsMs !== undefined ? { sessionsMs: this.sessionsMs } : {}),
      ...(this.routesMs !== undefined ? { routesMs: this.routesMs } : {}),
      nodes,
      down: nodes.flatMap((o) => o.sessions.filter((s) => !isSessionUp(s.state))),
      missing: nodes.flatMap((o) => o.missingRoutes),
      rounds: this.rounds,
    };
  }

  /**
   * Poll every node once more (converged nodes are not re-polled while waiting, so their
   * uptimes and prefix counts are from when they converged): fresh data for a table.
   */
  async refresh(goal: WaitGoal = 'routes'): Promise<WaitResult> {
    const obs = await mapLimit(
      this.lab.nodes.map((n) => n.name),
      this.opts.concurrency ?? 16,
      (n) => observeNode(this.runtime, this.lab, n),
    );
    for (const o of obs) this.latest.set(o.node, o);
    return this.result(goal, obs.every(goal === 'sessions' ? sessionsDone : routesDone));
  }

  /** Poll until the goal is met (ok) or timeoutMs passes (not ok). Never throws on timeout; E_INTERRUPTED on the signal. */
  async until(goal: WaitGoal, timeoutMs: number): Promise<WaitResult> {
    const done = goal === 'sessions' ? sessionsDone : routesDone;
    const all = () => this.lab.nodes.map((n) => this.latest.get(n.name));
    const r = await pollUntil(
      async () => {
        const todo = this.lab.nodes.map((n) => n.name).filter((n) => !done(this.latest.get(n)));
        if (todo.length) {
          this.rounds++;
          // the route table only for nodes whose sessions were up at the last look
          const obs = await mapLimit(todo, this.opts.concurrency ?? 16, (n) =>
            observeNode(this.runtime, this.lab, n, { routes: goal === 'routes' && sessionsDone(this.latest.get(n)) }),
          );
          for (const o of obs) this.latest.set(o.node, o);
        }
        if (this.sessionsMs === undefined && all().every(sessionsDone)) this.sessionsMs = this.elapsed();
        if (this.routesMs === undefined && all().every(routesDone)) this.routesMs = this.elapsed();
        this.opts.onProgress?.(this.progress());
        return all().every(done);
      },
      (ok) => ok,
      { timeoutMs, intervalMs: this.opts.intervalMs, signal: this.opts.signal },
    );
    return this.result(goal, r.ok);
  }
}

/** Wait for sessions, then routes; one result with both times. */
export async function waitForLab(runtime: Runtime, lab: Lab, timeoutMs: number, opts: WaitOptions = {}): Promise<WaitResult> {
  const w = new LabWaiter(runtime, lab, opts);
  const deadline = performance.now() + timeoutMs;
  const s = await w.until('sessions', timeoutMs);
  if (!s.ok) return s;
  return w.until('routes', Math.max(0, deadline - performance.now()));
}

/**
 * Wait until some sessions are all up (`up: true`) or all down (`up: false`): failover
 * watches the sessions a fault carries. Resolves with the time it took, or ok: false.
 */
export async function waitSessionsState(
  runtime: Runtime,
  lab: Lab,
  sessions: readonly ExpectedSession[],
  up: boolean,
  o: { timeoutMs: number; intervalMs?: number; signal?: AbortSignal },
): Promise<{ ok: boolean; elapsedMs: number; last: SessionObservation[] }> {
  const r = await pollUntil(
    () => observeSessions(runtime, lab, sessions),
    (obs) => obs.length === sessions.length && obs.every((s) => isSessionUp(s.state) === up),
    { timeoutMs: o.timeoutMs, intervalMs: o.intervalMs ?? 100, signal: o.signal },
  );
  return { ok: r.ok, elapsedMs: r.elapsedMs, last: r.value };
}

/**
 * What a check needs to hold before it can judge anything: checks that break things
 * (transit stress, failover) need a healthy fabric, and path checks (traceroute, transit
 * data plane) need right routes along the paths they trace. A check whose precondition
 * fails says so and skips what it cannot judge, instead of waiting out its timeouts
 * (a wrong ASN on one session made `bgplab check` take 89 s, 66 of them in the transit
 * stress waiting for sessions that were never up) and reporting the old fault as its own.
 */
import type { FabricPrediction } from '../lab/paths.js';
import { pollUntil } from '../util/pool.js';
import { evaluateRoutes } from './routes.js';
import { evaluateSessions } from './sessions.js';
import type { CheckContext, CheckResult } from './types.js';

/** One reading of the fabric's health: the session and route results (read at once). */
export interface HealthReading {
  sessions: CheckResult[];
  routes: CheckResult[];
}

export async function readHealth(ctx: CheckContext, prediction: FabricPrediction): Promise<HealthReading> {
  const [sessions, routes] = await Promise.all([evaluateSessions(ctx, prediction), evaluateRoutes(ctx)]);
  return { sessions, routes };
}

/**
 * Failing session and route results: empty when the fabric is healthy. From `reading` when
 * the caller has one of the same state (transit reads once for its data plane and its
 * stress: nothing changes in between), else read now.
 */
export async function unhealthy(ctx: CheckContext, prediction: FabricPrediction, what: { routes?: boolean; reading?: HealthReading } = {}): Promise<CheckResult[]> {
  const r = what.reading ?? (what.routes === false ? { sessions: await evaluateSessions(ctx, prediction), routes: [] } : await readHealth(ctx, prediction));
  const sessions = r.sessions.filter((x) => x.status === 'fail');
  if (sessions.length || what.routes === false) return sessions;
  return r.routes.filter((x) => x.status === 'fail');
}

/**
 * unhealthy(), with a grace for a fabric still settling: while every session is up but some
 * routes are missing, read again (every 0.5 s, `graceMs` at most) before calling it broken.
 * Seen in CI at load ~5: a BFD lab right after bring-up had 2 routes missing for a moment
 * and its failover was skipped. A session down (a wrong ASN, a dead daemon) is not waited
 * for, so a broken fabric still fails fast.
 */
export async function unhealthySettled(ctx: CheckContext, prediction: FabricPrediction, graceMs = 3000): Promise<CheckResult[]> {
  const r = await pollUntil(
    () => unhealthy(ctx, prediction),
    (f) => f.length === 0 || f.some((x) => x.check === 'sessions'),
    { timeoutMs: graceMs, intervalMs: 500, signal: ctx.signal },
  );
  return r.value;
}

/** One line for a skipped result: why it was not run. */
export function notHealthy(failing: readonly CheckResult[], before: string): string {
  const f = failing[0]!;
  return `not run: the fabric is not healthy before ${before} (${failing.length} ${f.check} check(s) failing, e.g. ${f.name})`;
}

/**
 * For a pair of nodes, a route on a predicted path towards the destination's loopback that
 * BGP does not provide at all (no BGP next hop selected: missing, or overridden by another
 * route): tracing that pair would only show the routes check's fault again, ~1 s per
 * silent hop and flow. A route with fewer ECMP members than predicted does not block:
 * the traceroute then shows which path is missing, which is its job.
 */
export async function routeBlockers(ctx: CheckContext, prediction: FabricPrediction, reading?: HealthReading): Promise<(from: string, to: string) => CheckResult | undefined> {
  const wrong = (reading?.routes ?? (await evaluateRoutes(ctx))).filter(
    (r) => r.status === 'fail' && r.subject?.prefix && r.measured?.['frr'] === 0 && r.measured?.['expected'] !== 'none',
  );
  return (from, to) => {
    const dst = ctx.lab.nodes.find((n) => n.name === to);
    if (!dst || !wrong.length) return undefined;
    const onPaths = new Set(prediction.paths(from, to).flatMap((p) => p.slice(0, -1)));
    return wrong.find((r) => r.subject!.prefix === `${dst.loopback}/32` && onPaths.has(r.subject!.nodes[0]!));
  };
}

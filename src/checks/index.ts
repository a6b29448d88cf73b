/**
 * The ordered check registry: cheap, state-reading checks first; the ones that break
 * things on purpose (transit stress, failover) last, each restoring what it broke.
 */
import { routesCheck } from './routes.js';
import { sessionsCheck } from './sessions.js';
import { tracerouteCheck } from './traceroute.js';
import { transitCheck } from './transit.js';
import type { Check } from './types.js';
import { failoverCheck } from './failover.js';

export const CHECKS: readonly Check[] = [
  sessionsCheck,
  routesCheck,
  tracerouteCheck,
  transitCheck,
  failoverCheck,
];

export const CHECK_IDS = CHECKS.map((c) => c.id);

export { runChecks, selectChecks, type RunReport, type CheckRun } from './runner.js';

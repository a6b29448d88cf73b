import type { Lab } from '../lab/model.js';
import type { Runtime } from '../runtime/runtime.js';

/** Everything a check may use: the model (expectations) and the runtime (the live lab). */
export interface CheckContext {
  lab: Lab;
  runtime: Runtime;
  /** Progress lines (e.g. "failover spine1: link down, probing"); silent in tests */
  log?: (msg: string) => void;
  /**
   * Fires on Ctrl-C / SIGTERM: a check stops waiting at once, restores every fault it
   * injected (src/faults) and returns; the runner then runs no further check.
   */
  signal?: AbortSignal;
}

export type CheckStatus = 'pass' | 'fail' | 'skip';

/** One result row: e.g. check "sessions", name "leaf1:eth3 ↔ server1:eth1". */
export interface CheckResult {
  check: string;
  name: string;
  status: CheckStatus;
  /** One line: what was found. On failure it names the node and link at fault. */
  message: string;
  /** Measured numbers (outage ms, paths seen, next hops...), shown in the table and JSON */
  measured?: Record<string, number | string | string[]>;
  /**
   * What the result is about, as data (never parsed from name or message): the nodes
   * concerned, the one at fault first when known; the link (`a:if--b:if`) or prefix.
   * Preconditions and the root-cause grouping (diagnose.ts) read it.
   */
  subject?: { nodes: string[]; link?: string; prefix?: string };
  durationMs: number;
}

export interface Check {
  /** Stable id used by --only: sessions, routes, traceroute, transit, failover */
  id: string;
  description: string;
  run(ctx: CheckContext): Promise<CheckResult[]>;
}

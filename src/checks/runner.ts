/**
 * Runs checks in order, times them and collects every result into one report. A check
 * that throws does not stop the run: it becomes a failed result (the report, and `bgplab
 * test`'s teardown, must still happen). A check that returns nothing is a failure too: a
 * check that cannot fail is a defect.
 */
import { BgplabError, errorText, isBgplabError } from '../util/errors.js';
import { prefixesOf } from '../lab/paths.js';
import type { Lab } from '../lab/model.js';
import { diagnose, type Cause } from './diagnose.js';
import type { Check, CheckContext, CheckResult } from './types.js';

export interface CheckRun {
  id: string;
  description: string;
  results: CheckResult[];
  durationMs: number;
}

export interface RunReport {
  lab: string;
  runtime: string;
  startedAt: string;
  durationMs: number;
  checks: CheckRun[];
  counts: { pass: number; fail: number; skip: number };
  /** true only when nothing failed (skips allowed) */
  passed: boolean;
  /** the run was stopped by ctx.signal (Ctrl-C): the checks after the interrupted one did not run */
  interrupted?: boolean;
  /** the failures' root causes, each with the knock-on failures it explains (diagnose.ts) */
  causes?: Cause[];
}

/** prefix → the nodes that originate it (loopbacks and announced prefixes, both families). */
function prefixOwners(lab: Lab): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const n of lab.nodes ?? []) for (const f of ['ipv4', 'ipv6'] as const) for (const p of prefixesOf(n, f)) m.set(p, [...(m.get(p) ?? []), n.name]);
  return m;
}

/** Validate `--only` ids against the registry (all unknown ids reported at once). */
export function selectChecks(all: readonly Check[], only?: readonly string[]): Check[] {
  if (!only || only.length === 0) return [...all];
  const ids = all.map((c) => c.id);
  const unknown = only.filter((id) => !ids.includes(id));
  if (unknown.length > 0) {
    throw new BgplabError('E_UNKNOWN_CHECK', `unknown check${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`, {
      hint: `choose from: ${ids.join(', ')}`,
    });
  }
  return all.filter((c) => only.includes(c.id));
}

export async function runChecks(
  ctx: CheckContext,
  checks: readonly Check[],
  opts: { onCheck?: (run: CheckRun) => void } = {},
): Promise<RunReport> {
  const started = Date.now();
  const runs: CheckRun[] = [];
  let interrupted = false;
  for (const check of checks) {
    if (ctx.signal?.aborted) {
      interrupted = true;
      break;
    }
    const t0 = Date.now();
    ctx.log?.(`${check.id}: ${check.description}`);
    let results: CheckResult[];
    try {
      results = await check.run(ctx);
      if (results.length === 0) {
        results = [
          { check: check.id, name: check.id, status: 'fail', message: 'the check produced no results (nothing was verified)', durationMs: Date.now() - t0 },
        ];
      }
    } catch (e) {
      if (isBgplabError(e, 'E_INTERRUPTED')) interrupted = true;
      const msg = isBgplabError(e) ? errorText(e) : `internal error (a bug): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
      results = [{ check: check.id, name: check.id, status: 'fail', message: `check aborted: ${msg}`, durationMs: Date.now() - t0 }];
    }
    const run: CheckRun = { id: check.id, description: check.description, results, durationMs: Date.now() - t0 };
    runs.push(run);
    opts.onCheck?.(run);
  }
  return runReport(ctx.lab, ctx.runtime.kind, started, runs, interrupted);
}

/** The report of check runs that started at `started` (ms): counts, verdict, root causes. */
export function runReport(lab: Lab, runtime: string, started: number, runs: CheckRun[], interrupted: boolean): RunReport {
  const all = runs.flatMap((r) => r.results);
  const counts = {
    pass: all.filter((r) => r.status === 'pass').length,
    fail: all.filter((r) => r.status === 'fail').length,
    skip: all.filter((r) => r.status === 'skip').length,
  };
  return {
    lab: lab.name,
    runtime,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    checks: runs,
    counts,
    passed: counts.fail === 0 && !interrupted,
    causes: diagnose(runs, prefixOwners(lab)),
    ...(interrupted ? { interrupted } : {}),
  };
}

/** Time one result-producing step (helper for checks). */
export async function timed(
  check: string,
  name: string,
  fn: () => Promise<Omit<CheckResult, 'check' | 'name' | 'durationMs'>>,
): Promise<CheckResult> {
  const t0 = Date.now();
  try {
    const r = await fn();
    return { check, name, ...r, durationMs: Date.now() - t0 };
  } catch (e) {
    if (isBgplabError(e, 'E_INTERRUPTED')) throw e;
    return { check, name, status: 'fail', message: `error: ${errorText(e)}`, durationMs: Date.now() - t0 };
  }
}

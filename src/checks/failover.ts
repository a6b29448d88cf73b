/**
 * failover: break one element of the fabric (src/faults) while a continuous multi-flow
 * probe runs between two loopbacks, measure how long the flows that crossed the element
 * were cut off, check that the paths moved off it, restore it, and check that the
 * sessions and paths came back. Only ctx.lab and ctx.runtime are used, so it runs on
 * every runtime. What a scenario breaks and expects, and the default thresholds with
 * their reasoning: failover-plan.ts. What the measurements say (the fault, the ports, the
 * outages by phase, the paths back): failover-judge.ts. An interrupted scenario
 * (ctx.signal) restores its fault before returning.
 */
import { classifyReset, neighborReset } from '../frr/bgp.js';
import { injectFault, healFault, type Fault } from '../faults/index.js';
import type { FailoverScenario } from '../lab/model.js';
import { derivationScope, notDerivedText } from '../lab/derive.js';
import { predictFabric, type FabricPrediction } from '../lab/paths.js';
import { showJson } from '../observe/sessions.js';
import { waitSessionsState } from '../observe/wait.js';
import { isBgplabError } from '../util/errors.js';
import { allSettledOrThrow, mapLimit, sleep } from '../util/pool.js';
export { defaultScenarios } from './failover-plan.js';
export { judgePathsBack, scenarioFault, scenarioPorts, splitOutages, type PathsBackVerdict, type PhaseTimes, type ScenarioMeasurement, type TracedFlow } from './failover-judge.js';
import {
  affectedSessions,
  choosePair,
  defaultMaxOutageMs,
  defaultScenarios,
  describeElement,
  detectionBoundMs,
  expectedDetection,
  pathCrosses,
  planScenarios,
  resolveElement,
  type Element,
  type PlannedScenario,
  type ProbePair,
} from './failover-plan.js';
import {
  fmtMs,
  judgePathsBack,
  judgeProbe,
  orderMeasured,
  pathSet,
  scenarioFault,
  scenarioPorts,
  scenarioUnderived,
  type PathsBackVerdict,
  type PhaseTimes,
  type TracedFlow,
} from './failover-judge.js';
import { nowUs, startProbe, type ProbeEnd, type ProbeResult } from './probe.js';
import { AddressBook, pathKey, traceFlowSettled } from './trace.js';
import { notHealthy, unhealthySettled } from './preconditions.js';
import type { Check, CheckContext, CheckResult } from './types.js';

// ---------------------------------------------------------------------------
// tunables

export interface FailoverOptions {
  /** flows per direction (distinct UDP source ports) */
  flows: number;
  /** per-flow send interval, ms (the outage resolution) */
  intervalMs: number;
  /** probe running before the event, ms */
  warmupMs: number;
  /** probe running after the failure was detected (or the sessions came back), ms */
  settleMs: number;
  /** how long to wait for the sessions to re-establish after a restore, ms */
  sessionTimeoutMs: number;
  /** how long to wait for the paths to come back after the sessions did, ms */
  pathTimeoutMs: number;
  /** traceroutes in flight at once */
  traceConcurrency: number;
  /** run a scenario detected by the hold timer alongside the scenarios disjoint from it */
  concurrent: boolean;
}

export const DEFAULT_FAILOVER_OPTIONS: FailoverOptions = {
  flows: 16,
  intervalMs: 5,
  // warm-up: the probe programs (python3 through the runtime's exec) must be sending before
  // the event; 0.5 s was too short on a loaded machine ("the probe started after the failure
  // was injected", seen once in the live suite), 0.8 s is what it was.
  warmupMs: 800,
  // after detection the reroute takes < 150 ms (link-down 0-80 ms, node-down 74 ms
  // measured on the default lab): 1 s keeps a margin and spends 4 scenarios x 2 events x
  // 0.5 s less waiting than 1.5 s did ("flows had not recovered when the probe stopped"
  // guards it)
  settleMs: 1000,
  sessionTimeoutMs: 60_000,
  pathTimeoutMs: 15_000,
  traceConcurrency: 8,
  concurrent: true,
};


// ---------------------------------------------------------------------------
// per-flow paths

async function traceAll(
  ctx: CheckContext,
  pair: ProbePair,
  port: number,
  sportBase: number,
  opts: FailoverOptions,
  dirs: readonly (0 | 1)[] = [0, 1],
): Promise<TracedFlow[]> {
  const items: { dir: 0 | 1; flow: number }[] = [];
  for (const dir of dirs) for (let f = 0; f < opts.flows; f++) items.push({ dir, flow: f });
  const maxTtl = Math.max(...pair.predicted.ab.map((p) => p.length), ...pair.predicted.ba.map((p) => p.length), 2) + 3;
  const book = new AddressBook(ctx);
  return mapLimit(items, opts.traceConcurrency, async ({ dir, flow }) => {
    const [src, dst] = dir === 0 ? [pair.a, pair.b] : [pair.b, pair.a];
    // the probe's very 5-tuple, so every router hashes the trace like the probe's datagrams
    const t = await traceFlowSettled(ctx, book, { from: src.name, src: src.loopback, dst: dst.loopback, sport: sportBase + flow, dport: port, maxTtl }, 3, 300);
    return { sport: t.sport, path: t.path, complete: t.complete, dir, flow };
  });
}

/**
 * Poll until the paths came back (judgePathsBack) or opts.pathTimeoutMs passed. Traces
 * flows on `port` from source port sportBase + flows on (the probe, still running, holds
 * sportBase..+flows), looking with more source ports where no flow crosses the element yet.
 */
async function awaitPathsBack(
  ctx: CheckContext,
  pair: ProbePair,
  e: Element,
  before: readonly TracedFlow[],
  port: number,
  sportBase: number,
  opts: FailoverOptions,
): Promise<PathsBackVerdict & { pathsAfter: number }> {
  const predicted = new Set([...pair.predicted.ab, ...pair.predicted.ba].map(pathKey));
  const until = Date.now() + opts.pathTimeoutMs;
  for (;;) {
    let after = await traceAll(ctx, pair, port, sportBase + opts.flows, opts);
    let verdict = judgePathsBack(e, before, after, predicted);
    // the flows that used to cross may hash elsewhere now: look with more source ports
    for (let extra = 2; extra <= 3 && verdict.uncrossedDirs.length > 0; extra++) {
      after = [...after, ...(await traceAll(ctx, pair, port, sportBase + extra * opts.flows, opts, verdict.uncrossedDirs))];
      verdict = judgePathsBack(e, before, after, predicted);
    }
    if (verdict.ok || Date.now() >= until) return { ...verdict, pathsAfter: pathSet(after).size };
    await sleep(PATHS_BACK_POLL_MS, ctx.signal);
  }
}

// ---------------------------------------------------------------------------
// the scenario

/** Reset reasons of the sessions, classified ("leaf1:eth1=bfd (BFD down received)"). */
async function resetReasons(ctx: CheckContext, sessions: readonly { node: string; ifname: string }[]): Promise<string[]> {
  const out: string[] = [];
  await Promise.all(
    sessions.map(async (s) => {
      try {
        const v = neighborReset(await showJson(ctx.runtime, ctx.lab.name, s.node, `show bgp neighbors ${s.ifname} json`), s.ifname);
        if (v?.lastResetDueTo) out.push(`${s.node}:${s.ifname}=${classifyReset(v.lastResetDueTo, v.lastNotificationReason ?? '')} (${v.lastResetDueTo}${v.lastNotificationReason ? `: ${v.lastNotificationReason}` : ''})`);
      } catch {
        // the node whose routing is stopped cannot answer
      }
    }),
  );
  return out.sort();
}

/** After detection (or the sessions' return) the reroute takes < 150 ms on the default lab: trace from 300 ms on. */
const TRACE_AFTER_EVENT_MS = 300;
/** Paths not back yet: trace again this much later (1 s before; routes follow the sessions within ms). */
const PATHS_BACK_POLL_MS = 500;

/** `plannedPair`: the probe pair planned for running alongside others; `slot`: its lane (distinct ports). */
export async function runScenario(ctx: CheckContext, s: FailoverScenario, pred: FabricPrediction, opts: FailoverOptions, plannedPair?: ProbePair, slot = 0): Promise<CheckResult> {
  const t0 = Date.now();
  const { lab, runtime } = ctx;
  const log = (m: string) => ctx.log?.(`failover ${s.name}: ${m}`);
  // where the scenario's time goes, one progress line at the end (make bench reads the totals)
  const phases: string[] = [];
  let phaseT = Date.now();
  const phase = (what: string) => {
    phases.push(`${what} ${((Date.now() - phaseT) / 1000).toFixed(2)}`);
    phaseT = Date.now();
  };
  const subject = { nodes: s.target.split(':')[0] ? [s.target.split(':')[0]!] : [] };
  const result = (status: CheckResult['status'], message: string, measured?: CheckResult['measured']): CheckResult => ({
    check: 'failover',
    name: s.name,
    status,
    message,
    measured,
    subject,
    durationMs: Date.now() - t0,
  });

  let e: Element;
  try {
    e = resolveElement(lab, s);
  } catch (err) {
    if (isBgplabError(err)) return result('fail', err.message);
    throw err;
  }
  const what = describeElement(e);
  const elementName = e.kind === 'link' ? `link ${what}` : `node ${what}`;
  const threshold = s.maxOutageMs ?? defaultMaxOutageMs(lab, s.kind, e);
  const detection = expectedDetection(lab, s.kind, e);
  const pair = plannedPair ?? choosePair(lab, pred, e);
  if (!pair) {
    return result('fail', `no two nodes have a path around ${elementName}: its failure cannot be survived (a single point of failure)`);
  }
  const sessions = affectedSessions(lab, e);
  const a: ProbeEnd = { node: pair.a.name, address: pair.a.loopback };
  const b: ProbeEnd = { node: pair.b.name, address: pair.b.loopback };

  // 1. paths before: which flows cross the element (retry with other source ports if none)
  let port = 0;
  let sportBase = 0;
  let tracePort = 0;
  let before: TracedFlow[] = [];
  let crossing: TracedFlow[] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    ({ port, sportBase, tracePort } = scenarioPorts(slot, opts.flows));
    log(`tracing ${opts.flows * 2} flows ${pair.a.name} ↔ ${pair.b.name}`);
    before = await traceAll(ctx, pair, port, sportBase, opts);
    const incomplete = before.filter((f) => !f.complete);
    if (incomplete.length > 0) {
      const f = incomplete[0]!;
      return result('fail', `before ${s.kind}: ${incomplete.length} of ${before.length} flows do not reach their destination (e.g. ${pathKey(f.path)}, UDP source port ${f.sport}); the fabric is not healthy`);
    }
    crossing = before.filter((f) => pathCrosses(f.path, e));
    phase('trace');
    if (crossing.length > 0) break;
  }
  if (crossing.length === 0) {
    return result('fail', `none of ${before.length} probe flows ${pair.a.name} ↔ ${pair.b.name} crosses ${elementName} (paths: ${[...pathSet(before)].join(' | ')}), though the model predicts ${pair.predicted.crossAB + pair.predicted.crossBA} crossing paths`);
  }
  const crossingIds = new Set(crossing.map((f) => `${f.dir}:${f.flow}`));
  const beforeSet = pathSet(before);

  const detectBound = detectionBoundMs(lab, s.kind, e);
  const probeOpts = { flows: opts.flows, intervalMs: opts.intervalMs, port, sportBase };
  const measured: Record<string, number | string | string[]> = {
    thresholdMs: threshold,
    detection,
    probe: `${pair.a.name} ↔ ${pair.b.name}`,
    flows: opts.flows * 2,
    flowsCrossed: crossing.length,
  };
  const problems: string[] = [];
  let fault: Fault | undefined;
  let restored = false;
  const signal = ctx.signal;
  let eventOutage = 0;
  let otherOutage = 0;
  try {
    // 2. one probe from before the event until after the restore. It used to be two (one
    // for the event, one for the restore), each with its start, warm-up and stop: 2.1 s of
    // each scenario's 7.7 s on the default lab (start 0.7 s, warm-up 0.8 s, stop 0.6 s).
    const probe = await startProbe(runtime, lab.name, a, b, {
      ...probeOpts,
      maxMs: opts.warmupMs + Math.max(detectBound, threshold) + 2 * opts.settleMs + opts.sessionTimeoutMs + 60_000,
    });
    phase('probe start');
    let res: ProbeResult;
    const t: PhaseTimes = { eventUs: 0, settledUs: 0, restoreUs: 0 };
    let during: TracedFlow[] = [];
    try {
      await sleep(opts.warmupMs, signal);
      phase('warm-up');
      log(`${s.kind} ${what}`);
      t.eventUs = nowUs();
      fault = await injectFault(runtime, lab.name, scenarioFault(s.kind, e));
      // wait until the control plane saw it (or the bound), then let the probe settle
      const down = await waitSessionsState(runtime, lab, sessions, false, { timeoutMs: Math.max(detectBound, threshold), intervalMs: 100, signal });
      if (down.ok) {
        measured.sessionsDownMs = Math.round((nowUs() - t.eventUs) / 1000);
        // read the reason now: a later reconnect attempt overwrites it ("Waiting for NHT")
        const reasons = await resetReasons(ctx, sessions);
        if (reasons.length) measured.resetReason = reasons;
      } else problems.push(`the sessions over ${elementName} were still Established ${fmtMs(Math.max(detectBound, threshold))} after the ${s.kind}`);
      phase('detect');

      // 3. paths during the failure, traced while the probe settles (it keeps running:
      // the traces take other 5-tuples, as the probe's listeners hold its port and source
      // ports; with every router's ECMP hash, 16 flows a direction miss a stale next hop
      // with odds 2^-16 for two members). A flow that still crosses the element or is lost
      // this early may have been traced mid-reroute: it is judged again after the settle.
      const settling = sleep(opts.settleMs, signal);
      settling.catch(() => undefined);
      await sleep(Math.min(TRACE_AFTER_EVENT_MS, opts.settleMs), signal);
      during = await traceAll(ctx, pair, tracePort, sportBase + opts.flows, opts);
      await settling;
      t.settledUs = nowUs();
      if (during.some((f) => !f.complete || pathCrosses(f.path, e))) during = await traceAll(ctx, pair, tracePort, sportBase + opts.flows, opts);
      phase('settle+trace');

      // 4. restore, still under the probe
      log(`restore ${what}`);
      t.restoreUs = nowUs();
      if (fault) await healFault(runtime, lab.name, fault);
      restored = true;
      const up = await waitSessionsState(runtime, lab, sessions, true, { timeoutMs: opts.sessionTimeoutMs, intervalMs: 200, signal });
      if (up.ok) measured.reestablishMs = Math.round((nowUs() - t.restoreUs) / 1000);
      else {
        const bad = up.last.filter((v) => v.state !== 'Established').map((v) => `${v.node}:${v.ifname} ${v.state}`);
        problems.push(`after the restore, sessions not Established within ${fmtMs(opts.sessionTimeoutMs)}: ${bad.join(', ')}`);
      }
      phase('restore');

      // 5. paths after the restore (polled: routes follow the sessions), traced while the
      // probe settles, like the paths during the failure
      const settling2 = sleep(opts.settleMs, signal);
      settling2.catch(() => undefined);
      await sleep(Math.min(TRACE_AFTER_EVENT_MS, opts.settleMs), signal);
      const back = await awaitPathsBack(ctx, pair, e, before, tracePort, sportBase, opts);
      if (back.ok) measured.pathsAfter = back.pathsAfter;
      else problems.push(`after the restore the paths did not come back within ${fmtMs(opts.pathTimeoutMs)}: ${back.problems.join('; ')}`);
      await settling2;
      phase('settle+trace');
    } finally {
      res = await probe.stop();
      phase('probe stop');
    }

    // the outages by phase and the paths during the failure (failover-judge.ts)
    const judged = judgeProbe(s, e, elementName, opts, { res, t, crossingIds, during });
    ({ eventOutage, otherOutage } = judged);
    Object.assign(measured, judged.measured);
    problems.push(...judged.problems);

    log(`time: ${phases.join(' · ')} s`);
    measured.pathsBefore = beforeSet.size;
    if (judged.restoreOutage > threshold) problems.push(`the restore cut traffic for ${fmtMs(judged.restoreOutage)} (threshold ${fmtMs(threshold)})`);
  } catch (err) {
    if (!isBgplabError(err)) throw err;
    // interrupted: the finally below restores the fault, then the run stops
    if (err.code === 'E_INTERRUPTED') throw err;
    problems.push(`${err.message}${err.details.length ? ` (${err.details.join(' | ')})` : ''}`);
  } finally {
    if (fault && !restored) {
      // never leave the lab broken for the next scenario or check
      await healFault(runtime, lab.name, fault).catch((err: unknown) => {
        problems.push(`restoring ${elementName} failed: ${err instanceof Error ? err.message : String(err)}`);
      });
      restored = true;
    }
  }

  const detail = `${crossing.length}/${opts.flows * 2} flows crossed; others ${fmtMs(otherOutage)}; detection ${detection}${measured.reestablishMs !== undefined ? `; sessions back in ${fmtMs(Number(measured.reestablishMs))}` : ''}`;
  if (eventOutage > threshold) {
    problems.unshift(`outage ${fmtMs(eventOutage)} > ${fmtMs(threshold)} after ${s.kind} of ${elementName}`);
  }
  if (otherOutage > threshold) {
    problems.push(`flows that did not cross ${elementName} were cut off too (${fmtMs(otherOutage)})`);
  }
  const ordered = orderMeasured(measured);
  if (problems.length) return result('fail', `${problems.join('; ')} [${detail}]`, ordered);
  return result('pass', `outage ${fmtMs(eventOutage)} ≤ ${fmtMs(threshold)} (${detail}; restore ${fmtMs(Number(measured.restoreOutageMs ?? 0))})`, ordered);
}

export async function runFailover(ctx: CheckContext, opts: Partial<FailoverOptions> = {}, scenarios?: FailoverScenario[]): Promise<CheckResult[]> {
  const o = { ...DEFAULT_FAILOVER_OPTIONS, ...opts };
  const pred = predictFabric(ctx.lab);
  const list = scenarios ?? (ctx.lab.checks.failover.length ? ctx.lab.checks.failover : defaultScenarios(ctx.lab, pred));
  // precondition: a failure is measured on a healthy fabric; on a broken one every
  // scenario would wait out its timeouts and report the old fault as its own
  const failing = await unhealthySettled(ctx, pred);
  if (failing.length) return list.map((s) => ({ check: 'failover', name: s.name, status: 'skip' as const, message: notHealthy(failing, 'the failure'), durationMs: 0 }));
  const out = new Map<FailoverScenario, CheckResult>();
  const scope = derivationScope(ctx.lab, pred);
  const run: FailoverScenario[] = [];
  for (const s of list) {
    // a derived scenario whose probe paths a user's config may change is not judged; the
    // lab file's own scenarios (checks.failover) are, on what the probe measures
    const why = ctx.lab.checks.failover.includes(s) ? [] : scenarioUnderived(ctx.lab, pred, scope, s);
    if (why.length) out.set(s, { check: 'failover', name: s.name, status: 'skip', message: `${notDerivedText(why)} (give checks.failover to run it)`, durationMs: 0 });
    else run.push(s);
  }
  // a scenario waiting out the hold timer runs alongside those disjoint from it (failover-plan.ts)
  const steps = o.concurrent ? planScenarios(ctx.lab, pred, run) : run.map((s) => [[{ scenario: s }]]);
  const lane = async (xs: readonly PlannedScenario[], slot: number) => {
    for (const x of xs) {
      if (ctx.signal?.aborted) return;
      out.set(x.scenario, await runScenario(ctx, x.scenario, pred, o, x.pair, slot));
    }
  };
  for (const step of steps) {
    if (ctx.signal?.aborted) break;
    if (step.length > 1) ctx.log?.(`failover: at the same time (disjoint): ${step.map((l) => l.map((x) => x.scenario.name).join(', then ')).join(' | ')}`);
    await allSettledOrThrow(step.map(lane));
  }
  return list.filter((s) => out.has(s)).map((s) => out.get(s)!);
}

export const failoverCheck: Check = {
  id: 'failover',
  description: 'break links and nodes under a continuous multi-flow probe: outage per scenario, paths off and back, sessions back',
  run: (ctx) => runFailover(ctx),
};

/**
 * What a failover scenario's measurements say (pure, no runtime): the fault it injects, the
 * ports its probe and traces use, a probe's outages split by phase and what they and the
 * paths during the failure say, whether the paths came back after the restore, which
 * derived scenarios are not judged, and the order the numbers are reported in.
 * failover.ts runs the scenario and asks this file.
 */
import { randomInt } from 'node:crypto';
import type { Fault } from '../faults/index.js';
import type { FailoverKind, FailoverScenario, Lab } from '../lab/model.js';
import type { DerivationScope, Underived } from '../lab/derive.js';
import type { FabricPrediction } from '../lab/paths.js';
import { BgplabError } from '../util/errors.js';
import { choosePair, describeElement, pathCrosses, resolveElement, type Element } from './failover-plan.js';
import type { FlowOutages, Outage, ProbeResult } from './probe.js';
import { pathKey, type FlowPath } from './trace.js';

// ---------------------------------------------------------------------------
// per-flow paths

export interface TracedFlow extends FlowPath {
  dir: 0 | 1;
  flow: number;
}

export interface PathsBackVerdict {
  ok: boolean;
  /** what is wrong, when not ok */
  problems: string[];
  /** directions that crossed the element before and do not now (more flows may find it) */
  uncrossedDirs: (0 | 1)[];
}

/**
 * Did the paths come back after the restore? Per-flow paths are not stable across a
 * failure (ECMP next-hop order, hence the flow-to-path mapping, may change when routes
 * are re-learned), so the test is: every flow reaches its destination, every path seen is
 * one the model predicts (or was seen before), and in each direction where flows crossed
 * the element before, some flow crosses it again.
 */
export function judgePathsBack(e: Element, before: readonly TracedFlow[], after: readonly TracedFlow[], predicted: ReadonlySet<string>): PathsBackVerdict {
  const problems: string[] = [];
  const lost = after.filter((f) => !f.complete);
  if (lost.length) problems.push(`${lost.length} flows do not reach their destination (${pathKey(lost[0]!.path)})`);
  const known = new Set([...predicted, ...before.filter((f) => f.complete).map((f) => pathKey(f.path))]);
  const unexpected = [...new Set(after.filter((f) => f.complete).map((f) => pathKey(f.path)))].filter((p) => !known.has(p));
  if (unexpected.length) problems.push(`unexpected paths ${unexpected.join(' | ')}`);
  const uncrossedDirs: (0 | 1)[] = [];
  for (const dir of [0, 1] as const) {
    const was = before.some((f) => f.dir === dir && pathCrosses(f.path, e));
    const is = after.some((f) => f.dir === dir && f.complete && pathCrosses(f.path, e));
    if (was && !is) uncrossedDirs.push(dir);
  }
  if (uncrossedDirs.length) {
    problems.push(`no flow crosses ${describeElement(e)} again (${uncrossedDirs.map((d) => (d === 0 ? 'forward' : 'reverse')).join(', ')} direction)`);
  }
  return { ok: problems.length === 0, problems, uncrossedDirs };
}

export function pathSet(flows: TracedFlow[]): Set<string> {
  return new Set(flows.filter((f) => f.complete).map((f) => pathKey(f.path)));
}

// ---------------------------------------------------------------------------
// the scenario

export interface ScenarioMeasurement {
  outageMs: number;
  flowsCrossed: number;
  flows: number;
  otherFlowsMaxOutageMs: number;
  lostPackets: number;
  restoreOutageMs: number;
  sessionsDownMs?: number;
  reestablishMs?: number;
}

/** The fault a scenario injects: link-down on the named end, a cut (100 % loss both ways, carrier kept), or the node's routing stopped. */
export function scenarioFault(kind: FailoverKind, e: Element): Omit<Fault, 'since'> {
  if (kind === 'node-down' && e.kind === 'node') return { kind: 'node-down', node: e.node, by: 'check failover' };
  if (e.kind !== 'link') throw new BgplabError('E_FAILOVER_TARGET', `${kind} needs a link target`);
  const base = { node: e.a.node, ifname: e.a.ifname, peer: { node: e.b.node, ifname: e.b.ifname }, by: 'check failover' };
  return kind === 'link-down' ? { kind: 'link-down', ...base } : { kind: 'cut', ...base };
}

/**
 * Ports of a scenario: the probe's port and source ports, random within the scenario's
 * slot, so that two scenarios running at the same time never share one on a node. Traces
 * under the running probe go to port + 1 from source ports sportBase + flows .. + 4·flows.
 */
export function scenarioPorts(slot: number, flows: number): { port: number; sportBase: number; tracePort: number } {
  const port = randomInt(20000 + slot * 5000, 20000 + slot * 5000 + 4998);
  const sportBase = randomInt(30000 + slot * 15000, 30000 + (slot + 1) * 15000 - 4 * flows);
  return { port, sportBase, tracePort: port + 1 };
}

// ---------------------------------------------------------------------------
// the probe's outages

export const fmtMs = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);

/** Per flow (direction, index) of a probe result, the outages from `afterUs` on. */
export function flowsOf(res: ProbeResult): { dir: 0 | 1; flow: number; f: FlowOutages }[] {
  return res.directions.flatMap((d, dir) => d.flows.map((f) => ({ dir: dir as 0 | 1, flow: f.flow, f })));
}

/** When a scenario's phases began (µs): the event, the end of its settle, the restore. */
export interface PhaseTimes {
  eventUs: number;
  settledUs: number;
  restoreUs: number;
}

/**
 * A flow's outages by the phase they belong to, for one probe running through a whole
 * scenario: over before the event (a lossy fabric); begun before the settle ended (the
 * event's, including one still going then: not recovered); wholly between the settle and
 * the restore (loss during the failure); over after the restore (the restore's).
 */
export function splitOutages(f: FlowOutages, t: PhaseTimes): { before: Outage[]; event: Outage[]; failure: Outage[]; restore: Outage[] } {
  const out = { before: [] as Outage[], event: [] as Outage[], failure: [] as Outage[], restore: [] as Outage[] };
  for (const o of f.outages) {
    if (o.toUs <= t.eventUs) out.before.push(o);
    else if (o.fromUs < t.settledUs) out.event.push(o);
    else if (o.toUs <= t.restoreUs && !o.open) out.failure.push(o);
    else out.restore.push(o);
  }
  return out;
}

/** What the probe that ran through a scenario, and the traces during its failure, say (runScenario records it). */
export interface ProbeVerdict {
  /** the values measured, in the order they are found */
  measured: Record<string, number | string | string[]>;
  problems: string[];
  /** the longest outage at the event of a flow that crossed the element (measured.outageMs) */
  eventOutage: number;
  /** the same of the flows that did not cross it (measured.otherFlowsMaxOutageMs) */
  otherOutage: number;
  /** the longest outage at the restore (measured.restoreOutageMs) */
  restoreOutage: number;
}

/**
 * Judge a stopped probe `res` whose phases began at `t`: `crossingIds` are the flows
 * ("dir:flow") that crossed the element before the event, `during` the flows traced
 * during the failure.
 */
export function judgeProbe(
  s: { kind: FailoverKind },
  e: Element,
  elementName: string,
  opts: { settleMs: number },
  run: { res: ProbeResult; t: PhaseTimes; crossingIds: ReadonlySet<string>; during: TracedFlow[] },
): ProbeVerdict {
  const { res, t, crossingIds, during } = run;
  const measured: ProbeVerdict['measured'] = {};
  const problems: string[] = [];
  let eventOutage = 0;
  let otherOutage = 0;

  // outages of the event (ended after it began, began before the probe had settled), of
  // the failure (between the settle and the restore) and of the restore, per flow
  const perFlow = flowsOf(res).map((x) => ({ ...x, p: splitOutages(x.f, t) }));
  for (const x of perFlow) {
    const ms = Math.max(0, ...x.p.event.map((o) => o.ms));
    if (crossingIds.has(`${x.dir}:${x.flow}`)) eventOutage = Math.max(eventOutage, ms);
    else otherOutage = Math.max(otherOutage, ms);
  }
  measured.outageMs = eventOutage;
  measured.outageByDirection = res.directions.map((d, dir) => {
    const xs = perFlow.filter((x) => x.dir === dir && crossingIds.has(`${x.dir}:${x.flow}`));
    return `${d.from}→${d.to}: ${xs.length} crossed, max ${fmtMs(Math.max(0, ...xs.flatMap((x) => x.p.event.map((o) => o.ms))))}`;
  });
  measured.otherFlowsMaxOutageMs = otherOutage;
  measured.lostPackets = perFlow.reduce((n, x) => n + x.p.event.reduce((m, o) => m + o.lost, 0), 0);
  const base = Math.max(0, ...perFlow.flatMap((x) => x.p.before.map((o) => o.ms)));
  if (base > 0) {
    problems.push(`the probe lost traffic before the ${s.kind} (${fmtMs(base)}): the fabric was not stable`);
    measured.invalid = 'loss before the event';
  }
  const started = Math.max(...res.directions.map((d) => d.sender.sendStartUs));
  if (started > t.eventUs) {
    problems.push('the probe started after the failure was injected (a loaded machine?): measurement invalid');
    // as data: a baseline comparison (checks/snapshot.ts) must not compare this outage
    measured.invalid = 'probe started after the event';
  }
  const notRecovered = perFlow.filter((x) => x.p.event.some((o) => o.open || o.toUs > t.settledUs));
  if (notRecovered.length) problems.push(`${notRecovered.length} flows had not recovered ${fmtMs(opts.settleMs)} after the ${s.kind} was detected`);

  const stuck = during.filter((f) => pathCrosses(f.path, e));
  const lost = during.filter((f) => !f.complete);
  if (e.kind === 'link' && e.parallel) {
    measured.pathsDuring = [...pathSet(during)];
  } else if (stuck.length) {
    problems.push(`${stuck.length} flows still cross ${elementName} after the ${s.kind} (${pathKey(stuck[0]!.path)})`);
  }
  if (lost.length) problems.push(`${lost.length} flows do not reach their destination during the ${s.kind} (${pathKey(lost[0]!.path)})`);

  const restoreOutage = Math.max(0, ...perFlow.flatMap((x) => x.p.restore.map((o) => o.ms)));
  measured.restoreOutageMs = restoreOutage;
  const quiet = Math.max(0, ...perFlow.flatMap((x) => x.p.failure.map((o) => o.ms)));
  if (quiet > 0) problems.push(`the probe lost traffic during the failure, before the restore (${fmtMs(quiet)})`);
  const stillOpen = perFlow.filter((x) => x.p.restore.some((o) => o.open));
  if (stillOpen.length) problems.push(`${stillOpen.length} flows had not recovered when the probe stopped`);
  return { measured, problems, eventOutage, otherOutage, restoreOutage };
}

// ---------------------------------------------------------------------------
// the report

/** The numbers people look for first (the table prints them in this order). */
const MEASURED_ORDER = ['outageMs', 'thresholdMs', 'flowsCrossed', 'flows', 'otherFlowsMaxOutageMs', 'detection', 'sessionsDownMs', 'reestablishMs', 'restoreOutageMs'];

export function orderMeasured(m: Record<string, number | string | string[]>): Record<string, number | string | string[]> {
  const out: Record<string, number | string | string[]> = {};
  for (const k of MEASURED_ORDER) if (m[k] !== undefined) out[k] = m[k]!;
  for (const [k, v] of Object.entries(m)) if (!(k in out)) out[k] = v;
  return out;
}

export function scenarioUnderived(lab: Lab, pred: FabricPrediction, scope: DerivationScope, s: FailoverScenario): Underived[] {
  if (!scope.underived.length) return [];
  try {
    const pair = choosePair(lab, pred, resolveElement(lab, s));
    return pair ? [...new Set([...scope.paths(pair.a.name, pair.b.name), ...scope.paths(pair.b.name, pair.a.name)])] : [];
  } catch {
    return [];
  }
}

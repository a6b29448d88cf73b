/**
 * The workshop's break and repair: `bgplab fail ELEMENT` and `bgplab heal [ELEMENT]` on
 * top of src/faults (every fault recorded before it is applied). Heal measures how long
 * the fabric took to reconverge afterwards with the same waiter as bring-up
 * (observe/wait.ts): every expected session Established, every predicted route back.
 */
import { describeTarget, nodeEnds, parseElement, targetSessions, type Target } from '../faults/element.js';
import { faultKeys, faultTouches, flapFault, healAll, injectFault, activeFaults, type Fault } from '../faults/index.js';
import type { ExpectedSession, Lab } from '../lab/model.js';
import { waitForLab, waitSessionsState, type WaitResult } from '../observe/wait.js';
import type { Runtime } from '../runtime/runtime.js';
import { BgplabError } from '../util/errors.js';
import { ignore, type AppOptions } from './events.js';

export type FailMode = 'down' | 'cut' | 'loss' | 'delay' | 'flap' | 'isolate';

export interface FailRequest {
  element: string;
  mode: FailMode;
  lossPct?: number;
  delayMs?: number;
  flap?: { count: number; periodMs: number };
  /** wait (up to this long) until the sessions the element carries are down, and say when */
  waitDownMs?: number;
  /** flap: wait up to this long for the fabric to reconverge after the last cycle */
  timeoutMs?: number;
  by?: string;
}

export interface FailResult {
  fault: Fault;
  target: Target;
  /** the expected sessions the element carries */
  carried: ExpectedSession[];
  /** with waitDownMs: when every carried session was seen down (undefined: not within the wait) */
  downMs?: number;
  /** flap: the reconvergence after the last cycle */
  settle?: WaitResult;
}

/** The fault a request makes of a target, or a usage error saying what fits. */
export function faultFor(lab: Lab, t: Target, r: FailRequest): Omit<Fault, 'since'> {
  const by = r.by ?? 'bgplab fail';
  if (t.kind === 'node') {
    if (r.mode === 'down') return { kind: 'node-down', node: t.node, by };
    if (r.mode === 'isolate') {
      const ends = nodeEnds(lab, t.node);
      if (!ends.length) throw new BgplabError('E_FAULT', `node ${t.node} has no links to isolate it from`);
      return { kind: 'isolate', node: t.node, ends, by };
    }
    throw new BgplabError('E_USAGE', `--${r.mode} acts on a link, "${t.node}" is a node`, {
      hint: `name a link: bgplab fail ${t.node}--PEER --${r.mode} ..., or ${t.node}:IFNAME; a node takes no option (routing stopped) or --isolate`,
    });
  }
  if (r.mode === 'isolate') throw new BgplabError('E_USAGE', `--isolate acts on a node, "${describeTarget(t)}" is a link`, { hint: `bgplab fail ${t.a.node} --isolate` });
  const base = { node: t.a.node, ifname: t.a.ifname, peer: { node: t.b.node, ifname: t.b.ifname }, by };
  switch (r.mode) {
    case 'down':
      return { kind: 'link-down', ...base };
    case 'cut':
      return { kind: 'cut', ...base };
    case 'loss':
      return { kind: 'loss', ...base, lossPct: r.lossPct ?? 100 };
    case 'delay':
      return { kind: 'delay', ...base, delayMs: r.delayMs ?? 0 };
    case 'flap':
      return { kind: 'flap', ...base, flap: r.flap ?? { count: 3, periodMs: 4000 } };
  }
}

export async function failElement(runtime: Runtime, lab: Lab, r: FailRequest, app: AppOptions = {}): Promise<FailResult> {
  const onEvent = app.onEvent ?? ignore;
  const target = parseElement(lab, r.element);
  const fault = faultFor(lab, target, r);
  const carried = targetSessions(lab, target);
  if (fault.kind === 'flap') {
    const f = await flapFault(runtime, lab.name, { ...fault, flap: fault.flap! }, {
      ...(app.signal ? { signal: app.signal } : {}),
      onCycle: (i, up) => onEvent({ type: 'log', text: `flap ${i}/${fault.flap!.count}: ${describeTarget(target)} ${up ? 'up' : 'down'}` }),
    });
    const settle = await waitForLab(runtime, lab, r.timeoutMs ?? 60_000, app.signal ? { signal: app.signal } : {});
    return { fault: f, target, carried, settle };
  }
  const f = await injectFault(runtime, lab.name, fault);
  // from when the fault is in place (applying it through docker exec takes ~0.3 s on containerlab)
  const t0 = performance.now();
  const out: FailResult = { fault: f, target, carried };
  if (r.waitDownMs && carried.length) {
    const w = await waitSessionsState(runtime, lab, carried, false, { timeoutMs: r.waitDownMs, intervalMs: 50, ...(app.signal ? { signal: app.signal } : {}) });
    if (w.ok) out.downMs = Math.round(performance.now() - t0);
  }
  return out;
}

export interface HealResult {
  healed: Fault[];
  errors: string[];
  /** the faults still active that the element did not select */
  left: Fault[];
  /** reconvergence after the heal, measured from when the last fault was undone (none when nothing was healed, or faults remain) */
  wait?: WaitResult;
  /** faults remain, so the fabric cannot fully converge: when the healed faults' own sessions were back */
  sessionsBack?: { ok: boolean; elapsedMs: number; sessions: number };
}

/** The recorded faults an element selects: a node selects every fault touching it, a link every fault on either end. */
export function faultsOf(lab: Lab, faults: readonly Fault[], element: string): Fault[] {
  const t = parseElement(lab, element);
  if (t.kind === 'node') return faults.filter((f) => faultTouches(f, t.node));
  const keys = new Set([`link ${t.a.node}:${t.a.ifname}`, `link ${t.b.node}:${t.b.ifname}`]);
  return faults.filter((f) => faultKeys(f).some((k) => keys.has(k)));
}

/** Heal one element's faults (or all), then wait for the fabric and measure how long it took. */
export async function healElements(
  runtime: Runtime,
  lab: Lab,
  element: string | undefined,
  /** noWait: the caller waits itself (a containerlab lab bgplab did not write converges to its own configs: observe/foreign.ts) */
  o: AppOptions & { timeoutMs?: number; noWait?: boolean } = {},
): Promise<HealResult> {
  const active = await activeFaults(lab.name);
  const chosen = new Set(element === undefined ? active : faultsOf(lab, active, element));
  const left = active.filter((f) => !chosen.has(f));
  if (!chosen.size) return { healed: [], errors: [], left };
  const { healed, errors } = await healAll(runtime, lab.name, (f) => [...chosen].some((c) => c.since === f.since && faultKeys(c)[0] === faultKeys(f)[0]));
  const timeoutMs = o.timeoutMs ?? 60_000;
  if (o.noWait) return { healed, errors, left };
  if (left.length) {
    const back = uniqueSessions(healed.flatMap((f) => targetSessions(lab, faultTarget(f))));
    const w = await waitSessionsState(runtime, lab, back, true, { timeoutMs, ...(o.signal ? { signal: o.signal } : {}) });
    return { healed, errors, left, sessionsBack: { ok: w.ok, elapsedMs: w.elapsedMs, sessions: back.length } };
  }
  const wait = await waitForLab(runtime, lab, timeoutMs, o.signal ? { signal: o.signal } : {});
  return { healed, errors, left, wait };
}

/** The element a recorded fault broke. */
export function faultTarget(f: Fault): Target {
  if (f.kind === 'node-down' || f.kind === 'isolate' || !f.ifname) return { kind: 'node', node: f.node };
  const a = { node: f.node, ifname: f.ifname };
  return { kind: 'link', a, b: f.peer ?? a };
}

function uniqueSessions(ss: ExpectedSession[]): ExpectedSession[] {
  const seen = new Set<string>();
  return ss.filter((s) => !seen.has(`${s.node}:${s.ifname}`) && !!seen.add(`${s.node}:${s.ifname}`));
}

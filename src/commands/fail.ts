/**
 * bgplab fail [--lab LAB] ELEMENT [--cut | --loss PCT | --delay MS | --flap N[:PERIOD] | --isolate] [--wait]
 * bgplab heal [--lab LAB] [ELEMENT | --all] [--timeout S]
 * Thin: parse, call app/faults.ts, print. ELEMENT is node:ifname, nodeA--nodeB or node.
 */
import chalk from 'chalk';
import { failElement, healElements, type FailMode, type FailRequest } from '../app/faults.js';
import { labModel } from '../app/check.js';
import { foreignModelOf, isForeignState } from '../app/foreign.js';
import type { ForeignLab } from '../clab/foreign.js';
import type { Lab } from '../lab/model.js';
import { stuckLines, waitForeign } from '../observe/foreign.js';
import type { Runtime } from '../runtime/runtime.js';
import { readState } from '../runtime/state.js';
import { withInterrupts } from '../app/signals.js';
import { describeFault } from '../faults/index.js';
import { runningLab } from '../runtime/select.js';
import { BgplabError } from '../util/errors.js';

export interface FailOptions {
  lab?: string;
  element: string;
  cut?: boolean;
  loss?: string;
  delay?: string;
  flap?: string;
  isolate?: boolean;
  /** seconds to wait for the element's sessions to go down (0: do not wait) */
  wait?: number;
  timeoutSec?: number;
}

export interface HealOptions {
  lab?: string;
  element?: string;
  all: boolean;
  timeoutSec: number;
}

const num = (opt: string, v: string, min: number, max = Infinity): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new BgplabError('E_USAGE', `${opt} ${v}: want a number ${max === Infinity ? `>= ${min}` : `from ${min} to ${max}`}`);
  return n;
};

/** The options as one request; more than one kind of fault is a usage error. */
export function failRequest(o: FailOptions): FailRequest {
  const modes: FailMode[] = [];
  if (o.cut) modes.push('cut');
  if (o.loss !== undefined) modes.push('loss');
  if (o.delay !== undefined) modes.push('delay');
  if (o.flap !== undefined) modes.push('flap');
  if (o.isolate) modes.push('isolate');
  if (modes.length > 1) throw new BgplabError('E_USAGE', `one kind of fault at a time, not ${modes.map((m) => `--${m}`).join(' and ')}`);
  const r: FailRequest = { element: o.element, mode: modes[0] ?? 'down' };
  if (o.loss !== undefined) r.lossPct = num('--loss', o.loss, 0, 100);
  if (o.delay !== undefined) r.delayMs = num('--delay', o.delay, 0);
  if (o.flap !== undefined) {
    const m = /^(\d+)(?::(\d+(?:\.\d+)?))?$/.exec(o.flap);
    if (!m || Number(m[1]) < 1) throw new BgplabError('E_USAGE', `--flap ${o.flap}: want COUNT or COUNT:PERIOD (seconds), e.g. 3:4`);
    // 4 s default period: down 2 s is longer than the ~1 s a carrier loss takes to reset the sessions
    r.flap = { count: Number(m[1]), periodMs: Math.round(Number(m[2] ?? 4) * 1000) };
  }
  if (o.wait) r.waitDownMs = o.wait * 1000;
  if (o.timeoutSec) r.timeoutMs = o.timeoutSec * 1000;
  return r;
}

const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms} ms`);

export async function failCommand(o: FailOptions): Promise<void> {
  const req = failRequest(o);
  const { lab: name, runtime } = await runningLab(o.lab);
  const lab = await labModel(name, runtime);
  const r = await withInterrupts((signal) => failElement(runtime, lab, req, { signal, onEvent: (e) => 'text' in e && console.log(chalk.dim(e.text)) }), {
    what: 'putting the link back up',
    cleanup: () => `bgplab heal --all ${name}`,
  });
  if (r.fault.kind === 'flap') {
    console.log(`flapped: ${describeFault(r.fault)}`);
    const w = r.settle!;
    console.log(w.ok ? chalk.green(`reconverged ${fmt(w.routesMs ?? w.elapsedMs)} after the last flap`) : chalk.red(`not reconverged ${fmt(w.elapsedMs)} after the last flap`));
    if (!w.ok) process.exitCode = 1;
    return;
  }
  console.log(`failed: ${describeFault(r.fault)}`);
  console.log(chalk.dim(`  carries ${r.carried.length} session(s): ${r.carried.map((s) => `${s.node}:${s.ifname} → ${s.peer}`).join(', ') || 'none'}`));
  if (req.waitDownMs) {
    console.log(r.downMs !== undefined ? `  every one of them down ${fmt(r.downMs)} after the fault` : chalk.yellow(`  still not all down after ${fmt(req.waitDownMs)}`));
  }
  console.log(chalk.dim(`  recorded: bgplab status ${name} lists it; bgplab heal ${o.element} restores it`));
}

export async function healCommand(o: HealOptions): Promise<void> {
  if (o.all && o.element) throw new BgplabError('E_USAGE', 'heal ELEMENT or heal --all, not both');
  if (!o.all && !o.element) throw new BgplabError('E_USAGE', 'heal what?', { hint: 'bgplab heal ELEMENT (node:ifname, nodeA--nodeB, node) or bgplab heal --all; bgplab status lists the active faults' });
  const { lab: name, runtime } = await runningLab(o.lab);
  const lab = await labModel(name, runtime);
  const st = await readState(name);
  if (await isForeignState(st)) return healForeign(runtime, lab, await foreignModelOf(st!), o);
  const r = await withInterrupts((signal) => healElements(runtime, lab, o.element, { signal, timeoutMs: o.timeoutSec * 1000 }), {
    what: 'stopping the wait (what was healed stays healed)',
    cleanup: () => `bgplab status ${name}`,
  });
  if (!r.healed.length && !r.errors.length) {
    console.log(o.element ? `nothing to heal on ${o.element}${r.left.length ? ` (active: ${r.left.map(describeFault).join(', ')})` : ''}` : 'nothing to heal: no fault is active');
    return;
  }
  for (const f of r.healed) console.log(`healed: ${describeFault(f)}`);
  for (const e of r.errors) console.log(chalk.red(`could not heal ${e}`));
  if (r.wait) {
    const w = r.wait;
    if (w.ok) {
      console.log(chalk.green(`reconverged in ${fmt(w.routesMs ?? w.elapsedMs)} (every expected session Established after ${fmt(w.sessionsMs ?? w.elapsedMs)}, every predicted route after ${fmt(w.routesMs ?? w.elapsedMs)})`));
    } else {
      console.log(chalk.red(`not reconverged after ${fmt(w.elapsedMs)}: ${w.down.length} session(s) down, ${w.missing.length} route(s) missing`));
      process.exitCode = 1;
    }
  }
  if (r.sessionsBack) {
    const b = r.sessionsBack;
    console.log(b.ok ? chalk.green(`its ${b.sessions} session(s) Established again after ${fmt(b.elapsedMs)}`) : chalk.red(`its ${b.sessions} session(s) not all back after ${fmt(b.elapsedMs)}`));
    console.log(chalk.yellow(`still active: ${r.left.map(describeFault).join(', ')} (full reconvergence is measured once nothing is failed)`));
    if (!b.ok) process.exitCode = 1;
  }
  if (r.errors.length) process.exitCode = 1;
}

/** Heal on a containerlab lab bgplab did not write, then wait for what its frr.conf files configure. */
async function healForeign(runtime: Runtime, lab: Lab, model: ForeignLab, o: HealOptions): Promise<void> {
  const r = await healElements(runtime, lab, o.element, { noWait: true });
  if (!r.healed.length && !r.errors.length) {
    console.log(o.element ? `nothing to heal on ${o.element}` : 'nothing to heal: no fault is active');
    return;
  }
  for (const f of r.healed) console.log(`healed: ${describeFault(f)}`);
  for (const e of r.errors) console.log(chalk.red(`could not heal ${e}`));
  if (r.left.length) {
    // with faults left the lab cannot converge to its configs: no wait
    console.log(chalk.yellow(`still active: ${r.left.map(describeFault).join(', ')} (reconvergence is measured once nothing is failed)`));
    if (r.errors.length) process.exitCode = 1;
    return;
  }
  const w = await withInterrupts((signal) => waitForeign(runtime, model, o.timeoutSec * 1000, { signal }), {
    what: 'stopping the wait (what was healed stays healed)',
    cleanup: () => `bgplab status ${lab.name}`,
  });
  if (w.ok) console.log(chalk.green(`reconverged in ${fmt(w.elapsedMs)} (every BGP session Established, OSPF adjacency Full, expected ping answered)`));
  else {
    console.log(chalk.red(`not reconverged after ${fmt(w.elapsedMs)}:`));
    for (const l of stuckLines(w.last)) console.log(chalk.red(`  ${l}`));
    process.exitCode = 1;
  }
  if (r.errors.length) process.exitCode = 1;
}

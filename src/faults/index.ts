/**
 * Inject and heal faults through the Runtime, with every active fault recorded in the
 * lab state first: a check interrupted by Ctrl-C, a crashed process, `bgplab status` and
 * `heal` all read the same record. The failover and transit checks break things only
 * through here.
 */
import type { Runtime } from '../runtime/runtime.js';
import { readFaults, writeFaults } from '../runtime/state.js';
import { BgplabError, errorText } from '../util/errors.js';
import { sleep } from '../util/pool.js';
import { describeFault, faultEnds, faultKey, faultKeys, type Fault } from './types.js';

export * from './types.js';

/** One read-modify-write of a lab's fault record at a time within this process. */
let queue: Promise<unknown> = Promise.resolve();
function updateFaults(lab: string, fn: (faults: Fault[]) => Fault[]): Promise<Fault[]> {
  const next = queue.then(async () => {
    const faults = fn(await readFaults<Fault>(lab));
    await writeFaults(lab, faults);
    return faults;
  });
  queue = next.catch(() => undefined);
  return next;
}

export function activeFaults(lab: string): Promise<Fault[]> {
  return readFaults<Fault>(lab);
}

async function apply(runtime: Runtime, lab: string, f: Fault): Promise<void> {
  if (f.kind === 'node-down') return runtime.stopRouting(lab, f.node);
  if (f.kind === 'isolate') {
    await Promise.all(faultEnds(f).map((e) => runtime.setLink(lab, e.node, e.ifname, false)));
    return;
  }
  if (!f.ifname) throw new BgplabError('E_FAULT', `${f.kind} needs a link (node:interface)`);
  if (f.kind === 'link-down' || f.kind === 'flap') return runtime.setLink(lab, f.node, f.ifname, false);
  const imp = f.kind === 'cut' ? { lossPct: 100 } : f.kind === 'loss' ? { lossPct: f.lossPct ?? 100 } : { delayMs: f.delayMs ?? 0 };
  await Promise.all(faultEnds(f).map((e) => runtime.impairLink(lab, e.node, e.ifname, imp)));
}

async function undo(runtime: Runtime, lab: string, f: Fault): Promise<void> {
  if (f.kind === 'node-down') return runtime.startRouting(lab, f.node);
  if (f.kind === 'isolate') {
    await Promise.all(faultEnds(f).map((e) => runtime.setLink(lab, e.node, e.ifname, true)));
    return;
  }
  if (!f.ifname) return;
  if (f.kind === 'link-down' || f.kind === 'flap') return runtime.setLink(lab, f.node, f.ifname, true);
  await Promise.all(faultEnds(f).map((e) => runtime.impairLink(lab, e.node, e.ifname, null)));
}

/**
 * Record, then apply. A fault on an element that already has one is refused (E_FAULT)
 * and touches nothing; a fault that fails to apply is undone and unrecorded.
 */
export async function injectFault(runtime: Runtime, lab: string, fault: Omit<Fault, 'since'> & { since?: string }): Promise<Fault> {
  const f: Fault = { ...fault, since: fault.since ?? new Date().toISOString() };
  const key = faultKey(f);
  const keys = new Set(faultKeys(f));
  let clash: Fault | undefined;
  await updateFaults(lab, (all) => {
    clash = all.find((x) => faultKeys(x).some((k) => keys.has(k)));
    return clash ? all : [...all, f];
  });
  if (clash) {
    const shared = faultKeys(clash).find((k) => keys.has(k))!;
    throw new BgplabError('E_FAULT', `${shared} is already failed (${describeFault(clash)}, since ${clash.since}, by ${clash.by})`, {
      hint: `heal it first: bgplab heal ${clash.node}${clash.ifname ? `:${clash.ifname}` : ''}`,
      data: { already: faultKey(clash) },
    });
  }
  try {
    await apply(runtime, lab, f);
  } catch (e) {
    await undo(runtime, lab, f).catch(() => {});
    await updateFaults(lab, (all) => all.filter((x) => faultKey(x) !== key));
    throw e;
  }
  return f;
}

/** Undo, then unrecord. Healing what is not recorded still undoes it (idempotent). */
export async function healFault(runtime: Runtime, lab: string, f: Fault): Promise<void> {
  await undo(runtime, lab, f);
  const key = faultKey(f);
  await updateFaults(lab, (all) => all.filter((x) => faultKey(x) !== key));
}

/** Heal every recorded fault that `which` selects (all by default); errors are collected, not thrown. */
export async function healAll(runtime: Runtime, lab: string, which: (f: Fault) => boolean = () => true): Promise<{ healed: Fault[]; errors: string[] }> {
  const healed: Fault[] = [];
  const errors: string[] = [];
  for (const f of (await activeFaults(lab)).filter(which)) {
    try {
      await healFault(runtime, lab, f);
      healed.push(f);
    } catch (e) {
      errors.push(`${describeFault(f)}: ${errorText(e)}`);
    }
  }
  return { healed, errors };
}

/**
 * A flap: record the fault, then take the link down and up `count` times, one cycle
 * every `periodMs` (down for the first half, up for the second), and unrecord it. The
 * record stays while it flaps, so status shows it and an interrupted flap is healed
 * (link up) from the record; on the signal the link is put back up before E_INTERRUPTED.
 */
export async function flapFault(
  runtime: Runtime,
  lab: string,
  fault: Omit<Fault, 'since' | 'kind'> & { flap: { count: number; periodMs: number } },
  o: { signal?: AbortSignal; onCycle?: (i: number, up: boolean) => void } = {},
): Promise<Fault> {
  const f = await injectFault(runtime, lab, { ...fault, kind: 'flap' });
  const half = f.flap!.periodMs / 2;
  o.onCycle?.(1, false);
  try {
    for (let i = 1; i <= f.flap!.count; i++) {
      if (i > 1) {
        await runtime.setLink(lab, f.node, f.ifname!, false);
        o.onCycle?.(i, false);
      }
      await sleep(half, o.signal);
      await runtime.setLink(lab, f.node, f.ifname!, true);
      o.onCycle?.(i, true);
      if (i < f.flap!.count) await sleep(half, o.signal);
    }
  } finally {
    await healFault(runtime, lab, f);
  }
  return f;
}

/**
 * Other people's labs on this machine (it is shared): the bench waits, from one time budget,
 * until none is running, and records what was running beside each measurement.
 */
import { readlink } from 'node:fs/promises';
import { listNetns, netnsInode } from '../runtime/netns/proc.js';
import { run } from '../util/process.js';
import { sleep } from '../util/pool.js';
import { bench, log } from './context.js';
import { listProcesses, loadAverage } from './proc.js';
import type { Noise } from './types.js';

const ours = (name: string) => name.startsWith(`clab-${bench.prefix}`) || name.startsWith(`${bench.prefix}bare-`);

/** Other people's labs on this machine: namespaces, zebras and containers that are not ours. */
async function noise(): Promise<Noise> {
  const nsList = await listNetns();
  const ourInodes = new Set<number>();
  for (const ns of nsList.filter(ours)) {
    const i = await netnsInode(ns);
    if (i !== undefined) ourInodes.add(i);
  }
  const procs = await listProcesses();
  let containers: string[] = [];
  try {
    const r = await run('docker', ['ps', '--format', '{{.Names}}'], { check: false, timeoutMs: 5000 });
    containers = r.exitCode === 0 ? r.stdout.split('\n').filter(Boolean) : [];
  } catch {
    containers = [];
  }
  const ourContainerInodes = new Set<number>();
  // zebras inside our containers are ours too
  for (const c of containers.filter(ours)) {
    try {
      const pid = (await run('docker', ['inspect', '-f', '{{.State.Pid}}', c], { check: false, timeoutMs: 5000 })).stdout.trim();
      const m = /\[(\d+)\]/.exec(await readlink(`/proc/${pid}/ns/net`));
      if (m) ourContainerInodes.add(Number(m[1]));
    } catch {
      /* gone */
    }
  }
  return {
    foreignNamespaces: nsList.filter((n) => !ours(n)).length,
    foreignZebras: procs.filter((p) => p.comm === 'zebra' && !ourInodes.has(p.netns) && !ourContainerInodes.has(p.netns)).length,
    foreignContainers: containers.filter((c) => !ours(c)).length,
    load: await loadAverage(),
  };
}

const quietNow = (n: Noise) => n.foreignNamespaces === 0 && n.foreignZebras === 0 && n.foreignContainers === 0;

/** Wait (from a budget shared by the whole run) until nobody else's lab is running. */
export class QuietGate {
  private leftMs: number;
  constructor(budgetSec: number) {
    this.leftMs = budgetSec * 1000;
  }
  async wait(what: string): Promise<Noise> {
    let n = await noise();
    if (quietNow(n) || this.leftMs <= 0) return n;
    log(`before ${what}: others are running (${n.foreignNamespaces} namespaces, ${n.foreignZebras} zebras, ${n.foreignContainers} containers, load ${n.load}); waiting up to ${Math.round(this.leftMs / 1000)} s`);
    while (this.leftMs > 0) {
      await sleep(10_000);
      this.leftMs -= 10_000;
      n = await noise();
      if (quietNow(n)) {
        log('quiet now');
        return n;
      }
    }
    log(`still busy (${n.foreignNamespaces} namespaces, ${n.foreignZebras} zebras, ${n.foreignContainers} containers): measuring anyway, noted as noise`);
    return n;
  }
}


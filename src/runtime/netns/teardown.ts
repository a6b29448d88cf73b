/**
 * What of a lab is on this machine, and removing it: its namespaces (those its state
 * records, and unclaimed ones named with its prefix), its processes (by namespace
 * membership, and by pid file), its mounts and state directory; and the namespaces named
 * like a lab node that no lab claims.
 */
import { join } from 'node:path';
import { BgplabError } from '../../util/errors.js';
import { exists, listDir } from '../../util/fs.js';
import { assertLabName, labStateDir, listStates, readState, removeLabState } from '../state.js';
import type { Leftovers } from '../runtime.js';
import { ipBatch } from './ip-batch.js';
import { nsName } from './nodes.js';
import { cmdline, isAlive, listNetns, mountsMatching, netnsInode, NETNS_DIR, pidsInNamespaces, readPidFile, terminate } from './proc.js';

/**
 * Remove everything of a lab: its processes (found by namespace membership, and by pid
 * file for daemons whose namespace is already gone), namespaces (and with them veths,
 * qdiscs, nftables), state directory. Idempotent.
 * NetnsRuntime.destroy checks the lab name and root first.
 */
export async function destroyLab(lab: string): Promise<void> {
  const known = await labNamespaces(lab);
  const present: string[] = [];
  const inodes = new Set<number>();
  for (const ns of known) {
    const ino = await netnsInode(ns);
    if (ino !== undefined) {
      present.push(ns);
      inodes.add(ino);
    }
  }
  const pids = new Set(await pidsInNamespaces(inodes));
  for (const pid of await labPidFiles(lab)) pids.add(pid);
  await terminate([...pids]);
  if (present.length) await ipBatch(present.map((ns) => `netns del ${ns}`), { force: true });
  const left = (await listNetns()).filter((n) => present.includes(n));
  if (left.length) {
    throw new BgplabError('E_DOWN', `could not delete namespaces: ${left.join(', ')}`, { hint: `ip netns del ${left[0]}` });
  }
  await removeLabState(lab);
}

/**
 * The namespaces of a lab: those its state records, and those named with its prefix that
 * no other lab claims (lab "st" must not take "clab-st-x-leaf1" of lab "st-x").
 */
async function labNamespaces(lab: string): Promise<Set<string>> {
  const st = await readState(lab);
  const known = new Set((st?.nodes ?? []).map((n) => n.ns ?? nsName(lab, n.name)));
  const others = new Set((await listStates()).filter((s) => s.name !== lab).flatMap((s) => s.nodes.map((n) => n.ns ?? nsName(s.name, n.name))));
  const prefix = nsName(lab, '');
  for (const ns of await listNetns()) if (ns.startsWith(prefix) && !others.has(ns)) known.add(ns);
  return known;
}

/** Live daemons from the lab's pid files whose command line names this lab's directory. */
async function labPidFiles(lab: string): Promise<number[]> {
  const base = labStateDir(lab);
  const out: number[] = [];
  for (const n of await listDir(base)) {
    for (const f of (await listDir(join(base, n))).filter((x) => x.endsWith('.pid'))) {
      const pid = await readPidFile(join(base, n, f));
      if (pid === undefined || !(await isAlive(pid))) continue;
      // guard against pid reuse: only a process started with this node's socket dir
      if ((await cmdline(pid)).includes(join(base, n))) out.push(pid);
    }
  }
  return out;
}

/** What of a lab is still on the machine: namespaces, processes, mounts, its state directory. */
export async function labLeftovers(lab: string): Promise<Leftovers> {
  assertLabName(lab);
  const prefix = nsName(lab, '');
  const own = await labNamespaces(lab);
  const namespaces = (await listNetns()).filter((n) => own.has(n));
  const inodes = new Set<number>();
  for (const ns of namespaces) {
    const i = await netnsInode(ns);
    if (i !== undefined) inodes.add(i);
  }
  const pids = [...new Set([...(await pidsInNamespaces(inodes)), ...(await labPidFiles(lab))])].sort((a, b) => a - b);
  // the trailing slash: lab s1's directory is not a prefix of lab s10's
  const mounts = [...(await mountsMatching(`${NETNS_DIR}/${prefix}`)), ...(await mountsMatching(`${labStateDir(lab)}/`))].filter(
    (m) => !m.startsWith(`${NETNS_DIR}/`) || own.has(m.slice(NETNS_DIR.length + 1)),
  );
  const items: string[] = [];
  if (namespaces.length) items.push(`${namespaces.length} namespaces`);
  if (pids.length) items.push(`${pids.length} processes`);
  // a namespace's mounts go with it: counted alone only when they outlived it
  if (mounts.length && !namespaces.length) items.push(`${mounts.length} mounts`);
  return { items, namespaces, pids, mounts, stateDir: await exists(labStateDir(lab)) };
}

/** Namespaces named like a containerlab node (clab-*) that no lab state claims. */
export async function netnsOrphans(): Promise<string[]> {
  const claimed = new Set((await listStates()).flatMap((s) => s.nodes.map((n) => n.ns ?? nsName(s.name, n.name))));
  return (await listNetns()).filter((n) => n.startsWith('clab-') && !claimed.has(n)).map((n) => `namespace ${n}`);
}

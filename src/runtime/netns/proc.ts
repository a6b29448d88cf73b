/**
 * Processes of a lab, found through /proc rather than one `ip netns pids` spawn per
 * namespace: a process is inside namespace NS when /proc/PID/ns/net is the same nsfs inode
 * as /run/netns/NS. Killing by namespace membership also catches what `bgplab exec`
 * started (a ping left running), and never touches a process outside the lab.
 */
import { readFile, readdir, readlink, stat } from 'node:fs/promises';
import { sleep } from '../../util/pool.js';

export const NETNS_DIR = '/run/netns';

export async function listNetns(): Promise<string[]> {
  try {
    return (await readdir(NETNS_DIR)).sort();
  } catch {
    return [];
  }
}

/** nsfs inode of a named namespace, undefined when absent. */
export async function netnsInode(ns: string): Promise<number | undefined> {
  try {
    return (await stat(`${NETNS_DIR}/${ns}`)).ino;
  } catch {
    return undefined;
  }
}

/** pid → net namespace inode for every process we can see (except ourselves). */
export async function processNetns(): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  const entries = await readdir('/proc');
  await Promise.all(
    entries.map(async (e) => {
      if (!/^\d+$/.test(e)) return;
      const pid = Number(e);
      if (pid === process.pid) return;
      try {
        const l = await readlink(`/proc/${e}/ns/net`);
        const m = /\[(\d+)\]/.exec(l);
        if (m) out.set(pid, Number(m[1]));
      } catch {
        /* gone, or a kernel thread */
      }
    }),
  );
  return out;
}

/** Pids of processes inside any of the given namespace inodes. */
export async function pidsInNamespaces(inodes: Set<number>): Promise<number[]> {
  if (inodes.size === 0) return [];
  const all = await processNetns();
  return [...all].filter(([, ino]) => inodes.has(ino)).map(([pid]) => pid);
}

/** Alive and not a zombie. */
export async function isAlive(pid: number): Promise<boolean> {
  try {
    const s = await readFile(`/proc/${pid}/stat`, 'utf8');
    // state is the field after "(comm)"; comm may hold spaces or parens
    const state = s.slice(s.lastIndexOf(')') + 2, s.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export async function cmdline(pid: number): Promise<string[]> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

export async function readPidFile(path: string): Promise<number | undefined> {
  try {
    const n = Number((await readFile(path, 'utf8')).trim());
    return Number.isInteger(n) && n > 1 ? n : undefined;
  } catch {
    return undefined;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/**
 * SIGTERM, poll until gone (FRR daemons exit in a few ms: zebra withdraws its routes,
 * bgpd sends a Cease), SIGKILL whatever is left after graceMs. Returns pids that needed SIGKILL.
 */
export async function terminate(pids: readonly number[], graceMs = 3000): Promise<number[]> {
  if (pids.length === 0) return [];
  for (const p of pids) signal(p, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  let alive = [...pids];
  while (alive.length && Date.now() < deadline) {
    await sleep(10);
    alive = (await Promise.all(alive.map(async (p) => ((await isAlive(p)) ? p : 0)))).filter((p) => p > 0);
  }
  for (const p of alive) signal(p, 'SIGKILL');
  const killDeadline = Date.now() + 2000;
  let left = [...alive];
  while (left.length && Date.now() < killDeadline) {
    await sleep(10);
    left = (await Promise.all(left.map(async (p) => ((await isAlive(p)) ? p : 0)))).filter((p) => p > 0);
  }
  return alive;
}

/** Mount points (from /proc/self/mountinfo) whose path contains needle, e.g. "/run/netns/clab-lab-". */
export async function mountsMatching(needle: string): Promise<string[]> {
  try {
    const text = await readFile('/proc/self/mountinfo', 'utf8');
    return text
      .split('\n')
      .map((l) => l.split(' ')[4] ?? '')
      .filter((p) => p.includes(needle));
  } catch {
    return [];
  }
}

/**
 * What the benchmark reads from /proc: the FRR daemons of a lab (found by network
 * namespace membership, so the same code serves netns nodes and containers), their memory
 * (RSS and PSS) and CPU time, the machine's available memory, and how busy the machine is
 * with things that are not ours (other labs, other containers), to report noise honestly.
 */
import { readFile, readdir, readlink } from 'node:fs/promises';
import { FRR_DAEMONS } from '../runtime/netns/frr.js';

/** Daemon process names counted as "FRR" (watchfrr runs in containers). */
export const FRR_PROCESS_NAMES: ReadonlySet<string> = new Set<string>([...FRR_DAEMONS, 'watchfrr']);

/** Clock ticks per second for /proc/PID/stat times: 100 on every Linux this runs on (USER_HZ). */
export const CLK_TCK = 100;

export interface ProcInfo {
  pid: number;
  comm: string;
  /** network namespace inode */
  netns: number;
}

/** Every process with its comm and netns inode (one pass over /proc). */
export async function listProcesses(): Promise<ProcInfo[]> {
  const entries = await readdir('/proc');
  const out: ProcInfo[] = [];
  await Promise.all(
    entries.map(async (e) => {
      if (!/^\d+$/.test(e)) return;
      try {
        const [link, comm] = await Promise.all([readlink(`/proc/${e}/ns/net`), readFile(`/proc/${e}/comm`, 'utf8')]);
        const m = /\[(\d+)\]/.exec(link);
        if (m) out.push({ pid: Number(e), comm: comm.trim(), netns: Number(m[1]) });
      } catch {
        /* gone, or a kernel thread */
      }
    }),
  );
  return out;
}

/** Parse the fields after "(comm) " of /proc/PID/stat (comm may contain spaces and parens). */
export function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).trim().split(/\s+/);
}

/** utime + stime of one process, in seconds; undefined when it is gone. */
export async function cpuSeconds(pid: number): Promise<number | undefined> {
  try {
    const f = statFields(await readFile(`/proc/${pid}/stat`, 'utf8'));
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** cutime + cstime of this process: CPU of every child it waited for (ip, vtysh, daemon parents before they daemonize). */
export async function childrenCpuSeconds(): Promise<number> {
  const f = statFields(await readFile('/proc/self/stat', 'utf8'));
  return (Number(f[13]) + Number(f[14])) / CLK_TCK;
}

export interface Memory {
  /** resident set, KiB (counts shared library pages in full, in every process) */
  rssKiB: number;
  /** proportional set, KiB (shared pages divided among the processes sharing them) */
  pssKiB: number;
}

/** "Key:   1234 kB" from a /proc status-like file. */
export function kbField(text: string, key: string): number | undefined {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

export async function memoryOf(pid: number): Promise<Memory | undefined> {
  try {
    const [status, rollup] = await Promise.all([
      readFile(`/proc/${pid}/status`, 'utf8'),
      readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => ''),
    ]);
    const rss = kbField(status, 'VmRSS') ?? 0;
    return { rssKiB: rss, pssKiB: kbField(rollup, 'Pss') ?? rss };
  } catch {
    return undefined;
  }
}

/** MemAvailable of the machine, KiB. */
export async function memAvailableKiB(): Promise<number> {
  return kbField(await readFile('/proc/meminfo', 'utf8'), 'MemAvailable') ?? 0;
}

export async function loadAverage(): Promise<number> {
  return Number((await readFile('/proc/loadavg', 'utf8')).split(' ')[0]);
}

/** Busy and total jiffies of the whole machine (all CPUs), to tell how loaded it was during a run. */
export async function machineJiffies(): Promise<{ busy: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: total - idle, total };
}

export interface NodeDaemons {
  node: string;
  pids: number[];
}

/** FRR daemon pids per node, given each node's netns inode. */
export async function frrDaemonsByNode(inodes: ReadonlyMap<string, number>): Promise<NodeDaemons[]> {
  const procs = await listProcesses();
  const byIno = new Map<number, number[]>();
  for (const p of procs) {
    if (!FRR_PROCESS_NAMES.has(p.comm)) continue;
    byIno.set(p.netns, [...(byIno.get(p.netns) ?? []), p.pid]);
  }
  return [...inodes].map(([node, ino]) => ({ node, pids: byIno.get(ino) ?? [] }));
}

export interface LabFootprint {
  nodes: number;
  daemons: number;
  /** per node: sum over its daemons */
  rssKiBPerNode: number[];
  pssKiBPerNode: number[];
  /** CPU seconds of all daemons since they started */
  cpuSeconds: number;
}

export async function footprint(perNode: readonly NodeDaemons[]): Promise<LabFootprint> {
  const rss: number[] = [];
  const pss: number[] = [];
  let cpu = 0;
  let daemons = 0;
  for (const n of perNode) {
    let r = 0;
    let p = 0;
    for (const pid of n.pids) {
      const m = await memoryOf(pid);
      const c = await cpuSeconds(pid);
      if (!m || c === undefined) continue;
      daemons++;
      r += m.rssKiB;
      p += m.pssKiB;
      cpu += c;
    }
    rss.push(r);
    pss.push(p);
  }
  return { nodes: perNode.length, daemons, rssKiBPerNode: rss, pssKiBPerNode: pss, cpuSeconds: cpu };
}

/** Total CPU seconds of the given pids (gone ones count 0). */
export async function cpuOf(pids: readonly number[]): Promise<number> {
  let s = 0;
  for (const p of pids) s += (await cpuSeconds(p)) ?? 0;
  return s;
}

export interface NeighbourTable {
  /** entries in the kernel's IPv6 neighbour table: one table for all namespaces */
  entries: number;
  /** times an entry could not be created because the table was full (since boot, all CPUs) */
  tableFulls: number;
  /** net.ipv6.neigh.default.gc_thresh3: the hard limit (a host sysctl; read, never written) */
  gcThresh3: number;
}

/** /proc/net/stat/ndisc_cache: hex columns, one line per CPU; `entries` is global, counters per CPU. */
export function parseNdiscCache(text: string): { entries: number; tableFulls: number } {
  const lines = text.trim().split('\n');
  const head = (lines[0] ?? '').trim().split(/\s+/);
  const iE = head.indexOf('entries');
  const iF = head.indexOf('table_fulls');
  let entries = 0;
  let tableFulls = 0;
  for (const l of lines.slice(1)) {
    const v = l.trim().split(/\s+/).map((x) => parseInt(x, 16));
    if (iE >= 0) entries = v[iE] ?? entries;
    if (iF >= 0) tableFulls += v[iF] ?? 0;
  }
  return { entries, tableFulls };
}

export async function neighbourTable(): Promise<NeighbourTable | undefined> {
  try {
    const t = parseNdiscCache(await readFile('/proc/net/stat/ndisc_cache', 'utf8'));
    const g = Number((await readFile('/proc/sys/net/ipv6/neigh/default/gc_thresh3', 'utf8')).trim());
    return { ...t, gcThresh3: g };
  } catch {
    return undefined;
  }
}

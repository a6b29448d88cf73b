/**
 * What the machine has, read from /proc (no spawns): the IPv6 neighbour table, memory,
 * tasks; and the budgets of a lab against it, counting the labs already up. The
 * arithmetic is host-limits.ts; this file only reads.
 */
import { readdir, readFile } from 'node:fs/promises';
import { assessFit, demandOf, hostLimitError, parseNdiscStat, formatRow, type BudgetRow, type HostFacts, type LabDemand, type NeighbourTable } from './host-limits.js';
import { listStates, type NodeState } from './state.js';

/** /proc/sys path of a dotted sysctl key (net.ipv6.neigh.default.gc_thresh3). */
export const sysctlPath = (key: string) => `/proc/sys/${key.split('.').join('/')}`;

export async function readSysctlNumber(key: string): Promise<number | undefined> {
  try {
    const n = Number((await readFile(sysctlPath(key), 'utf8')).trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

export async function readNeighbourTable(): Promise<NeighbourTable | undefined> {
  try {
    const s = parseNdiscStat(await readFile('/proc/net/stat/ndisc_cache', 'utf8'));
    const gcThresh3 = await readSysctlNumber('net.ipv6.neigh.default.gc_thresh3');
    if (!s || !gcThresh3 || gcThresh3 <= 0) return undefined;
    return { ...s, gcThresh3 };
  } catch {
    return undefined;
  }
}

/** A warning when the table is above 90 % of its cap before a deploy, else undefined. */
export async function neighbourTablePressure(): Promise<string | undefined> {
  const t = await readNeighbourTable();
  if (!t || t.entries < 0.9 * t.gcThresh3) return undefined;
  return `the machine's IPv6 neighbour table holds ${t.entries} entries (gc_thresh3 ${t.gcThresh3}, shared by every namespace and container): link-local neighbour discovery may fail and BGP unnumbered sessions may not come up; is a large lab running? (bgplab host)`;
}

async function countTasks(): Promise<number | undefined> {
  try {
    // /proc/loadavg's fourth field: runnable/total scheduling entities (tasks) right now
    const f = (await readFile('/proc/loadavg', 'utf8')).split(' ')[3];
    const total = Number(f?.split('/')[1]);
    if (Number.isFinite(total)) return total;
    return (await readdir('/proc')).filter((e) => /^\d+$/.test(e)).length;
  } catch {
    return undefined;
  }
}

export async function readHostFacts(): Promise<HostFacts> {
  const facts: HostFacts = {};
  const t = await readNeighbourTable();
  const [g1, g2] = await Promise.all([readSysctlNumber('net.ipv6.neigh.default.gc_thresh1'), readSysctlNumber('net.ipv6.neigh.default.gc_thresh2')]);
  if (t && g1 !== undefined && g2 !== undefined) facts.neigh6 = { entries: t.entries, gcThresh1: g1, gcThresh2: g2, gcThresh3: t.gcThresh3 };
  try {
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(await readFile('/proc/meminfo', 'utf8'));
    if (m) facts.memAvailableKiB = Number(m[1]);
  } catch {
    /* no /proc/meminfo: no memory budget */
  }
  const pidMax = await readSysctlNumber('kernel.pid_max');
  const tasksNow = await countTasks();
  if (pidMax !== undefined && tasksNow !== undefined) Object.assign(facts, { pidMax, tasksNow });
  return facts;
}

/** What every recorded lab (both runtimes) holds, except `but`. */
export async function runningDemand(but?: string): Promise<{ lab: string; demand: LabDemand }[]> {
  return (await listStates()).filter((s) => s.name !== but).map((s) => ({ lab: s.name, demand: demandOf(s.nodes) }));
}

/**
 * Before anything of `lab` is created: throw E_HOST_LIMIT when it cannot fit, hand each
 * warning to `warn` (with the numbers) when it may fit badly. Returns the budget rows.
 */
export async function assertHostFits(lab: string, nodes: readonly NodeState[], warn: (msg: string) => void = () => {}): Promise<BudgetRow[]> {
  const want = demandOf(nodes);
  const rows = assessFit(await readHostFacts(), (await runningDemand(lab)).map((r) => r.demand), want);
  const err = hostLimitError(lab, rows, want);
  if (err) throw err;
  for (const r of rows.filter((x) => x.verdict === 'warn')) {
    warn(`warning: ${formatRow(r)}${r.resource.startsWith('IPv6') ? ` (bgplab host tune --nodes ${Math.max(100, want.nodes)} raises the table)` : ''}`);
  }
  return rows;
}

/**
 * Limits of the machine that every lab shares, whatever its runtime: pure arithmetic.
 * What the machine has is read in host-facts.ts; the one place bgplab changes a host
 * setting (on request) is host-tune.ts.
 *
 * The kernel's IPv6 neighbour table is ONE table for the whole machine: every namespace and
 * container counts against net.ipv6.neigh.default.gc_thresh3 (1024 by default). Measured
 * here: with a 400-node lab up the table held 1040 entries, the kernel logged "neighbor
 * table overflow", every ND/RA send failed with EINVAL (zebra: "Tx RA failed ... Invalid
 * argument") and no session of any new lab left "Waiting for Peer IPv6 LLA".
 */
import { BgplabError } from '../util/errors.js';

export interface NeighbourTable {
  entries: number;
  /** how often the kernel found the table full since boot */
  tableFulls: number;
  gcThresh3: number;
}

/** Parse /proc/net/stat/ndisc_cache (hex columns; `entries` and `table_fulls` by name). */
export function parseNdiscStat(text: string): { entries: number; tableFulls: number } | undefined {
  const [head, first] = text.split('\n');
  if (!head || !first) return undefined;
  const cols = head.trim().split(/\s+/);
  const vals = first.trim().split(/\s+/).map((v) => parseInt(v, 16));
  const entries = vals[cols.indexOf('entries')];
  const tableFulls = vals[cols.indexOf('table_fulls')];
  if (entries === undefined || tableFulls === undefined || Number.isNaN(entries) || Number.isNaN(tableFulls)) return undefined;
  return { entries, tableFulls };
}

const RAISE_HINT = 'take down other labs (bgplab ls), or raise the shared table for this many nodes: bgplab host tune --nodes N (bgplab host tune --revert puts it back)';

/**
 * Why sessions may be stuck, from the table's state now versus `before` (read when the wait
 * began): the kernel found the table full meanwhile. Lines for an error's details, or [].
 */
export function neighbourTableDiagnosis(before: NeighbourTable | undefined, now: NeighbourTable | undefined): { details: string[]; hint?: string } {
  if (!before || !now || now.tableFulls <= before.tableFulls) return { details: [] };
  return {
    details: [
      `the machine's IPv6 neighbour table overflowed ${now.tableFulls - before.tableFulls} times during the wait (${now.entries} entries, gc_thresh3 ${now.gcThresh3}, one table for every namespace and container): neighbour discovery and router advertisements fail, so unnumbered sessions stay "Waiting for Peer IPv6 LLA"`,
    ],
    hint: RAISE_HINT,
  };
}

// ---------------------------------------------------------------- what a lab needs

/**
 * Neighbour entries per fabric interface. Measured on the default lab (32 interfaces),
 * `ip -6 neigh show nud all` in every namespace once converged: one REACHABLE entry for
 * the link-local peer (pinned: every BGP route's nexthop), and NOARP entries for ff02::1
 * (router advertisements) and ff02::16 (MLD), a few servers also a solicited-node group:
 * 85 entries per lab, 2.7 per interface. Peers cannot be garbage-collected, the
 * multicast entries can (when the table is above gc_thresh2 the kernel evicts them, and
 * re-creates them at the next RA).
 */
export const NEIGH_PINNED_PER_INTERFACE = 1;
export const NEIGH_STEADY_PER_INTERFACE = 3;
/** Proportional set size of one node's FRR daemons (zebra, bgpd, staticd), measured by `make bench`: 17-20 MiB. */
export const PSS_MIB_PER_NODE = 20;
/** Kernel tasks (threads) per daemon, counted in /proc/PID/task on FRR 8.4: zebra 4, bgpd 4, staticd 1. */
const TASKS_PER_DAEMON: Record<string, number> = { zebra: 4, bgpd: 4, staticd: 1, bfdd: 2, mgmtd: 2 };
const tasksOf = (daemon: string) => TASKS_PER_DAEMON[daemon] ?? 2;
/** Fabric interfaces per node a host is tuned for: 3.2 in the default lab, 3.8 in the generated 400-node fabric. */
export const INTERFACES_PER_NODE = 4;

export interface LabDemand {
  nodes: number;
  interfaces: number;
  /** kernel tasks of the daemons */
  tasks: number;
}

/** What a lab needs from the machine, from its recorded (or prepared) nodes. */
export function demandOf(nodes: readonly { interfaces: readonly string[]; daemons: readonly string[] }[]): LabDemand {
  return {
    nodes: nodes.length,
    interfaces: nodes.reduce((s, n) => s + n.interfaces.length, 0),
    tasks: nodes.reduce((s, n) => s + n.daemons.reduce((t, d) => t + tasksOf(d), 0), 0),
  };
}

export const sumDemand = (ds: readonly LabDemand[]): LabDemand => ({
  nodes: ds.reduce((s, d) => s + d.nodes, 0),
  interfaces: ds.reduce((s, d) => s + d.interfaces, 0),
  tasks: ds.reduce((s, d) => s + d.tasks, 0),
});

// ---------------------------------------------------------------- what the machine has

export interface HostFacts {
  /** IPv6 neighbour table: entries now and the thresholds */
  neigh6?: { entries: number; gcThresh1: number; gcThresh2: number; gcThresh3: number };
  memAvailableKiB?: number;
  /** kernel.pid_max and tasks running now */
  pidMax?: number;
  tasksNow?: number;
}

export interface BudgetRow {
  resource: string;
  /** the limit */
  cap: number;
  /** held by the labs already up (or measured, whichever is more) */
  used: number;
  /** what this lab needs */
  need: number;
  unit: string;
  /** refuse: it cannot work; warn: it may work, with the cost named in `why` */
  verdict: 'ok' | 'warn' | 'refuse';
  why?: string;
}

/**
 * The budgets of a lab that wants `want` on a machine with `facts` where `running` is up.
 * Pure. Memory and tasks the running labs already hold are in the facts (MemAvailable,
 * tasks now); neighbour entries are counted from the running labs' interfaces, because the
 * table's entry count swings with garbage collection (measured: 647 to 847 with 13 labs up).
 */
export function assessFit(facts: HostFacts, running: readonly LabDemand[], want: LabDemand): BudgetRow[] {
  const rows: BudgetRow[] = [];
  const up = sumDemand(running);
  /** one row: `over` (used + need beyond the cap, or a verdict of its own) gets `verdict` and `why` */
  const row = (resource: string, unit: string, cap: number, used: number, need: number, over: BudgetRow['verdict'], why: string) =>
    rows.push({ resource, unit, cap, used, need, verdict: over, ...(over !== 'ok' ? { why } : {}) });
  const beyond = (used: number, need: number, cap: number, v: BudgetRow['verdict']) => (used + need > cap ? v : 'ok');
  const n6 = facts.neigh6;
  if (n6) {
    const [pu, pn] = [up.interfaces * NEIGH_PINNED_PER_INTERFACE, want.interfaces * NEIGH_PINNED_PER_INTERFACE];
    row('IPv6 neighbours, pinned (1 per interface)', 'entries', n6.gcThresh3, pu, pn, beyond(pu, pn, n6.gcThresh3, 'refuse'), 'the link-local peers alone overflow the table: sessions cannot come up');
    const [su, sn] = [Math.max(n6.entries, up.interfaces * NEIGH_STEADY_PER_INTERFACE), want.interfaces * NEIGH_STEADY_PER_INTERFACE];
    row(
      `IPv6 neighbours, all (${NEIGH_STEADY_PER_INTERFACE} per interface)`,
      'entries',
      n6.gcThresh3,
      su,
      sn,
      beyond(su, sn, n6.gcThresh3, 'warn'),
      'the kernel will evict multicast entries to make room: router advertisements may fail for a while and sessions come up late',
    );
  }
  if (facts.memAvailableKiB !== undefined) {
    const need = want.nodes * PSS_MIB_PER_NODE;
    const free = Math.floor(facts.memAvailableKiB / 1024);
    const v = need > free ? 'refuse' : need > 0.8 * free ? 'warn' : 'ok';
    row(`memory (${PSS_MIB_PER_NODE} MiB per node)`, 'MiB', free, 0, need, v, v === 'refuse' ? 'the daemons do not fit in the memory available' : 'little memory would be left for anything else');
  }
  if (facts.pidMax !== undefined && facts.tasksNow !== undefined) {
    row('tasks (kernel.pid_max)', 'tasks', facts.pidMax, facts.tasksNow, want.tasks, beyond(facts.tasksNow, want.tasks, facts.pidMax, 'refuse'), 'the daemons cannot all start');
  }
  return rows;
}

export const formatRow = (r: BudgetRow) =>
  `${r.resource}: this lab needs ${r.need} ${r.unit}, the labs up hold ${r.used}, the limit is ${r.cap} (${Math.max(0, r.cap - r.used)} free)${r.why ? `: ${r.why}` : ''}`;

/** E_HOST_LIMIT for the refused rows, before anything is created; undefined when nothing is refused. */
export function hostLimitError(lab: string, rows: readonly BudgetRow[], want: LabDemand): BgplabError | undefined {
  const refused = rows.filter((r) => r.verdict === 'refuse');
  if (!refused.length) return undefined;
  const neigh = refused.some((r) => r.resource.startsWith('IPv6 neighbours'));
  return new BgplabError('E_HOST_LIMIT', `lab "${lab}" (${want.nodes} nodes, ${want.interfaces} interfaces) does not fit this machine: nothing was created`, {
    details: refused.map(formatRow),
    hint: neigh
      ? `raise the machine's IPv6 neighbour table for the nodes you run: bgplab host tune --nodes ${Math.max(want.nodes, 100)} (bgplab host shows the budgets; bgplab host tune --revert restores), or take down other labs`
      : 'take down other labs (bgplab ls), or use a bigger machine; bgplab host shows the budgets',
    data: { resources: refused.map((r) => r.resource).join(', ') },
  });
}

// ---------------------------------------------------------------- host tune

export const NEIGH6_KEYS = ['net.ipv6.neigh.default.gc_thresh1', 'net.ipv6.neigh.default.gc_thresh2', 'net.ipv6.neigh.default.gc_thresh3'] as const;
export type TuneKey = (typeof NEIGH6_KEYS)[number];

export interface TuneStep {
  key: TuneKey;
  before: number;
  after: number;
}

/**
 * The IPv6 neighbour thresholds for `nodes` nodes (INTERFACES_PER_NODE each): gc_thresh1
 * (no garbage collection below it) at the steady need, gc_thresh2 (collect after 5 s above
 * it) at twice that, gc_thresh3 (the hard cap) at four times, each rounded up to 1024.
 * A value is only raised, never lowered. The IPv4 table needs nothing: its lab entries are
 * zebra's PERMANENT 169.254.0.1 neighbours, which the kernel does not count against
 * gc_thresh3 (measured: 98 IPv4 entries with ten labs up, every one PERMANENT).
 */
export function tunePlan(current: Record<TuneKey, number>, nodes: number): TuneStep[] {
  const steady = nodes * INTERFACES_PER_NODE * NEIGH_STEADY_PER_INTERFACE;
  const round = (v: number) => Math.ceil(v / 1024) * 1024;
  const want: Record<TuneKey, number> = {
    'net.ipv6.neigh.default.gc_thresh1': round(steady),
    'net.ipv6.neigh.default.gc_thresh2': round(2 * steady),
    'net.ipv6.neigh.default.gc_thresh3': round(4 * steady),
  };
  return NEIGH6_KEYS.map((key) => ({ key, before: current[key], after: Math.max(current[key], want[key]) }));
}

/**
 * Limits of the machine that every lab shares, whatever its runtime.
 *
 * The kernel's IPv6 neighbour table is ONE table for the whole machine: every namespace and
 * container counts against net.ipv6.neigh.default.gc_thresh3 (1024 by default, a host
 * sysctl bgplab never touches). Besides one entry per link-local peer, each interface holds
 * NOARP entries for the multicast groups it sends to (measured: the default lab, 32
 * interfaces, added ~127 entries). Measured here: with a 400-node lab up the table held
 * 1040 entries, the kernel logged "neighbor table overflow", every ND/RA send failed with
 * EINVAL (zebra: "Tx RA failed ... Invalid argument") and no session of any new lab left
 * "Waiting for Peer IPv6 LLA".
 */
import { readFile } from 'node:fs/promises';

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

export async function readNeighbourTable(): Promise<NeighbourTable | undefined> {
  try {
    const s = parseNdiscStat(await readFile('/proc/net/stat/ndisc_cache', 'utf8'));
    const gcThresh3 = Number((await readFile('/proc/sys/net/ipv6/neigh/default/gc_thresh3', 'utf8')).trim());
    if (!s || !Number.isFinite(gcThresh3) || gcThresh3 <= 0) return undefined;
    return { ...s, gcThresh3 };
  } catch {
    return undefined;
  }
}

const RAISE_HINT =
  'take down other labs (bgplab ls), or have the host admin raise the shared table: sysctl -w net.ipv6.neigh.default.gc_thresh3=16384 (bgplab never changes host sysctls)';

/** A warning when the table is above 90 % of its cap before a deploy, else undefined. */
export async function neighbourTablePressure(): Promise<string | undefined> {
  const t = await readNeighbourTable();
  if (!t || t.entries < 0.9 * t.gcThresh3) return undefined;
  return `the machine's IPv6 neighbour table holds ${t.entries} entries (gc_thresh3 ${t.gcThresh3}, shared by every namespace and container): link-local neighbour discovery may fail and BGP unnumbered sessions may not come up; is a large lab running?`;
}

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

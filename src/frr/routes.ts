/**
 * Readers of routing tables: zebra's `show ip[v6] route json` and the kernel's
 * `ip -j route show`. Pure.
 */
import { isObj } from '../util/obj.js';

export interface FrrNextHop {
  interfaceName?: string;
  active?: boolean;
  fib?: boolean;
  ip?: string;
}
export interface FrrRoute {
  prefix: string;
  protocol: string;
  selected?: boolean;
  installed?: boolean;
  nexthops?: FrrNextHop[];
}
export type FrrRib = Record<string, FrrRoute[]>;

export interface KernelRoute {
  dst: string;
  dev?: string;
  protocol?: string;
  nexthops?: { dev?: string }[];
}

/** zebra's table as typed routes (entries that are not route lists are dropped). */
export function parseRib(doc: unknown): FrrRib {
  const out: FrrRib = {};
  if (!isObj(doc)) return out;
  for (const [prefix, entries] of Object.entries(doc)) if (Array.isArray(entries)) out[prefix] = entries.filter(isObj) as unknown as FrrRoute[];
  return out;
}

/** Prefixes with a selected route that is installed in the kernel. */
export function installedPrefixes(rib: FrrRib): Set<string> {
  const out = new Set<string>();
  for (const [prefix, entries] of Object.entries(rib)) {
    if (entries.some((e) => e.selected === true && e.installed !== false)) out.add(prefix);
  }
  return out;
}

export const byIf = (a: string, b: string) => a.localeCompare(b, undefined, { numeric: true });

/** FRR's selected route for a prefix: the interfaces of next hops that are active and in the FIB. */
export function frrNextHops(rib: FrrRib, prefix: string): { protocol: string; ifnames: string[] } | undefined {
  const r = (rib[prefix] ?? []).find((x) => x.selected);
  if (!r) return undefined;
  const ifnames = (r.nexthops ?? []).filter((n) => n.active && n.fib).map((n) => n.interfaceName ?? n.ip ?? '?');
  return { protocol: r.protocol, ifnames: ifnames.sort(byIf) };
}

/** The selected BGP route to each of `prefixes` that has one, with its active next-hop interfaces. */
export function bgpRoutesTo(rib: FrrRib, prefixes: readonly string[]): { prefix: string; ifnames: string[] }[] {
  const out: { prefix: string; ifnames: string[] }[] = [];
  for (const p of prefixes) {
    const r = (rib[p] ?? []).find((x) => x.protocol === 'bgp' && x.selected);
    if (r) out.push({ prefix: p, ifnames: (r.nexthops ?? []).filter((n) => n.active).map((n) => n.interfaceName ?? '?') });
  }
  return out;
}

/** The kernel's route for a prefix: interfaces of its next hops (multipath or single). */
export function kernelNextHops(routes: KernelRoute[], prefix: string): string[] | undefined {
  const [addr, len] = prefix.split('/');
  const host = (prefix.includes(':') && len === '128') || (!prefix.includes(':') && len === '32');
  // `ip -j route` names a default route "default"
  const dflt = len === '0' && (addr === '0.0.0.0' || addr === '::');
  const r = routes.find((x) => x.dst === prefix || (host && x.dst === addr) || (dflt && x.dst === 'default'));
  if (!r) return undefined;
  const devs = r.nexthops?.length ? r.nexthops.map((n) => n.dev ?? '?') : [r.dev ?? '?'];
  return devs.sort(byIf);
}

/**
 * The forwarding decisions of a table, as one comparable string: each prefix's selected
 * route, its protocol and active next hops. Two equal fingerprints some time apart mean
 * routing has settled (an OSPF lab answers pings over a transitional path before its last
 * SPF: measured on a 3-router point-to-point lab, routes changed ~3 s after every ping answered).
 */
export function ribFingerprint(rib: FrrRib): string {
  return Object.keys(rib)
    .sort()
    .map((p) => {
      const h = frrNextHops(rib, p);
      return h ? `${p} ${h.protocol} ${h.ifnames.join(',')}` : `${p} -`;
    })
    .join('\n');
}

/**
 * rules: cross-field checks on the expanded nodes. Pure; each is linear (or n log n) in the
 * number of nodes, links and prefixes, and reports one message per mistake.
 */
import type { FieldPath } from './expand.js';
import type { LabDesign, LabNode } from './model.js';
import type { LabFile } from './schema.js';
import { type Cidr, formatAddr, overlaps, parseCidr } from './ip.js';

export type Push = (path: FieldPath, message: string, hint?: string, atKey?: boolean) => void;

/** The largest 4-byte ASN FRR accepts in `router bgp` (4294967295 is reserved, RFC 7300). */
export const ASN_MAX = 4294967294;
/** AS_TRANS (RFC 6793): the 2-byte stand-in for a 4-byte ASN, never a real AS. */
export const AS_TRANS = 23456;
/** The last 2-byte ASN, reserved (RFC 7300): bgpd -C says "Reserved AS used" and creates no instance. */
export const AS_RESERVED_2BYTE = 65535;

/**
 * A role's ASN plan counts up from its first ASN (one per node): say once when the count
 * runs past ASN_MAX or over AS_TRANS, naming the first node that gets a bad one.
 * Returns the nodes whose ASN is unusable (the duplicate-ASN rule skips them).
 */
export function ruleAsnPlan(nodes: LabNode[], planPath: (n: LabNode) => FieldPath, push: Push): Set<string> {
  const bad = new Set<string>();
  const reported = new Set<string>();
  for (const n of nodes) {
    const why = n.asn > ASN_MAX ? 'over' : n.asn === AS_TRANS ? 'trans' : n.asn === AS_RESERVED_2BYTE ? 'reserved' : n.asn < 1 ? 'zero' : undefined;
    if (!why) continue;
    bad.add(n.name);
    const p = planPath(n);
    const k = `${p.join('.')}|${why}`;
    if (reported.has(k)) continue;
    reported.add(k);
    const count = nodes.filter((x) => x.role === n.role).length;
    if (why === 'over') {
      push(p, `the ${n.role} ASN plan runs past ${ASN_MAX}, the largest ASN: ${n.name} would get ${n.asn}`, `start the ${n.role} ASNs at ${ASN_MAX - count + 1} or lower (${count} ${n.role} nodes count up from it), e.g. 4200000001`);
    } else if (why === 'trans') {
      push(p, `the ${n.role} ASN plan reaches ${AS_TRANS} (AS_TRANS, RFC 6793, not a usable ASN): ${n.name} would get it`, `start the ${n.role} ASNs above ${AS_TRANS}, e.g. 65101`);
    } else if (why === 'reserved') {
      push(p, `the ${n.role} ASN plan reaches ${AS_RESERVED_2BYTE} (reserved, RFC 7300: bgpd refuses it): ${n.name} would get it`, `start the ${n.role} ASNs so that ${count} of them stay below ${AS_RESERVED_2BYTE} (at most ${AS_RESERVED_2BYTE - count}), or use 4-byte ASNs such as 4200000001`);
    } else push(p, `ASN ${n.asn} of ${n.name} is not a valid AS number`, 'use 1-4294967294');
  }
  return bad;
}

// Address ranges that are not usable unicast addresses for a node (RFC 6890): the kernel
// and FRR either refuse them on an interface or never route them.
const V4_UNUSABLE: [string, string][] = [
  ['0.0.0.0/8', '"this network" (0.0.0.0/8)'],
  ['127.0.0.0/8', 'the host loopback range 127.0.0.0/8'],
  ['224.0.0.0/4', 'multicast (224.0.0.0/4)'],
  ['240.0.0.0/4', 'reserved (240.0.0.0/4, including the broadcast address 255.255.255.255)'],
];
const V6_UNUSABLE: [string, string][] = [
  ['::/127', 'the unspecified or loopback address (::, ::1)'],
  ['fe80::/10', 'link-local (fe80::/10)'],
  ['ff00::/8', 'multicast (ff00::/8)'],
];
const parsedRanges = (rs: [string, string][]) => rs.map(([c, why]) => ({ cidr: parseCidr(c) as Cidr, why }));
const V4_RANGES = parsedRanges(V4_UNUSABLE);
const V6_RANGES = parsedRanges(V6_UNUSABLE);

/** Why a prefix (or address, as a /32 or /128) is no usable unicast space, or undefined. */
export function notUnicast(c: Cidr): string | undefined {
  for (const r of c.family === 4 ? V4_RANGES : V6_RANGES) if (overlaps(c, r.cidr)) return r.why;
  return undefined;
}

export function ruleLoopbacks(nodes: LabNode[], pathOf: (n: string) => FieldPath, skip: Set<string>, push: Push): void {
  const seen = new Map<string, string>();
  for (const n of nodes) {
    if (skip.has(n.name)) continue;
    const prev = seen.get(n.loopback);
    if (prev) push([...pathOf(n.name), 'loopback'], `loopback ${n.loopback} of "${n.name}" is already used by "${prev}"`, 'give each node its own loopback');
    else seen.set(n.loopback, n.name);
  }
}

/**
 * An announced prefix is configured as an address on the node's lo: one that contains
 * another node's loopback puts that address on two nodes. Loopbacks sorted once, then one
 * binary search per prefix.
 */
export function ruleAnnounceCoversLoopback(
  nodes: LabNode[],
  announcePath: (n: LabNode, i: number) => FieldPath,
  parse: (addr: string, family: 4 | 6) => bigint | undefined,
  push: Push,
): void {
  const los: Record<4 | 6, { addr: bigint; node: string }[]> = { 4: [], 6: [] };
  for (const n of nodes) {
    const a = parse(n.loopback, 4);
    if (a !== undefined) los[4].push({ addr: a, node: n.name });
    if (n.loopback6) {
      const b = parse(n.loopback6, 6);
      if (b !== undefined) los[6].push({ addr: b, node: n.name });
    }
  }
  for (const f of [4, 6] as const) los[f].sort((x, y) => (x.addr < y.addr ? -1 : x.addr > y.addr ? 1 : 0));
  for (const n of nodes) {
    n.announce.forEach((a, i) => {
      const c = parseCidr(a);
      if ('error' in c) return;
      const bits = c.family === 4 ? 32 : 128;
      const last = c.addr | ((1n << BigInt(bits - c.len)) - 1n);
      const list = los[c.family];
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (list[mid]!.addr < c.addr) lo = mid + 1;
        else hi = mid;
      }
      const hit = list[lo];
      if (hit && hit.addr <= last) {
        const own = hit.node === n.name;
        push(
          announcePath(n, i),
          own
            ? `announced prefix ${a} contains the node's own loopback ${formatAddr(c.family, hit.addr)}`
            : `announced prefix ${a} of "${n.name}" contains the loopback ${formatAddr(c.family, hit.addr)} of "${hit.node}": that address would be on two nodes`,
          'announce a prefix that holds no node loopback',
        );
      }
    });
  }
}

export interface RuleLink {
  a: { node: string; ifname: string };
  b: { node: string; ifname: string };
  path: FieldPath;
}

export function ruleAsns(
  nodes: LabNode[],
  links: RuleLink[],
  byName: Map<string, LabNode>,
  asnPathOf: (n: LabNode) => FieldPath,
  skip: Set<string>,
  push: Push,
  design: Pick<LabDesign, 'serverAsn' | 'spineAsn'> = { serverAsn: 'unique', spineAsn: 'shared' },
): void {
  // Only spines of one pod, or the super-spines, may share an ASN (and the servers, with
  // design.server_asn: shared): anything else either breaks eBGP-everywhere or makes
  // AS-path loop detection drop routes between them.
  const byAsn = new Map<number, LabNode[]>();
  for (const n of nodes) {
    if (skip.has(n.name)) continue;
    const g = byAsn.get(n.asn);
    if (g) g.push(n);
    else byAsn.set(n.asn, [n]);
  }
  const shareClass = (n: LabNode) =>
    n.role === 'super-spine'
      ? 'super-spine'
      : n.role === 'spine' && design.spineAsn === 'shared'
        ? `spine/${n.pod ?? 1}`
        : n.role === 'server' && design.serverAsn === 'shared'
          ? 'server'
          : `node/${n.name}`;
  for (const [asn, group] of byAsn) {
    if (group.length < 2) continue;
    const first = group[0]!;
    for (const n of group.slice(1)) {
      if (shareClass(n) === shareClass(first)) continue;
      const why =
        n.role === 'server' && first.role === 'server'
          ? 'servers need their own private ASN each (or design.server_asn: shared)'
          : n.role === 'spine' && first.role === 'spine' && design.spineAsn === 'unique'
            ? 'design.spine_asn is unique: every spine has its own ASN'
            : 'only the spines of one pod (or the super-spines) share an ASN';
      push(asnPathOf(n), `ASN ${asn} of "${n.name}" (${n.role}) is also used by "${first.name}" (${first.role}): ${why}`, 'set a distinct asn, or change the asn: plan');
    }
  }
  for (const l of links) {
    const a = byName.get(l.a.node)!;
    const b = byName.get(l.b.node)!;
    if (skip.has(a.name) || skip.has(b.name)) continue;
    if (a.asn === b.asn && shareClass(a) !== shareClass(b)) continue; // reported above
    if (a.asn === b.asn) push(l.path, `link ${l.a.node}:${l.a.ifname} – ${l.b.node}:${l.b.ifname} joins two nodes in AS ${a.asn}: every session in the fabric is eBGP`, 'connect nodes of different ASNs');
  }
}

export function ruleServers(
  nodes: LabNode[],
  links: RuleLink[],
  byName: Map<string, LabNode>,
  pathOf: (n: string) => FieldPath,
  push: Push,
  wired: Set<string> | undefined,
  describe: (p: FieldPath) => string,
): void {
  const seenPair = new Map<string, FieldPath>();
  for (const l of links) {
    const a = byName.get(l.a.node)!;
    const b = byName.get(l.b.node)!;
    if (a.role === 'server' && b.role === 'server') {
      push(l.path, `link joins two servers (${a.name}, ${b.name}): servers connect only to switches`, 'connect each server to two leaves');
      continue;
    }
    const srv = a.role === 'server' ? a : b.role === 'server' ? b : undefined;
    if (!srv) continue;
    const sw = srv === a ? b : a;
    const key = `${srv.name}|${sw.name}`;
    const prev = seenPair.get(key);
    if (prev) {
      push(l.path, `server "${srv.name}" is wired twice to "${sw.name}" (also at ${describe(prev)}): dual-homing needs two different switches`, `connect ${srv.name} to another leaf`);
    } else seenPair.set(key, l.path);
  }
  // `wired` undefined: links were dropped from a partial document; an unwired node is then
  // their doing, not a mistake of its own
  if (!wired) return;
  for (const n of nodes) {
    if (n.interfaces.length === 0 && nodes.length > 1 && !wired.has(n.name)) {
      push(pathOf(n.name), `node "${n.name}" has no links`, `add a link, e.g. ["${n.name}:eth1", "leaf1:eth9"]`);
    }
  }
}

/**
 * The design choices against the rest of the file. A server with an ASN of its own under
 * server_asn: shared would be neither design; to_servers other than all needs servers.
 */
export function ruleDesign(spec: LabFile, nodes: LabNode[], specPathOf: (name: string) => FieldPath | undefined, design: LabDesign, push: Push): void {
  if (!spec.design) return;
  const servers = nodes.filter((n) => n.role === 'server');
  if (design.serverAsn === 'shared') {
    const shared = spec.asn?.server ?? 4200000001;
    for (const s of servers) {
      const p = specPathOf(s.name);
      if (p && s.asn !== shared) {
        push([...p, 'asn'], `design.server_asn is shared: every server is in AS ${shared}, but ${s.name} sets asn ${s.asn}`, 'remove the asn: of the server (set asn.server for the shared ASN), or use design.server_asn: unique');
      }
    }
  }
  if (design.toServers !== 'all' && servers.length === 0) {
    push(['design', 'to_servers'], `design.to_servers is ${design.toServers}, but the lab has no servers`, 'remove to_servers, or add servers (fabric.servers)', );
  }
  if (design.spineAsn === 'unique' && !nodes.some((n) => n.role === 'spine')) {
    push(['design', 'spine_asn'], 'design.spine_asn is unique, but the lab has no spines', 'remove spine_asn');
  }
}

/** hold ≥ 3 × keepalive everywhere timers are given (lab, roles, nodes). */
export function ruleTimers(spec: LabFile, push: Push): void {
  const check = (base: FieldPath, t: { keepalive?: number; hold?: number } | undefined, inherit: { keepalive: number; hold: number }) => {
    if (!t) return inherit;
    const keepalive = t.keepalive ?? inherit.keepalive;
    const hold = t.hold ?? inherit.hold;
    if (hold < 3 * keepalive) {
      push([...base, t.hold !== undefined ? 'hold' : 'keepalive'], `hold time ${hold}s is under 3 × keepalive (${keepalive}s)`, 'BGP convention: hold = 3 × keepalive (3/9 in the datacenter profile)');
    }
    return { keepalive, hold };
  };
  const lab = check(['timers'], spec.timers, { keepalive: 3, hold: 9 });
  for (const [role, r] of Object.entries(spec.roles ?? {})) check(['roles', role, 'timers'], r?.timers, lab);
  for (const [name, n] of Object.entries(spec.nodes ?? {})) {
    const role = n.role ? spec.roles?.[n.role]?.timers : undefined;
    check(['nodes', name, 'timers'], n.timers, { ...lab, ...Object.fromEntries(Object.entries(role ?? {}).filter(([, v]) => v !== undefined)) });
  }
}

/**
 * Snippets name real nodes and interfaces, an IPv6 block only where the lab carries IPv6,
 * and none for a node whose whole frr.conf is the user's (they would be ignored).
 */
export function ruleSnippets(spec: LabFile, nodes: LabNode[], byName: Map<string, LabNode>, ipv6: boolean, hintOf: (name: string) => string, push: Push): void {
  const sn = spec.snippets;
  if (!sn) return;
  type Block = NonNullable<NonNullable<LabFile['snippets']>['nodes']>[string];
  const checkBlock = (b: Block | undefined, base: FieldPath, owners: LabNode[]) => {
    if (!b) return;
    if (b.ipv6_unicast !== undefined && !ipv6) {
      push([...base, 'ipv6_unicast'], 'this lab has no address-family ipv6 unicast (no IPv6 loopbacks)', 'set loopbacks.ipv6_pool, or move the lines to ipv4_unicast', true);
    }
    for (const ifname of Object.keys(b.interfaces ?? {})) {
      if (ifname === 'lo') continue;
      const lacking = owners.filter((n) => !n.interfaces.includes(ifname));
      if (lacking.length === owners.length && owners.length) {
        push([...base, 'interfaces', ifname], `interface ${ifname} is not a fabric interface of ${owners.length === 1 ? owners[0]!.name : `any ${owners[0]!.role}`}`, `interfaces: ${[...new Set(owners.flatMap((n) => n.interfaces))].slice(0, 8).join(', ') || 'none'}, or lo`, true);
      }
    }
  };
  for (const [role, b] of Object.entries(sn.roles ?? {})) {
    const owners = nodes.filter((n) => n.role === role);
    if (b && owners.length === 0) push(['snippets', 'roles', role], `the lab has no ${role} nodes: these snippets would go nowhere`, 'remove them', true);
    checkBlock(b, ['snippets', 'roles', role], owners);
  }
  for (const [name, b] of Object.entries(sn.nodes ?? {})) {
    const n = byName.get(name);
    if (!n) {
      push(['snippets', 'nodes', name], `unknown node "${name}"`, hintOf(name), true);
      continue;
    }
    if (spec.nodes?.[name]?.frr_conf !== undefined) {
      push(['snippets', 'nodes', name], `${name} has a frr_conf of its own: bgplab renders nothing for it, so these snippets would be ignored`, 'put the lines into that file, or remove frr_conf', true);
      continue;
    }
    checkBlock(b, ['snippets', 'nodes', name], [n]);
  }
}

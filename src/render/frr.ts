/**
 * Per-node FRR configuration: frr.conf, daemons, vtysh.conf. Pure.
 *
 * Peer groups: FABRIC (switch to switch), SERVERS (a switch's server-facing ports),
 * TOR (a server's uplinks). Every session is BGP unnumbered (`neighbor IF interface`).
 * No-transit is enforced on both sides of every server link:
 *   - the server sends only its own prefixes (route-map TO-FABRIC out on TOR);
 *   - the switch accepts from each server only the prefixes that server owns
 *     (route-map FROM-<server> in on that interface).
 */
import { timersOf, type FrrVersion, type Lab, type LabNode, type Snippet } from '../lab/model.js';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '../lab/ip.js';
import { serverAllowasIn, toServersNeighborLines, toServersPolicy } from './frr-design.js';

/** The `frr version` line of each release line: the releases bgplab's images carry
 *  (Debian bookworm 8.4.4, trixie 10.3.1). */
export const FRR_CONF_VERSION: Record<FrrVersion, string> = { '8.4': '8.4', '10': '10.3' };

export interface NodeView {
  node: LabNode;
  /** fabric interfaces of this node with the peer on the other end */
  ports: { ifname: string; peer: LabNode }[];
}

export function nodeViews(lab: Lab): NodeView[] {
  const byName = new Map(lab.nodes.map((n) => [n.name, n]));
  const ports = new Map<string, { ifname: string; peer: LabNode }[]>();
  for (const s of lab.sessions) {
    const list = ports.get(s.node) ?? [];
    list.push({ ifname: s.ifname, peer: byName.get(s.peer)! });
    ports.set(s.node, list);
  }
  return lab.nodes.map((node) => ({ node, ports: ports.get(node.name) ?? [] }));
}

const isV6 = (p: string) => p.includes(':');

/** The address configured for an announced prefix: its first host (10.1.1.0/24 -> 10.1.1.1/24), the prefix itself for /32 and /128. */
export function announceAddress(prefix: string): string {
  const [addr, len] = prefix.split('/') as [string, string];
  const l = Number(len);
  if (isV6(addr)) return l >= 127 ? prefix : `${formatIPv6((parseIPv6(addr) ?? 0n) + 1n)}/${len}`;
  if (l >= 31) return prefix;
  return `${formatIPv4((parseIPv4(addr) ?? 0n) + 1n)}/${len}`;
}

/** bgp bestpath as-path multipath-relax is needed where equal-cost paths can arrive from
 *  neighbors in different ASNs: a node whose BGP neighbors span two or more ASNs
 *  (spines: one leaf ASN each; servers: two leaves; super-spines: one spine ASN per pod). */
export function needsMultipathRelax(v: NodeView): boolean {
  return new Set(v.ports.map((p) => p.peer.asn)).size >= 2;
}

/** Prefixes a node originates: loopback(s) and announced prefixes. */
export function ownPrefixes(n: LabNode): { v4: string[]; v6: string[] } {
  const v4 = [`${n.loopback}/32`, ...n.announce.filter((p) => !isV6(p))];
  const v6 = [...(n.loopback6 ? [`${n.loopback6}/128`] : []), ...n.announce.filter(isV6)];
  return { v4, v6 };
}

/** Route-map/prefix-list name for what a switch accepts from one server. */
export function fromServerName(server: string): string {
  return `FROM-${server}`;
}

/** Where a line of a rendered frr.conf comes from: line `index` (0-based) of a user snippet. */
export interface LineOrigin {
  snippet: Snippet;
  index: number;
}

export interface RenderedFrrConf {
  text: string;
  /** per line of text (0-based): the snippet line it is, or undefined for bgplab's own */
  origins: (LineOrigin | undefined)[];
  /** the node's frr.conf is the user's own file (nodes.<n>.frr_conf), as is */
  userFile?: string;
}

export function renderFrrConf(lab: Lab, v: NodeView): string {
  return renderFrrConfMapped(lab, v).text;
}

/** The lines of a snippet, each with its origin (blank lines and a trailing newline dropped). */
function snippetLines(s: Snippet, indent: string): { line: string; origin: LineOrigin }[] {
  return s.text
    .split('\n')
    .map((line, index) => ({ line: line.trimEnd(), origin: { snippet: s, index } }))
    .filter((x) => x.line.trim() !== '')
    .map((x) => ({ line: indent + x.line, origin: x.origin }));
}

export function renderFrrConfMapped(lab: Lab, v: NodeView): RenderedFrrConf {
  const n = v.node;
  if (n.frrConf) {
    // as is, but for top-level `exit` lines (FRR writes one after each block): the netns
    // runtime starts each daemon with `-f frr.conf`, and a daemon that does not know a block
    // takes its `exit` as leaving configuration mode (see below). `!` keeps the line numbers.
    const text = (n.frrConf.text ?? '').replace(/^exit[ \t]*$/gm, '!');
    return { text, origins: text.split('\n').map(() => undefined), userFile: n.frrConf.given };
  }
  const origins: (LineOrigin | undefined)[] = [];
  const L: string[] = [];
  const snips = (block: Snippet['block'], indent: string) => {
    for (const s of n.snippets ?? []) {
      if (s.block !== block) continue;
      for (const x of snippetLines(s, indent)) {
        origins[L.length] = x.origin;
        L.push(x.line);
      }
    }
  };
  const ipv6 = lab.nodes.some((x) => x.loopback6);
  const filters = lab.options.transitFilters;
  const own = ownPrefixes(n);
  const isServer = n.role === 'server';
  const serverPorts = isServer ? [] : v.ports.filter((p) => p.peer.role === 'server');
  const fabricPorts = isServer ? [] : v.ports.filter((p) => p.peer.role !== 'server');
  const fabricPeers = uniqueBy(fabricPorts.map((p) => p.peer), (x) => x.name);
  const toServers = serverPorts.length > 0;
  const timers = timersOf(lab, n);
  // No `exit` lines: the netns runtime starts each daemon with `-f frr.conf`, and a daemon
  // that does not know a block (bgpd: `bfd`; bfdd: `interface`) would take that block's
  // `exit` as leaving configuration mode and reject everything after it (measured: a BFD
  // lab lost its whole `router bgp`). Without them every daemon, like vtysh, climbs back to
  // the top level by itself at the next top-level command.
  // The version line first, as FRR writes it: FRR derives its version-dependent defaults from
  // it (lib/defaults.c), so a config keeps the defaults of the release it was proven on
  // when a later 10.x reads it.
  L.push(`frr version ${FRR_CONF_VERSION[lab.frr]}`);
  L.push('frr defaults datacenter');
  L.push(`hostname ${n.name}`);
  L.push('service integrated-vtysh-config');
  // Routes with inline next hops instead of kernel nexthop objects. Measured with FRR 8.4 on
  // kernel 6.18: after a link flaps (down 0.3-3 s, then up), a spine's kernel route keeps only
  // one of its two next hops while zebra reports both installed (3 of 3 flaps; FRRouting/frr
  // PR 14080 fixes it upstream). Inline next hops: 0 of 3.
  L.push('no zebra nexthop kernel enable');
  L.push('!');
  L.push('interface lo');
  L.push(` ip address ${n.loopback}/32`);
  if (n.loopback6) L.push(` ipv6 address ${n.loopback6}/128`);
  // Announced prefixes live on lo too (zebra configures them): the connected route is the
  // prefix, so `network` finds it, and the node answers for every address in it. Not a
  // dummy interface: not every kernel has CONFIG_DUMMY (this machine's has not).
  for (const p of n.announce) L.push(` ${isV6(p) ? 'ipv6' : 'ip'} address ${announceAddress(p)}`);
  snips('interface lo', ' ');
  L.push('!');
  // Unnumbered peers find each other through router advertisements, and zebra ignores
  // those arriving before its own bgpd asked for RAs on the link; a node that started a
  // few seconds after its neighbour then waits for the neighbour's next periodic RA: 10 s
  // as bgpd asks, 3 s with this. Measured on a 100-node lab: sessions 8-9 s after deploy
  // with 10 s, 2.1 s with 3 s.
  for (const i of n.interfaces) {
    L.push(`interface ${i}`);
    L.push(' ipv6 nd ra-interval 3');
    snips(`interface ${i}`, ' ');
    L.push('!');
  }

  if (n.bfd.enabled) {
    L.push('bfd');
    L.push(' profile bgplab');
    L.push(`  detect-multiplier ${n.bfd.multiplier}`);
    L.push(`  receive-interval ${n.bfd.intervalMs}`);
    L.push(`  transmit-interval ${n.bfd.intervalMs}`);
    L.push('!');
  }

  if (filters) {
    if (isServer) {
      L.push('! no transit: this server advertises only its own prefixes');
      own.v4.forEach((p, i) => L.push(`ip prefix-list OWN seq ${(i + 1) * 5} permit ${p}`));
      own.v6.forEach((p, i) => L.push(`ipv6 prefix-list OWN6 seq ${(i + 1) * 5} permit ${p}`));
      L.push('!');
      L.push('route-map TO-FABRIC permit 10');
      L.push(' match ip address prefix-list OWN');
      L.push('!');
      if (ipv6) {
        L.push('route-map TO-FABRIC6 permit 10');
        L.push(' match ipv6 address prefix-list OWN6');
        L.push('!');
      }
    }
    const servers = uniqueBy(serverPorts.map((p) => p.peer), (s) => s.name);
    for (const s of servers) {
      const sp = ownPrefixes(s);
      const name = fromServerName(s.name);
      L.push(`! no transit: accept from ${s.name} only the prefixes it owns`);
      sp.v4.forEach((p, i) => L.push(`ip prefix-list ${name} seq ${(i + 1) * 5} permit ${p}`));
      sp.v6.forEach((p, i) => L.push(`ipv6 prefix-list ${name}-6 seq ${(i + 1) * 5} permit ${p}`));
      L.push('!');
      L.push(`route-map ${name} permit 10`);
      L.push(` match ip address prefix-list ${name}`);
      L.push('!');
      if (ipv6) {
        L.push(`route-map ${name}-6 permit 10`);
        L.push(` match ipv6 address prefix-list ${name}-6`);
        L.push('!');
      }
    }
  } else {
    L.push('! UNSAFE: options.transit_filters is false, servers can become transit nodes');
    L.push('!');
  }
  if (toServers) L.push(...toServersPolicy(lab, fabricPeers, ipv6));
  snips('global', '');
  if (n.snippets?.some((s) => s.block === 'global')) L.push('!');

  L.push(`router bgp ${n.asn}`);
  L.push(` bgp router-id ${n.loopback}`);
  // bgpd holds a new peer's first update for the subgroup coalesce time: 1 s by default
  // (and more with many peers). Measured on the default lab: every loopback route arrived
  // ~1.0 s after the last session came up with the default, ~0.1 s with 100 ms.
  L.push(' coalesce-time 100');
  if (needsMultipathRelax(v)) L.push(' bgp bestpath as-path multipath-relax');
  if (timers.keepalive !== 3 || timers.hold !== 9) L.push(` timers bgp ${timers.keepalive} ${timers.hold}`);
  // RFC 8326: peers lower the preference of paths through this node (local-pref 0; FRR 8.4
  // receivers do it by themselves: measured, a leaf kept only the other spine's paths)
  if (n.maintenance === 'graceful-shutdown') L.push(' bgp graceful-shutdown');
  const groups: { name: string; ports: { ifname: string; peer: LabNode }[] }[] = isServer
    ? [{ name: 'TOR', ports: v.ports }]
    : [
        { name: 'FABRIC', ports: fabricPorts },
        { name: 'SERVERS', ports: serverPorts },
      ];
  for (const g of groups.filter((g) => g.ports.length)) {
    L.push(` neighbor ${g.name} peer-group`);
    L.push(` neighbor ${g.name} remote-as external`);
    if (n.bfd.enabled) {
      L.push(` neighbor ${g.name} bfd`);
      L.push(` neighbor ${g.name} bfd profile bgplab`);
    }
    for (const p of g.ports) L.push(` neighbor ${p.ifname} interface peer-group ${g.name}`);
  }
  snips('router_bgp', ' ');
  const allowas = serverAllowasIn(lab, n);
  L.push(' !');
  L.push(' address-family ipv4 unicast');
  for (const p of own.v4) L.push(`  network ${p}`);
  if (filters) {
    if (isServer && v.ports.length) L.push('  neighbor TOR route-map TO-FABRIC out');
    for (const p of serverPorts) L.push(`  neighbor ${p.ifname} route-map ${fromServerName(p.peer.name)} in`);
  }
  if (allowas && v.ports.length) L.push(`  neighbor TOR allowas-in ${allowas}`);
  if (toServers) L.push(...toServersNeighborLines(lab, 'ipv4', fabricPeers));
  snips('ipv4_unicast', '  ');
  L.push(' exit-address-family');
  if (ipv6) {
    L.push(' !');
    L.push(' address-family ipv6 unicast');
    for (const p of own.v6) L.push(`  network ${p}`);
    for (const g of groups.filter((g) => g.ports.length)) L.push(`  neighbor ${g.name} activate`);
    if (filters) {
      if (isServer && v.ports.length) L.push('  neighbor TOR route-map TO-FABRIC6 out');
      for (const p of serverPorts) L.push(`  neighbor ${p.ifname} route-map ${fromServerName(p.peer.name)}-6 in`);
    }
    if (allowas && v.ports.length) L.push(`  neighbor TOR allowas-in ${allowas}`);
    if (toServers) L.push(...toServersNeighborLines(lab, 'ipv6', fabricPeers));
    snips('ipv6_unicast', '  ');
    L.push(' exit-address-family');
  }
  L.push('!');
  origins.length = L.length + 1;
  return { text: L.join('\n') + '\n', origins };
}

/** 1024 (the usual default), or a power of two with room for 4 fds per interface on very wide nodes. */
export function daemonFdLimit(n: Pick<LabNode, 'interfaces'>): number {
  return Math.max(1024, 2 ** Math.ceil(Math.log2(4 * n.interfaces.length + 64)));
}

/** The daemons file decides which daemons start (frrinit.sh in containers, the netns runtime natively). */
export function renderDaemons(n: LabNode): string {
  // a user's own frr.conf with a bfd block needs bfdd whatever the lab file says
  const bfd = n.bfd.enabled || /^bfd\b/m.test(n.frrConf?.text ?? '');
  // no staticd: bgplab renders no static routes (the netns runtime honours staticd=no; a
  // container's frrinit starts it anyway). Measured, default lab, 4 alternating runs each:
  // deploy + 3 s of the daemons 0.149 CPU-s per node without it, 0.166 with; PSS per node
  // of a 400-node fabric 14.7 MiB without, 17.0 with.
  const on = new Set(['zebra', 'bgpd', ...(bfd ? ['bfdd'] : [])]);
  const all = ['bgpd', 'ospfd', 'ospf6d', 'ripd', 'ripngd', 'isisd', 'pimd', 'ldpd', 'nhrpd', 'eigrpd', 'babeld', 'sharpd', 'pbrd', 'bfdd', 'fabricd', 'vrrpd', 'pathd'];
  const L = ['# generated by bgplab: the daemons this node runs', 'zebra=yes'];
  for (const d of all) L.push(`${d}=${on.has(d) ? 'yes' : 'no'}`);
  L.push('staticd=no');
  L.push('vtysh_enable=yes');
  L.push('frr_profile="datacenter"');
  // FRR sizes each event loop's fd tables by the fd limit it inherits (20000 in a shell here,
  // up to 1M under Docker): --limit-fds saved ~5 MB RSS per node, measured. Room for every
  // peer of the node many times over.
  const fds = `--limit-fds ${daemonFdLimit(n)}`;
  L.push(`zebra_options="  -A 127.0.0.1 -s 90000000 ${fds}"`);
  L.push(`bgpd_options="   -A 127.0.0.1 ${fds}"`);
  L.push(`bfdd_options="   -A 127.0.0.1 ${fds}"`);
  return L.join('\n') + '\n';
}

export function renderVtyshConf(n: LabNode): string {
  return `! ${n.name}: one integrated frr.conf for all daemons\nservice integrated-vtysh-config\n`;
}

function uniqueBy<T>(xs: T[], key: (x: T) => string): T[] {
  const seen = new Set<string>();
  return xs.filter((x) => (seen.has(key(x)) ? false : (seen.add(key(x)), true)));
}

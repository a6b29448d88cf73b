/**
 * Reader of an frr.conf someone else wrote (a containerlab lab's bound config): what bgplab
 * must wait for and check in it. Pure. Reads only what expectations come from: interface
 * addresses, the lo addresses (the router's loopbacks), `router bgp` neighbours (numbered
 * and unnumbered, peer-groups, shutdown), `router ospf` networks / `ip ospf area` and
 * passive interfaces, OSPFv3 areas (`ipv6 ospf6 area`, or `interface X area A` under
 * `router ospf6`). Whether FRR accepts each line is FRR's verdict at deploy, not this reader's.
 */

export interface ConfInterface {
  name: string;
  line: number;
  /** CIDR, in file order */
  ipv4: string[];
  ipv6: string[];
  ospfArea?: string;
  ospfPassive?: boolean;
  ospf6Area?: string;
  ospf6Passive?: boolean;
}

export interface ConfNeighbor {
  /** the key bgpd uses in `show bgp summary json`: the address, or the interface name (unnumbered) */
  peer: string;
  unnumbered: boolean;
  line: number;
  remoteAs?: string;
  peerGroup?: string;
  shutdown?: boolean;
}

export interface BgpConf {
  asn: string;
  line: number;
  neighbors: ConfNeighbor[];
  /** `network P` lines (any address family) */
  networks: string[];
  redistributeConnected: boolean;
}

export interface OspfConf {
  line: number;
  networks: { prefix: string; area: string; line: number }[];
  passive: string[];
  passiveDefault: boolean;
  /** `no passive-interface X` under `passive-interface default` */
  active: string[];
  redistributeConnected: boolean;
}

export interface Ospf6Conf {
  line: number;
  /** `interface X area A` lines under router ospf6 (older syntax) */
  areas: { ifname: string; area: string; line: number }[];
  redistributeConnected: boolean;
}

export interface FrrConf {
  hostname?: string;
  interfaces: Map<string, ConfInterface>;
  /** the default VRF's BGP instance (a `vrf` instance's neighbours live in another table) */
  bgp?: BgpConf;
  ospf?: OspfConf;
  ospf6?: Ospf6Conf;
}

const IPV4_RE = /^\d{1,3}(\.\d{1,3}){3}$/;
export const isIpv4 = (s: string) => IPV4_RE.test(s);
export const isIpAddress = (s: string) => isIpv4(s) || (s.includes(':') && /^[0-9a-fA-F:.]+$/.test(s));

/** Parse frr.conf text (integrated config). Unknown lines are ignored here. */
export function parseFrrConf(text: string): FrrConf {
  const conf: FrrConf = { interfaces: new Map() };
  type Block = { kind: 'interface'; iface: ConfInterface } | { kind: 'bgp'; bgp: BgpConf | undefined } | { kind: 'ospf'; o: OspfConf } | { kind: 'ospf6'; o: Ospf6Conf } | { kind: 'other' } | { kind: 'top' };
  let block: Block = { kind: 'top' };
  const groups = new Set<string>();
  const neighbors = new Map<string, ConfNeighbor>();
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = i + 1;
    const indented = /^\s/.test(raw);
    const t = raw.replace(/\s+!.*$/, '').trim();
    if (!t || t.startsWith('!') || t.startsWith('#')) {
      if (t === '!' && !indented) block = { kind: 'top' };
      return;
    }
    const w = t.split(/\s+/);
    if (t === 'exit' || t === 'end' || t === 'exit-vrf') {
      block = { kind: 'top' };
      return;
    }
    if (!indented) {
      // a new top-level statement ends the previous block
      if (w[0] === 'hostname' && w[1]) conf.hostname = w[1];
      if (w[0] === 'interface' && w[1] && !w.includes('vrf')) {
        const iface = conf.interfaces.get(w[1]) ?? { name: w[1], line, ipv4: [], ipv6: [] };
        conf.interfaces.set(w[1], iface);
        block = { kind: 'interface', iface };
      } else if (w[0] === 'router' && w[1] === 'bgp' && w[2]) {
        const inVrf = w.includes('vrf') || w.includes('view');
        if (!inVrf) conf.bgp = { asn: w[2], line, neighbors: [], networks: [], redistributeConnected: false };
        block = { kind: 'bgp', bgp: inVrf ? undefined : conf.bgp };
      } else if (w[0] === 'router' && w[1] === 'ospf' && !w.includes('vrf')) {
        conf.ospf = { line, networks: [], passive: [], passiveDefault: false, active: [], redistributeConnected: false };
        block = { kind: 'ospf', o: conf.ospf };
      } else if (w[0] === 'router' && w[1] === 'ospf6' && !w.includes('vrf')) {
        conf.ospf6 = { line, areas: [], redistributeConnected: false };
        block = { kind: 'ospf6', o: conf.ospf6 };
      } else block = w[0] === 'hostname' || w[0] === 'frr' ? { kind: 'top' } : { kind: 'other' };
      return;
    }
    if (block.kind === 'interface') {
      const f = block.iface;
      if (w[0] === 'ip' && w[1] === 'address' && w[2]) f.ipv4.push(w[2]);
      else if (w[0] === 'ipv6' && w[1] === 'address' && w[2]) f.ipv6.push(w[2]);
      else if (w[0] === 'ip' && w[1] === 'ospf' && w[2] === 'area' && w[3]) f.ospfArea = w[3];
      else if (w[0] === 'ip' && w[1] === 'ospf' && w[2] === 'passive') f.ospfPassive = true;
      else if (w[0] === 'no' && w[1] === 'ip' && w[2] === 'ospf' && w[3] === 'passive') f.ospfPassive = false;
      else if (w[0] === 'ipv6' && w[1] === 'ospf6' && w[2] === 'area' && w[3]) f.ospf6Area = w[3];
      else if (w[0] === 'ipv6' && w[1] === 'ospf6' && w[2] === 'passive') f.ospf6Passive = true;
    } else if (block.kind === 'bgp' && block.bgp && w[0] === 'network' && w[1]) {
      block.bgp.networks.push(w[1]);
    } else if ((block.kind === 'bgp' && block.bgp) || block.kind === 'ospf' || block.kind === 'ospf6') {
      if (w[0] === 'redistribute' && w[1] === 'connected') {
        if (block.kind === 'bgp') block.bgp!.redistributeConnected = true;
        else block.o.redistributeConnected = true;
      }
    }
    if (block.kind === 'bgp' && block.bgp && w[0] === 'neighbor' && w[1]) {
      const name = w[1];
      const rest = w.slice(2);
      if (rest.length === 1 && rest[0] === 'peer-group') {
        groups.add(name);
        return;
      }
      if (groups.has(name) && !rest.includes('interface')) return; // a setting of the group itself
      const unnumbered = !isIpAddress(name);
      if (unnumbered && !rest.includes('interface') && !neighbors.has(name)) return; // not a session (e.g. an undeclared group)
      let n = neighbors.get(name);
      if (!n) {
        n = { peer: name, unnumbered, line };
        neighbors.set(name, n);
        block.bgp.neighbors.push(n);
      }
      const at = (k: string) => (rest.indexOf(k) >= 0 ? rest[rest.indexOf(k) + 1] : undefined);
      const ras = at('remote-as');
      if (ras) n.remoteAs = ras;
      const pg = at('peer-group');
      if (pg) n.peerGroup = pg;
      if (rest[0] === 'shutdown') n.shutdown = true;
    } else if (block.kind === 'ospf') {
      if (w[0] === 'network' && w[1] && w[2] === 'area' && w[3]) block.o.networks.push({ prefix: w[1], area: w[3], line });
      else if (w[0] === 'passive-interface' && w[1] === 'default') block.o.passiveDefault = true;
      else if (w[0] === 'passive-interface' && w[1]) block.o.passive.push(w[1]);
      else if (w[0] === 'no' && w[1] === 'passive-interface' && w[2]) {
        block.o.passive = block.o.passive.filter((x) => x !== w[2]);
        block.o.active.push(w[2]);
      }
    } else if (block.kind === 'ospf6') {
      if (w[0] === 'interface' && w[1] && w[2] === 'area' && w[3]) block.o.areas.push({ ifname: w[1], area: w[3], line });
    }
  });
  return conf;
}

/** IPv4 dotted quad → number (undefined when not one). */
export function ipv4ToInt(a: string): number | undefined {
  if (!isIpv4(a)) return undefined;
  const p = a.split('.').map(Number);
  if (p.some((x) => x > 255)) return undefined;
  return ((p[0]! << 24) >>> 0) + (p[1]! << 16) + (p[2]! << 8) + p[3]!;
}

/** Is IPv4 address `addr` inside `cidr` (a.b.c.d/len)? */
export function inPrefix(addr: string, cidr: string): boolean {
  const [net, lenS] = cidr.split('/');
  const len = Number(lenS ?? 32);
  const a = ipv4ToInt(addr);
  const n = ipv4ToInt(net ?? '');
  if (a === undefined || n === undefined || !(len >= 0 && len <= 32)) return false;
  const mask = len === 0 ? 0 : (~0 << (32 - len)) >>> 0;
  return ((a & mask) >>> 0) === ((n & mask) >>> 0);
}

/** The OSPFv2 area an interface runs in, or undefined (no `ip ospf area`, no covering `network`). */
export function ospfAreaOf(conf: FrrConf, ifname: string): string | undefined {
  const f = conf.interfaces.get(ifname);
  if (!conf.ospf) return undefined;
  if (f?.ospfArea) return f.ospfArea;
  for (const a of f?.ipv4 ?? []) {
    const addr = a.split('/')[0]!;
    const net = conf.ospf.networks.find((n) => inPrefix(addr, n.prefix));
    if (net) return net.area;
  }
  return undefined;
}

export function ospfPassive(conf: FrrConf, ifname: string): boolean {
  const f = conf.interfaces.get(ifname);
  if (f?.ospfPassive !== undefined) return f.ospfPassive;
  if (!conf.ospf) return false;
  return conf.ospf.passive.includes(ifname) || (conf.ospf.passiveDefault && !conf.ospf.active.includes(ifname));
}

export function ospf6AreaOf(conf: FrrConf, ifname: string): string | undefined {
  if (!conf.ospf6) return undefined;
  return conf.interfaces.get(ifname)?.ospf6Area ?? conf.ospf6.areas.find((a) => a.ifname === ifname)?.area;
}

/** The node's loopback addresses (lo's, without prefix length). */
export function loopbacksOf(conf: FrrConf): string[] {
  const lo = conf.interfaces.get('lo');
  return [...(lo?.ipv4 ?? []), ...(lo?.ipv6 ?? [])].map((c) => c.split('/')[0]!);
}

/**
 * Does the config advertise this loopback address to its neighbours? OSPF on lo (an area,
 * or a covering `network`), OSPFv3 on lo, `redistribute connected`, or a BGP `network`
 * covering it. containerlab's frr01 example does none of these for its 10.10.10.x/32
 * loopbacks, so the other routers have no route to them (measured: no ping reply, on
 * netns as it would be on containerlab): bgplab expects only advertised loopbacks to answer.
 */
export function advertises(conf: FrrConf, address: string): boolean {
  const v6 = address.includes(':');
  if (!v6 && conf.ospf && (ospfAreaOf(conf, 'lo') !== undefined || conf.ospf.redistributeConnected)) return true;
  if (v6 && conf.ospf6 && (ospf6AreaOf(conf, 'lo') !== undefined || conf.ospf6.redistributeConnected)) return true;
  if (conf.bgp?.redistributeConnected) return true;
  return !!conf.bgp?.networks.some((p) => (v6 ? p.split('/')[0] === address : inPrefix(address, p)));
}

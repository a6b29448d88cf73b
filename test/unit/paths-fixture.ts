import type { Lab, LabNode, Role } from '../../src/lab/model.js';

/**
 * A hand-built Lab model in the shape the expander produces: spines share one ASN,
 * each leaf and server has its own, servers dual-homed to leaf pairs 1+2, 3+4, ...
 * (kept independent of the expander so these tests pin the path logic alone).
 */
export function clos(opts: { spines: number; leaves: number; servers: number; transitFilters?: boolean; superSpines?: number; pods?: number }): Lab {
  const nodes: LabNode[] = [];
  const links: Lab['links'] = [];
  const ifCount = new Map<string, number>();
  const add = (name: string, role: Role, asn: number, loopback: string, pod?: number) => {
    nodes.push({ name, role, asn, loopback, announce: [], bfd: { enabled: false, intervalMs: 300, multiplier: 3 }, image: 'x', interfaces: [], pod });
  };
  const link = (a: string, b: string) => {
    const ia = `eth${(ifCount.get(a) ?? 0) + 1}`;
    const ib = `eth${(ifCount.get(b) ?? 0) + 1}`;
    ifCount.set(a, (ifCount.get(a) ?? 0) + 1);
    ifCount.set(b, (ifCount.get(b) ?? 0) + 1);
    nodes.find((n) => n.name === a)!.interfaces.push(ia);
    nodes.find((n) => n.name === b)!.interfaces.push(ib);
    links.push({ a: { node: a, ifname: ia }, b: { node: b, ifname: ib } });
  };
  const pods = opts.pods ?? 1;
  let leafAsn = 65101;
  let serverAsn = 4200000001;
  for (let s = 1; s <= (opts.superSpines ?? 0); s++) add(`superspine${s}`, 'super-spine', 64900, `10.0.4.${s}`);
  for (let p = 1; p <= pods; p++) {
    const sfx = pods > 1 ? `p${p}` : '';
    const podOf = pods > 1 ? p : undefined;
    for (let s = 1; s <= opts.spines; s++) add(`spine${s}${sfx}`, 'spine', 65000 + p - 1, `10.0.1.${(p - 1) * 16 + s}`, podOf);
    for (let l = 1; l <= opts.leaves; l++) add(`leaf${l}${sfx}`, 'leaf', leafAsn++, `10.0.2.${(p - 1) * 32 + l}`, podOf);
    for (let v = 1; v <= opts.servers; v++) add(`server${v}${sfx}`, 'server', serverAsn++, `10.0.3.${(p - 1) * 64 + v}`, podOf);
    for (let s = 1; s <= (opts.superSpines ?? 0); s++) for (let sp = 1; sp <= opts.spines; sp++) link(`superspine${s}`, `spine${sp}${sfx}`);
    for (let l = 1; l <= opts.leaves; l++) for (let s = 1; s <= opts.spines; s++) link(`leaf${l}${sfx}`, `spine${s}${sfx}`);
    const pairs = Math.floor(opts.leaves / 2);
    for (let v = 1; v <= opts.servers; v++) {
      const pair = (v - 1) % pairs;
      link(`server${v}${sfx}`, `leaf${pair * 2 + 1}${sfx}`);
      link(`server${v}${sfx}`, `leaf${pair * 2 + 2}${sfx}`);
    }
  }
  const asnOf = (n: string) => nodes.find((x) => x.name === n)!.asn;
  const sessions = links.flatMap((l) => [
    { node: l.a.node, ifname: l.a.ifname, peer: l.b.node, peerIfname: l.b.ifname, peerAsn: asnOf(l.b.node) },
    { node: l.b.node, ifname: l.b.ifname, peer: l.a.node, peerIfname: l.a.ifname, peerAsn: asnOf(l.a.node) },
  ]);
  return {
    name: 'ut',
    frr: '8.4',
    nodes,
    links,
    sessions,
    checks: { traceroute: [], failover: [] },
    options: { transitFilters: opts.transitFilters ?? true, keepalive: 3, hold: 9 },
  };
}


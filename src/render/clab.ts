/**
 * The containerlab topology `<lab>.clab.yml`. Pure.
 * - kind: linux nodes running the FRR image, config bound into /etc/frr/
 * - least privilege: privileged: false plus the capabilities FRR needs
 * - the namespaced sysctls FRR needs (forwarding, IPv6 on, L4 ECMP hashing, no DAD)
 * - brief `endpoints:` links (the only form clabernetes accepts)
 * - labels naming each node's role
 */
import { Document, YAMLSeq } from 'yaml';
import type { Lab } from '../lab/model.js';

/** NET_ADMIN: routes, links, netem; NET_RAW: ping/traceroute, BFD/ND sockets; SYS_ADMIN: FRR's
 *  namespace and capability handling (measured: FRR runs with these three, see DESIGN.md). */
export const CAPABILITIES = ['NET_ADMIN', 'NET_RAW', 'SYS_ADMIN'];

export const NODE_SYSCTLS: Record<string, number> = {
  'net.ipv4.ip_forward': 1,
  'net.ipv6.conf.all.forwarding': 1,
  'net.ipv6.conf.all.disable_ipv6': 0,
  'net.ipv6.conf.default.disable_ipv6': 0,
  // L4 hashing so flows (UDP source ports) spread over ECMP paths. Policy 3 (custom fields:
  // 0x37 = src/dst address, protocol, src/dst port), not 1: with policy 1 a forwarding node
  // reuses the hash the sending socket put in the skb (kept across veth), and a connected UDP
  // socket's hash is random, so every traceroute run took another path for the same 5-tuple
  // (measured: 3 runs, 3 different hop-2 spines); with 3 the path is a function of the 5-tuple.
  'net.ipv4.fib_multipath_hash_policy': 3,
  'net.ipv4.fib_multipath_hash_fields': 0x37,
  'net.ipv6.fib_multipath_hash_policy': 3,
  'net.ipv6.fib_multipath_hash_fields': 0x37,
  // a next hop whose link lost carrier is skipped by the kernel as soon as the carrier loss
  // is processed, instead of blackholing until zebra replaces the route. Measured, leaf
  // uplink down under a loaded host (load 12-14 on 2 CPUs), 5 runs each: outage > 500 ms in
  // 3/5 without, 1/5 with; the remaining delay is the carrier event itself (linkwatch, RTNL)
  'net.ipv4.conf.all.ignore_routes_with_linkdown': 1,
  'net.ipv4.conf.default.ignore_routes_with_linkdown': 1,
  'net.ipv6.conf.all.ignore_routes_with_linkdown': 1,
  'net.ipv6.conf.default.ignore_routes_with_linkdown': 1,
  // link-local addresses usable at once: DAD costs ~2 s of bring-up and protects nothing on a veth
  'net.ipv6.conf.all.accept_dad': 0,
  'net.ipv6.conf.default.accept_dad': 0,
  // traceroute: without this each node answers one ICMP error per second per source after a
  // burst of 6 (measured: hops show '*'), so ECMP path enumeration would be slow and lossy.
  // The per-netns global limit (icmp_msgs_per_sec) still applies.
  'net.ipv4.icmp_ratelimit': 0,
  'net.ipv6.icmp.ratelimit': 0,
};

/**
 * A distinct ECMP hash seed per node (net.ipv4.fib_multipath_hash_seed, IPv4 and IPv6, kernel
 * >= 6.11). Every namespace of one kernel otherwise shares one boot-time random seed, so all
 * nodes hash a flow alike and pick the same-ranked next hop at every tier (polarization).
 * Measured on the default lab, 72 flows server1 → server3: 4 of 8 paths with one shared seed,
 * 8 of 8 with per-node seeds. FNV-1a of the node name: stable across runs, never 0 (0 = shared).
 */
export function hashSeed(name: string): number {
  let h = 0x811c9dc5;
  for (const c of Buffer.from(name, 'utf8')) h = Math.imul(h ^ c, 0x01000193) >>> 0;
  return h === 0 ? 1 : h;
}

/** A node's files as the topology binds them: `source` relative to the topology file. The
 *  clabernetes target mounts the same sources from ConfigMaps (render/clabernetes.ts). */
export function nodeBinds(node: string): { source: string; target: string }[] {
  return ['frr.conf', 'daemons', 'vtysh.conf'].map((f) => ({ source: `nodes/${node}/${f}`, target: `/etc/frr/${f}` }));
}

function mostCommon<T>(xs: readonly T[]): T | undefined {
  const count = new Map<T, number>();
  for (const x of xs) count.set(x, (count.get(x) ?? 0) + 1);
  let best: T | undefined;
  for (const [x, c] of count) if (best === undefined || c > count.get(best)!) best = x;
  return best;
}

export interface RenderOptions {
  /** Emit the per-node ECMP hash seed sysctl (needs kernel >= 6.11; Docker and the netns
   *  runtime refuse an unknown sysctl). writeArtifacts probes the running kernel. */
  hashSeed?: boolean;
}

export function renderClab(lab: Lab, opts: RenderOptions = {}): string {
  // What every node shares lives once, in topology.defaults (containerlab and clabernetes
  // merge it into each node: maps key by key, lists by union, scalars replaced). Measured:
  // 21 of a node's 30 lines were the same on every node; the Topology object of a 922-node
  // fabric was 1,543 KiB with them per node, over etcd's 1.5 MiB request limit.
  const image = mostCommon(lab.nodes.map((n) => n.image));
  const defaults: Record<string, unknown> = {
    kind: 'linux',
    ...(image !== undefined ? { image } : {}),
    privileged: false,
    'cap-add': CAPABILITIES,
    // no management network: nothing of the lab on the host's bridges, routes or iptables
    'network-mode': 'none',
    sysctls: NODE_SYSCTLS,
  };
  const nodes: Record<string, unknown> = {};
  for (const n of lab.nodes) {
    // bgplab.frr: the FRR release line, for the netns runtime (which FRR install runs the node)
    const labels: Record<string, string> = { 'bgplab.role': n.role, 'bgplab.asn': String(n.asn), 'bgplab.loopback': n.loopback, 'bgplab.frr': lab.frr };
    if (n.pod !== undefined) labels['bgplab.pod'] = String(n.pod);
    const node: Record<string, unknown> = {
      ...(n.image !== image ? { image: n.image } : {}),
      labels,
      ...(opts.hashSeed === false ? {} : { sysctls: { 'net.ipv4.fib_multipath_hash_seed': hashSeed(n.name) } }),
      binds: nodeBinds(n.name).map((b) => `${b.source}:${b.target}`),
    };
    nodes[n.name] = node;
  }
  const doc = new Document(
    {
    name: lab.name,
    // containerlab creates its management bridge only when a node uses it: none does
    mgmt: { 'skip-when-unused': true },
    topology: {
      defaults,
      nodes,
      links: lab.links.map((l) => ({ endpoints: [`${l.a.node}:${l.a.ifname}`, `${l.b.node}:${l.b.ifname}`] })),
    },
    },
    // no YAML anchors/aliases: every node reads on its own, and simple parsers cope
    { aliasDuplicateObjects: false },
  );
  // brief, one-line endpoints and cap-add lists read better
  const topo = doc.get('topology') as { get(k: string): unknown };
  const links = topo.get('links') as YAMLSeq;
  for (const item of links.items) ((item as { get(k: string): YAMLSeq }).get('endpoints')).flow = true;
  ((topo.get('defaults') as { get(k: string): YAMLSeq }).get('cap-add')).flow = true;
  doc.commentBefore = ` generated by bgplab${lab.source ? ` from ${lab.source.split('/').slice(-2).join('/')}` : ''}: do not edit, edit the lab file and run \`bgplab generate\``;
  return doc.toString({ lineWidth: 0 });
}

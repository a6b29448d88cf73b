/**
 * The model of a containerlab lab bgplab did not write: which nodes run FRR, what their
 * frr.conf files make bgplab wait for and check (BGP neighbours, OSPF/OSPFv3 adjacencies,
 * router loopbacks), the hosts and their addresses, and the user's side-file expectations.
 * Pure: texts in, a value out.
 */
import type { LabChecks } from '../lab/model.js';
import { FRR_LABEL } from '../runtime/netns/rootfs.js';
import { advertises, inPrefix, loopbacksOf, ospf6AreaOf, ospfAreaOf, ospfPassive, parseFrrConf, type FrrConf } from '../frr/conf.js';
import type { DeployPlan, PlanEndpoint, PlanNode } from './topology.js';

export interface ForeignSession {
  node: string;
  /** bgpd's key: the neighbour address, or the interface (unnumbered) */
  peer: string;
  unnumbered: boolean;
  /** the node at the other end, when the address or interface leads to one */
  peerNode?: string;
  /** the link it runs over (`a:if--b:if`), when the interface or the peer's subnet names one */
  link?: string;
  /** frr.conf path:line of the neighbour */
  where: string;
}

export interface ForeignAdjacency {
  node: string;
  ifname: string;
  version: 2 | 3;
  area: string;
  peerNode: string;
  where: string;
}

export interface ForeignNode {
  name: string;
  /** runs FRR (an FRR image, kind frr, or an frr.conf bound into /etc/frr) */
  router: boolean;
  /** `router bgp ASN` of its frr.conf */
  asn?: number;
  /** IPv4/IPv6 addresses (no prefix length): from frr.conf, or from `ip addr add` exec lines */
  addresses: string[];
  /** lo addresses its frr.conf advertises (OSPF, redistribute connected, BGP network): every node must reach them */
  loopbacks: string[];
  /** lo addresses no routing protocol of its frr.conf advertises: nobody beyond the node itself is expected to reach them */
  unadvertised: string[];
}

export interface ForeignLab {
  name: string;
  /** absolute path of the topology file */
  topology: string;
  nodes: ForeignNode[];
  links: DeployPlan['links'];
  sessions: ForeignSession[];
  adjacencies: ForeignAdjacency[];
  checks: LabChecks;
}

/** Is this node's image FRR's (any frrouting/frr image, or bgplab's)? */
export const isFrrImage = (image: string | undefined) => !!image && /(^|\/)(frrouting\/frr|bgplab\/frr)(:|@|$)/.test(image);

/**
 * A node that runs FRR: kind frr, or an frr.conf bound in (an FRR image or not). An FRR
 * image with no frr.conf would run FRR with an empty config in a container (zebra, no
 * routing): here it is a plain node, which forwards and answers the same.
 */
export const isRouterNode = (n: PlanNode) => n.kind === 'frr' || !!n.frrFiles['frr.conf'];

/**
 * The FRR release line to run a foreign FRR node with: the image tag's major version (10.5.1
 * → '10' when the FRR 10 rootfs exists), else the host's 8.4. A node that already carries
 * the bgplab.frr label keeps it.
 */
export function frrLineFor(n: PlanNode, frr10Available: boolean): '10' | '8.4' {
  // only an FRR image's tag is an FRR version (ubuntu:22.04 is not FRR 22)
  const tag = isFrrImage(n.image) ? /:(?:containerlab-)?v?(\d+)\.\d+/.exec(n.image ?? '')?.[1] : undefined;
  return frr10Available && tag !== undefined && Number(tag) >= 9 ? '10' : '8.4';
}

/**
 * The plan as the netns runtime runs it: FRR nodes labelled with their FRR line, and
 * net.ipv4.ip_forward=1 on every node unless the topology sets it. Why: a Docker container's
 * namespace inherits the host's IPv4 settings and dockerd turns ip_forward on, so every
 * containerlab node forwards; a fresh namespace here started with ip_forward=0 (measured:
 * the frr01 example's routers then dropped the PCs' pings). kind frr's startup-config is its frr.conf.
 */
export function netnsPlan(plan: DeployPlan, o: { name?: string; frr10Available: boolean; startupConfig?: Record<string, string> }): DeployPlan {
  return {
    ...plan,
    name: o.name ?? plan.name,
    nodes: plan.nodes.map((n) => {
      const router = isRouterNode(n) || !!o.startupConfig?.[n.name];
      const frrFiles = o.startupConfig?.[n.name] && !n.frrFiles['frr.conf'] ? { ...n.frrFiles, 'frr.conf': o.startupConfig[n.name]! } : n.frrFiles;
      const labels = router && !n.labels[FRR_LABEL] ? { ...n.labels, [FRR_LABEL]: frrLineFor(n, o.frr10Available) } : n.labels;
      const sysctls = n.sysctls.some(([k]) => k === 'net.ipv4.ip_forward') ? n.sysctls : [...n.sysctls, ['net.ipv4.ip_forward', '1'] as [string, string]];
      return { ...n, labels, sysctls, frrFiles };
    }),
  };
}

/** The other end of node:ifname, if a link has it. */
export function linkPeer(links: DeployPlan['links'], node: string, ifname: string): PlanEndpoint | undefined {
  for (const l of links) {
    if (l.a.node === node && l.a.ifname === ifname) return l.b;
    if (l.b.node === node && l.b.ifname === ifname) return l.a;
  }
  return undefined;
}

/** Addresses an exec line adds: `ip [-4|-6] addr|address add A/L dev X`. */
export function execAddresses(exec: readonly (readonly string[])[]): string[] {
  const out: string[] = [];
  for (const argv of exec) {
    const a = argv.filter((x) => x !== '-4' && x !== '-6');
    if (a[0] === 'ip' && /^a(ddr(ess)?)?$/.test(a[1] ?? '') && a[2] === 'add' && a[3]) out.push(a[3].split('/')[0]!);
  }
  return out;
}

/**
 * Build the model. `confs`: frr.conf text per router node (with its path for messages);
 * `checks`: the side file's expectations.
 */
export function foreignLab(plan: DeployPlan, confs: Record<string, { path: string; text: string }>, checks: LabChecks = { traceroute: [], failover: [] }): ForeignLab {
  const parsed = new Map<string, FrrConf>();
  for (const [n, c] of Object.entries(confs)) parsed.set(n, parseFrrConf(c.text));
  const nodes: ForeignNode[] = plan.nodes.map((n) => {
    const conf = parsed.get(n.name);
    const addresses = conf ? [...conf.interfaces.values()].flatMap((f) => [...f.ipv4, ...f.ipv6]).map((c) => c.split('/')[0]!) : execAddresses(n.exec);
    const lo = conf ? loopbacksOf(conf) : [];
    const asn = Number(conf?.bgp?.asn);
    return { name: n.name, router: !!conf, ...(Number.isFinite(asn) ? { asn } : {}), addresses, loopbacks: lo.filter((a) => advertises(conf!, a)), unadvertised: lo.filter((a) => !advertises(conf!, a)) };
  });
  const peerOf = (node: string, ifname: string) => linkPeer(plan.links, node, ifname);
  const owner = (addr: string) => nodes.find((n) => n.addresses.includes(addr))?.name;
  const sessions: ForeignSession[] = [];
  const adjacencies: ForeignAdjacency[] = [];
  for (const [node, conf] of parsed) {
    const path = confs[node]!.path;
    for (const nb of conf.bgp?.neighbors ?? []) {
      if (nb.shutdown) continue;
      const peerNode = nb.unnumbered ? peerOf(node, nb.peer)?.node : owner(nb.peer);
      // the local interface: the neighbour's own name (unnumbered), or the one whose subnet holds its address
      const ifname = nb.unnumbered ? nb.peer : [...conf.interfaces.values()].find((f) => f.name !== 'lo' && f.ipv4.some((c) => inPrefix(nb.peer, c)))?.name;
      const far = ifname ? peerOf(node, ifname) : undefined;
      const link = far && ifname ? `${node}:${ifname}--${far.node}:${far.ifname}` : undefined;
      sessions.push({ node, peer: nb.peer, unnumbered: nb.unnumbered, ...(peerNode ? { peerNode } : {}), ...(link ? { link } : {}), where: `${path}:${nb.line}` });
    }
    const ifnames = new Set([...conf.interfaces.keys(), ...plan.links.flatMap((l) => [l.a, l.b]).filter((e) => e.node === node).map((e) => e.ifname)]);
    for (const ifname of ifnames) {
      const peer = peerOf(node, ifname);
      const pconf = peer ? parsed.get(peer.node) : undefined;
      if (!peer || !pconf) continue;
      const a2 = ospfAreaOf(conf, ifname);
      if (a2 && !ospfPassive(conf, ifname) && ospfAreaOf(pconf, peer.ifname) && !ospfPassive(pconf, peer.ifname)) {
        adjacencies.push({ node, ifname, version: 2, area: a2, peerNode: peer.node, where: `${path}:${conf.interfaces.get(ifname)?.line ?? conf.ospf?.line ?? 0}` });
      }
      const a3 = ospf6AreaOf(conf, ifname);
      const f = conf.interfaces.get(ifname);
      if (a3 && !f?.ospf6Passive && ospf6AreaOf(pconf, peer.ifname) && !pconf.interfaces.get(peer.ifname)?.ospf6Passive) {
        adjacencies.push({ node, ifname, version: 3, area: a3, peerNode: peer.node, where: `${path}:${f?.line ?? conf.ospf6?.line ?? 0}` });
      }
    }
  }
  return { name: plan.name, topology: plan.file, nodes, links: plan.links, sessions, adjacencies, checks };
}

/** Every router loopback (node, address). */
export function routerLoopbacks(lab: ForeignLab): { node: string; address: string }[] {
  return lab.nodes.flatMap((n) => n.loopbacks.map((address) => ({ node: n.name, address })));
}

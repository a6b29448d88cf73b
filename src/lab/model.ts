/**
 * The resolved lab model: what `expand` produces from a validated lab file and what
 * renderers, runtimes and checks consume. Plain data (JSON-serialisable): it is written
 * next to the topology as `bgplab.json` so that `status`/`check` work on a running lab
 * without the lab file.
 */

/**
 * The FRR release line a lab runs. '8.4': Debian bookworm's FRR (the host's, and
 * bgplab/frr:latest). '10': Debian trixie's FRR 10.3 (bgplab/frr:10, and for the netns
 * runtime the same image's root filesystem). The default is argued for in the README.
 */
export type FrrVersion = '8.4' | '10';
export const FRR_VERSIONS: readonly FrrVersion[] = ['8.4', '10'];
export const DEFAULT_FRR: FrrVersion = '8.4';

export type Role = 'super-spine' | 'spine' | 'leaf' | 'server' | 'border' | 'router';
export const ROLES: readonly Role[] = ['super-spine', 'spine', 'leaf', 'server', 'border', 'router'];
/** Roles that are switches (may forward traffic for others). Servers never transit. */
export const SWITCH_ROLES: readonly Role[] = ['super-spine', 'spine', 'leaf', 'border', 'router'];

export interface BfdSettings {
  enabled: boolean;
  /** transmit and receive interval, ms */
  intervalMs: number;
  multiplier: number;
}

export interface BgpTimers {
  keepalive: number;
  hold: number;
}

/** Where the user's own FRR configuration goes in frr.conf. */
export type SnippetBlock = 'global' | 'router_bgp' | 'ipv4_unicast' | 'ipv6_unicast' | `interface ${string}`;

/** One snippet of the user's FRR configuration, with where it is in the lab file. */
export interface Snippet {
  block: SnippetBlock;
  text: string;
  /** lab-file field, e.g. snippets.roles.leaf.ipv4_unicast */
  field: string;
  /** the lab file as given (relative), for messages */
  file: string;
  /** file line and column of the snippet's first line of text (1-based) */
  line: number;
  col: number;
  /** a literal block (`|`): snippet line i is file line `line + i`; otherwise every line maps to line:col */
  literal: boolean;
}

/** A user-supplied whole frr.conf for one node. */
export interface UserFrrConf {
  /** absolute path */
  path: string;
  /** as written in the lab file */
  given: string;
  /** lab-file location of the `frr_conf:` value */
  file: string;
  line: number;
  col: number;
  /** the file's text, read by loadLab (absent from a pure loadLabText) */
  text?: string;
}

/** The fabric design choices of the lab file's `design:` (defaults: bgplab's own design). */
export interface LabDesign {
  /** unique: one private ASN per server; shared: one ASN for every server (allowas-in 1 where servers hear each other) */
  serverAsn: 'unique' | 'shared';
  /** what leaves send servers */
  toServers: 'all' | 'default' | 'default+loopbacks';
  /** shared: the spines of a pod share one ASN; unique: every spine its own */
  spineAsn: 'shared' | 'unique';
  /** default+loopbacks: the prefixes holding every loopback (pools, and loopbacks set outside them) */
  loopbackPrefixes?: string[];
}

export const DEFAULT_DESIGN: LabDesign = { serverAsn: 'unique', toServers: 'all', spineAsn: 'shared' };

/** The lab's design, defaults filled in (a lab without `design:` has none in its model). */
export function designOf(lab: Pick<Lab, 'design'>): LabDesign {
  return lab.design ?? DEFAULT_DESIGN;
}

export interface LabNode {
  name: string;
  role: Role;
  asn: number;
  /** IPv4 loopback, without prefix length (always a /32) */
  loopback: string;
  /** IPv6 loopback, without prefix length (always a /128), when the lab has an IPv6 pool */
  loopback6?: string;
  /** Extra prefixes the node originates (servers: VIPs, container subnets), CIDR form */
  announce: string[];
  bfd: BfdSettings;
  image: string;
  /** 3-tier fabrics: the pod number (1-based) of leaves and spines; undefined otherwise */
  pod?: number;
  /** Fabric interfaces of this node, in link order */
  interfaces: string[];
  /** BGP timers of this node when they differ from the lab's (roles:, nodes.<n>.timers) */
  timers?: BgpTimers;
  /** maintenance knob: graceful-shutdown renders `bgp graceful-shutdown` */
  maintenance?: 'graceful-shutdown';
  /** the user's FRR snippets for this node (its role's first, then its own) */
  snippets?: Snippet[];
  /** the user's whole frr.conf for this node: bgplab renders no frr.conf for it */
  frrConf?: UserFrrConf;
}

export interface Endpoint {
  node: string;
  ifname: string;
}

export interface LabLink {
  a: Endpoint;
  b: Endpoint;
}

/** One BGP session as seen from one side: `node` peers on `ifname` with `peer`. */
export interface ExpectedSession {
  node: string;
  ifname: string;
  peer: string;
  peerIfname: string;
  peerAsn: number;
}

export interface TracerouteExpectation {
  from: string;
  to: string;
  /** Expected hops after the source, ending with the destination: node names or role
   *  names, e.g. [leaf, spine, leaf, server]. Undefined: derived from the topology. */
  hops?: string[];
  /** Enumerate ECMP paths with this many UDP flows (source ports) */
  flows?: number;
}

export type FailoverKind = 'link-down' | 'link-cut' | 'node-down';

export interface FailoverScenario {
  name: string;
  kind: FailoverKind;
  /** link-down / link-cut: `node:ifname` (either end); node-down: the node name */
  target: string;
  /** Maximum acceptable outage for the flows that crossed the failed element, ms.
   *  Undefined: the failover check's default for this kind (and the nodes' BFD settings). */
  maxOutageMs?: number;
}

/** A route the lab file states (`checks.routes`): where the model cannot derive it. */
export interface RouteExpectation {
  node: string;
  prefix: string;
  /** interfaces of the expected next hops; empty: no route */
  via: string[];
}

export interface LabChecks {
  traceroute: TracerouteExpectation[];
  /** only present when the lab file gives some */
  routes?: RouteExpectation[];
  failover: FailoverScenario[];
}

export interface Lab {
  name: string;
  /** FRR release line of every node (lab file `frr:`, or `--frr`) */
  frr: FrrVersion;
  /** The lab file this model was loaded from (absolute), if any */
  source?: string;
  nodes: LabNode[];
  links: LabLink[];
  sessions: ExpectedSession[];
  checks: LabChecks;
  /** present only when the lab file has `design:` (designOf() fills in the defaults) */
  design?: LabDesign;
  options: {
    /** UNSAFE when false: no prefix filters between servers and leaves (workshop demo of a transit server) */
    transitFilters: boolean;
    /** BGP timers, seconds */
    keepalive: number;
    hold: number;
  };
}

/** A node's BGP timers: its own, else the lab's. */
export function timersOf(lab: Pick<Lab, 'options'>, n: Pick<LabNode, 'timers'>): BgpTimers {
  return n.timers ?? { keepalive: lab.options.keepalive, hold: lab.options.hold };
}

/**
 * The hold time (s) of a session between these nodes: BGP uses the smaller of the two
 * sides' (RFC 4271 4.2). Without names: the largest hold time of any node of the lab.
 */
export function holdSeconds(lab: Pick<Lab, 'options' | 'nodes'>, ...names: string[]): number {
  const nodes = names.length ? lab.nodes.filter((n) => names.includes(n.name)) : lab.nodes;
  const holds = nodes.map((n) => timersOf(lab, n).hold);
  if (!holds.length) return lab.options.hold;
  return names.length ? Math.min(...holds) : Math.max(...holds);
}

export function nodeByName(lab: Lab, name: string): LabNode | undefined {
  return lab.nodes.find((n) => n.name === name);
}

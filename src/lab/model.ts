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

export interface LabChecks {
  traceroute: TracerouteExpectation[];
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
  options: {
    /** UNSAFE when false: no prefix filters between servers and leaves (workshop demo of a transit server) */
    transitFilters: boolean;
    /** BGP timers, seconds */
    keepalive: number;
    hold: number;
  };
}

export function nodeByName(lab: Lab, name: string): LabNode | undefined {
  return lab.nodes.find((n) => n.name === name);
}

/**
 * The no-transit audit, both sides, read from the running daemons: for every server
 * session, the server's outbound policy must let out only the server's own prefixes, and
 * the leaf's inbound policy for that server must accept only them. Each side is judged on
 * its own, so a fabric one typo away from a transit server fails although the other side
 * still protects it.
 *
 * "Would let anything but its own prefixes out" is decided by probing the attached policy
 * (route-map, prefix-list, filter-list, distribute-list, as bgpd holds them: frr/policy.ts)
 * with routes the side must stop (frr/policy-eval.ts applies FRR's rules):
 *  - every other prefix the fabric carries (other loopbacks, other nodes' announced
 *    prefixes), the default route, and an outside prefix (a documentation prefix the lab
 *    does not use: TEST-NET-3 203.0.113.0/24 or TEST-NET-2, 2001:db8:ffff::/48);
 *  - outbound on a server: each as learned from the leaf (AS path: the leaf's ASN, then
 *    the origin's);
 *  - inbound on a leaf: each as the server would send it in transit (the server's ASN,
 *    then the origin's) and as if the server originated it (the server's ASN alone: a
 *    filter on AS paths only would accept a hijack).
 * A probe the policy permits, or might permit (a clause the audit cannot decide), fails
 * the side; so does a side with no policy at all. What is advertised (server) and
 * accepted (leaf) right now is read too: a foreign prefix there fails as well
 * (`default-originate` included).
 *
 * Cost: one vtysh call per audited node (8 on the default lab). Measured on the default
 * lab, machine load 16-17: 0.5-0.9 s wall on netns (FRR 8.4; 0.3-0.7 s on FRR 10), 1.4-1.8 s on
 * containerlab, where each call is a docker exec (4 calls per node took 3.5-4.8 s there).
 */
import { receivedPrefixes } from '../frr/bgp.js';
import { splitJson } from '../frr/json.js';
import { evaluatePolicy, type ProbeRoute } from '../frr/policy-eval.js';
import { advertisedPrefixes, hasPolicy, neighborPolicy, policyCommands, policyDefinitions, type AttachedPolicy, type NeighborPolicy, type PolicyDefinitions } from '../frr/policy.js';
import { SWITCH_ROLES, type Lab, type LabNode } from '../lab/model.js';
import { familiesOf, predictFabric, prefixesOf, type Family } from '../lab/paths.js';
import { BgplabError, errorText, isBgplabError } from '../util/errors.js';
import { mapLimit } from '../util/pool.js';
import type { CheckContext, CheckResult } from './types.js';

export type Side = 'outbound' | 'inbound';

/** Documentation prefixes standing for "anything from outside the fabric" (RFC 5737, RFC 3849): the first the lab does not use. */
export const OUTSIDE_PROBES: Record<Family, string[]> = { ipv4: ['203.0.113.0/24', '198.51.100.0/24'], ipv6: ['2001:db8:ffff::/48', '2001:db8:fffe::/48'] };
const DEFAULT_ROUTE: Record<Family, string> = { ipv4: '0.0.0.0/0', ipv6: '::/0' };
/** The AS behind the outside probe (RFC 5398 documentation ASN). */
const OUTSIDE_ASN = 64496;

export interface Probe {
  route: ProbeRoute;
  /** "10.0.3.2/32 (server2)" */
  label: string;
}

/** One audited side of one server session. */
export interface AuditedSide {
  side: Side;
  /** the node whose policy is judged */
  node: LabNode;
  ifname: string;
  peer: LabNode;
  peerIfname: string;
  server: LabNode;
  family: Family;
}

/** The sides to audit: every server session, from the server (outbound) and from the switch (inbound). */
export function auditedSides(lab: Lab): AuditedSide[] {
  const byName = new Map(lab.nodes.map((n) => [n.name, n]));
  const out: AuditedSide[] = [];
  for (const family of familiesOf(lab)) {
    for (const s of lab.sessions) {
      const node = byName.get(s.node);
      const peer = byName.get(s.peer);
      if (!node || !peer) continue;
      if (node.role === 'server' && SWITCH_ROLES.includes(peer.role)) out.push({ side: 'outbound', node, ifname: s.ifname, peer, peerIfname: s.peerIfname, server: node, family });
      if (SWITCH_ROLES.includes(node.role) && peer.role === 'server') out.push({ side: 'inbound', node, ifname: s.ifname, peer, peerIfname: s.peerIfname, server: peer, family });
    }
  }
  return out;
}

/** The routes the side must stop (see the file comment). */
export function probesFor(lab: Lab, a: AuditedSide, origins: ReadonlyMap<string, string>): Probe[] {
  const own = new Set(prefixesOf(a.server, a.family));
  const asnOf = new Map(lab.nodes.map((n) => [n.name, n.asn]));
  const v6 = a.family === 'ipv6';
  const candidates: { prefix: string; label: string; originAsn?: number }[] = [];
  for (const [prefix, origin] of origins) {
    if (prefix.includes(':') !== v6 || own.has(prefix)) continue;
    const first = origin.split(',').find((o) => o !== a.server.name) ?? origin.split(',')[0]!;
    candidates.push({ prefix, label: `${prefix} (${origin})`, originAsn: asnOf.get(first) });
  }
  if (!own.has(DEFAULT_ROUTE[a.family])) candidates.push({ prefix: DEFAULT_ROUTE[a.family], label: `${DEFAULT_ROUTE[a.family]} (default route)` });
  const outside = OUTSIDE_PROBES[a.family].find((p) => !origins.has(p) && !own.has(p));
  if (outside) candidates.push({ prefix: outside, label: `${outside} (from outside the fabric)`, originAsn: OUTSIDE_ASN });
  const out: Probe[] = [];
  for (const c of candidates) {
    const tail = c.originAsn !== undefined ? [c.originAsn] : [];
    if (a.side === 'outbound') {
      // learned from the leaf: its ASN first, then the origin's (unless the leaf is the origin)
      const path = tail[0] === a.peer.asn ? [a.peer.asn] : [a.peer.asn, ...tail];
      out.push({ route: { prefix: c.prefix, family: a.family, asPath: path }, label: c.label });
    } else {
      const transit = tail[0] === a.server.asn ? [a.server.asn] : [a.server.asn, ...tail];
      out.push({ route: { prefix: c.prefix, family: a.family, asPath: transit }, label: c.label });
      if (transit.length > 1) out.push({ route: { prefix: c.prefix, family: a.family, asPath: [a.server.asn] }, label: c.label });
    }
  }
  return out;
}

const describePolicy = (p: AttachedPolicy): string =>
  [p.routeMap && `route-map ${p.routeMap}`, p.prefixList && `prefix-list ${p.prefixList}`, p.filterList && `filter-list ${p.filterList}`, p.distributeList && `distribute-list ${p.distributeList}`]
    .filter(Boolean)
    .join(' + ');

const few = (xs: readonly string[], n = 3) => `${xs.slice(0, n).join(', ')}${xs.length > n ? ` and ${xs.length - n} more` : ''}`;

export const sideName = (a: AuditedSide): string =>
  `policy: ${a.side === 'outbound' ? `${a.node.name} out ${a.ifname} → ${a.peer.name}` : `${a.node.name} in ${a.ifname} ← ${a.peer.name}`}${a.family === 'ipv6' ? ' (ipv6)' : ''}`;

/**
 * Judge one side from what its daemon holds: the neighbour's policy (undefined: no such
 * neighbour), the policy objects, and what it advertises (outbound) or accepted (inbound).
 */
export function judgeSide(
  lab: Lab,
  a: AuditedSide,
  nb: NeighborPolicy | undefined,
  defs: PolicyDefinitions,
  current: ReadonlySet<string> | undefined,
  origins: ReadonlyMap<string, string>,
): Omit<CheckResult, 'check' | 'name' | 'durationMs'> {
  const subject = { nodes: [a.node.name, a.peer.name], link: `${a.node.name}:${a.ifname}--${a.peer.name}:${a.peerIfname}` };
  const who = a.side === 'outbound' ? `${a.node.name} (server, outbound on ${a.ifname} to ${a.peer.name})` : `${a.node.name} (inbound on ${a.ifname} from server ${a.peer.name})`;
  if (!nb) return { status: 'skip', message: `${a.node.name} has no ${a.family} BGP neighbor on ${a.ifname} (the sessions check reports it)`, subject };
  const own = prefixesOf(a.server, a.family);
  const attached = a.side === 'outbound' ? nb.out : nb.in;
  const verb = a.side === 'outbound' ? 'let out' : 'accept';
  const problems: string[] = [];
  const measured: Record<string, number | string | string[]> = { side: a.side, policy: describePolicy(attached) || 'none' };
  if (!hasPolicy(attached)) {
    problems.push(`no ${a.side} policy (no route-map, prefix-list, filter-list or distribute-list): it would ${verb} every route`);
  } else {
    const probes = probesFor(lab, a, origins);
    const leaks = new Map<string, string>();
    for (const p of probes) {
      const e = evaluatePolicy(attached, defs, p.route);
      if (e.verdict !== 'deny' && !leaks.has(p.label)) leaks.set(p.label, e.verdict === 'unknown' ? `maybe: ${e.why}` : e.why);
    }
    measured.probes = probes.length;
    measured.permitted = leaks.size;
    if (leaks.size) {
      const labels = [...leaks.keys()];
      problems.push(`${describePolicy(attached)} would ${verb} ${few(labels)} (${[...new Set(leaks.values())].slice(0, 2).join('; ')})`);
      measured.wouldPermit = labels;
    }
  }
  if (a.side === 'outbound' && nb.defaultSent) problems.push(`it sends a default route (default-originate)`);
  if (current) {
    const foreign = [...current].filter((p) => !own.includes(p));
    measured[a.side === 'outbound' ? 'advertised' : 'accepted'] = current.size;
    if (foreign.length) {
      problems.push(`${a.side === 'outbound' ? `it advertises to ${a.peer.name}` : `it accepted from ${a.peer.name}`} ${few(foreign.map((p) => (origins.get(p) ? `${p} (${origins.get(p)})` : p)))} right now`);
      measured.foreign = foreign;
    }
  }
  if (problems.length) {
    return { status: 'fail', message: `${who}: ${problems.join('; ')}; only ${a.server.name}'s own prefixes ${own.join(', ')} may pass: ${a.server.name} can become transit`, measured, subject };
  }
  return {
    status: 'pass',
    message: `${describePolicy(attached)} ${a.side === 'outbound' ? 'lets out' : 'accepts'} only ${a.server.name}'s own prefixes (${measured.probes} probes denied; ${current?.size ?? 0} ${a.side === 'outbound' ? 'advertised' : 'accepted'}, all its own)`,
    measured,
    subject,
  };
}

/** What one node's daemon holds for the audit: the neighbours' policies, the objects, and per side what is sent / accepted. */
interface NodePolicy {
  neighbors: unknown;
  defs: PolicyDefinitions;
  current: Map<AuditedSide, Set<string>>;
}

const currentCommand = (a: AuditedSide) => `show bgp ${a.family} unicast neighbors ${a.ifname} ${a.side === 'outbound' ? 'advertised-routes' : 'routes'} json`;

/**
 * One vtysh call per node (a docker exec on containerlab costs ~0.3-0.5 s on a loaded
 * machine). The show bgp commands come first and print exactly one document each (a missing
 * neighbour too: `{"malformedAddressOrName": ...}`), the policy objects after them,
 * told apart by shape.
 */
async function readNodePolicy(ctx: CheckContext, node: string, sides: readonly AuditedSide[]): Promise<NodePolicy> {
  const bgp = ['show bgp neighbors json', ...sides.map(currentCommand)];
  const text = await ctx.runtime.vtysh(ctx.lab.name, node, [...bgp, ...policyCommands(familiesOf(ctx.lab))]);
  const docs = splitJson(text);
  if (docs.length < bgp.length) throw new BgplabError('E_FRR_OUTPUT', `${node}: ${bgp.length} show bgp commands printed ${docs.length} JSON documents`, { details: text.trim().split('\n').slice(-5) });
  const current = new Map<AuditedSide, Set<string>>();
  sides.forEach((a, i) => current.set(a, a.side === 'outbound' ? advertisedPrefixes(docs[i + 1]) : receivedPrefixes(docs[i + 1])));
  return { neighbors: docs[0], defs: policyDefinitions(docs.slice(bgp.length)), current };
}

/** The audit: one result per server session and side (and family). */
export async function auditTransitPolicy(ctx: CheckContext): Promise<CheckResult[]> {
  const sides = auditedSides(ctx.lab);
  if (!sides.length) return [];
  const origins = predictFabric(ctx.lab).origins;
  const byNode = new Map<string, AuditedSide[]>();
  for (const a of sides) byNode.set(a.node.name, [...(byNode.get(a.node.name) ?? []), a]);
  const perNode = await mapLimit([...byNode], 4, async ([node, list]): Promise<CheckResult[]> => {
    const t0 = Date.now();
    let pol: NodePolicy;
    try {
      pol = await readNodePolicy(ctx, node, list);
    } catch (e) {
      if (isBgplabError(e, 'E_INTERRUPTED')) throw e;
      return list.map((a) => ({ check: 'transit', name: sideName(a), status: 'fail', message: `${node}: cannot read its BGP policy: ${errorText(e)}`, subject: { nodes: [node, a.peer.name] }, durationMs: Date.now() - t0 }));
    }
    return list.map((a): CheckResult => {
      const v = judgeSide(ctx.lab, a, neighborPolicy(pol.neighbors, a.ifname, a.family), pol.defs, pol.current.get(a), origins);
      return { check: 'transit', name: sideName(a), ...v, durationMs: Date.now() - t0 };
    });
  });
  return perNode.flat();
}

/**
 * The design choices of `design:` as FRR configuration (pure): what a leaf sends its
 * servers (to_servers), and what servers sharing one ASN need (server_asn: shared).
 *
 * - to_servers: default | default+loopbacks. The leaf originates a default route towards
 *   its servers (`neighbor SERVERS default-originate`) and sends them nothing else but,
 *   with default+loopbacks, the loopbacks (`route-map TO-SERVERS out`: a prefix-list of
 *   0.0.0.0/0 and the loopback pools). The default is conditional: originated only while
 *   the leaf's BGP table holds the loopback of one of its fabric neighbours (spines), so a
 *   leaf cut off from the fabric stops attracting its servers' traffic. Unconditional, the
 *   isolated leaf kept sending the default and its servers black-holed the flows they
 *   hashed to it (the transit check's stress isolates a leaf exactly like that).
 * - server_asn: shared. Every server is in one AS, so a server drops every other server's
 *   route (its own ASN is in the AS path: loop detection). With to_servers: default the
 *   servers need no such route (the default covers them); otherwise each server accepts
 *   its own ASN once in a path (`neighbor TOR allowas-in 1`). The leaves need nothing: their
 *   own ASN is never in a server's path. The no-transit filters keep servers from
 *   re-advertising what they accept.
 */
import { designOf, type Lab, type LabNode } from '../lab/model.js';

export const TO_SERVERS = 'TO-SERVERS';
export const DEFAULT_IF_UPLINK = 'DEFAULT-IF-UPLINK';

/** Does this leaf (a switch with servers) send its servers only a default (and loopbacks)? */
export function sendsDefaultToServers(lab: Pick<Lab, 'design'>): boolean {
  return designOf(lab).toServers !== 'all';
}

/** Do servers need `allowas-in 1` (shared ASN and routes from other servers reach them)? */
export function serverAllowasIn(lab: Pick<Lab, 'design'>, n: Pick<LabNode, 'role'>): number {
  const d = designOf(lab);
  return n.role === 'server' && d.serverAsn === 'shared' && d.toServers !== 'default' ? 1 : 0;
}

/** The top-level lines of a leaf's to-servers policy (empty for to_servers: all). */
export function toServersPolicy(lab: Lab, fabricPeers: LabNode[], ipv6: boolean): string[] {
  if (!sendsDefaultToServers(lab)) return [];
  const d = designOf(lab);
  const L: string[] = [`! design.to_servers: ${d.toServers}: servers get a default route${d.toServers === 'default' ? ' only' : ' and the loopbacks'}`];
  const v4 = ['0.0.0.0/0'];
  const v6 = ['::/0'];
  if (d.toServers === 'default+loopbacks') {
    for (const p of d.loopbackPrefixes ?? []) {
      const [, len] = p.split('/');
      const host = p.includes(':') ? len === '128' : len === '32';
      (p.includes(':') ? v6 : v4).push(host ? p : `${p} ge ${p.includes(':') ? 128 : 32}`);
    }
  }
  v4.forEach((p, i) => L.push(`ip prefix-list ${TO_SERVERS} seq ${(i + 1) * 5} permit ${p}`));
  if (ipv6) v6.forEach((p, i) => L.push(`ipv6 prefix-list ${TO_SERVERS}-6 seq ${(i + 1) * 5} permit ${p}`));
  L.push('!', `route-map ${TO_SERVERS} permit 10`, ` match ip address prefix-list ${TO_SERVERS}`, '!');
  if (ipv6) L.push(`route-map ${TO_SERVERS}-6 permit 10`, ` match ipv6 address prefix-list ${TO_SERVERS}-6`, '!');
  if (fabricPeers.length) {
    L.push('! the default only while a fabric neighbour\'s loopback is in the BGP table');
    fabricPeers.forEach((p, i) => L.push(`ip prefix-list ${DEFAULT_IF_UPLINK} seq ${(i + 1) * 5} permit ${p.loopback}/32`));
    L.push('!', `route-map ${DEFAULT_IF_UPLINK} permit 10`, ` match ip address prefix-list ${DEFAULT_IF_UPLINK}`, '!');
    const v6peers = fabricPeers.filter((p) => p.loopback6);
    if (ipv6 && v6peers.length) {
      v6peers.forEach((p, i) => L.push(`ipv6 prefix-list ${DEFAULT_IF_UPLINK}-6 seq ${(i + 1) * 5} permit ${p.loopback6}/128`));
      L.push('!', `route-map ${DEFAULT_IF_UPLINK}-6 permit 10`, ` match ipv6 address prefix-list ${DEFAULT_IF_UPLINK}-6`, '!');
    }
  }
  return L;
}

/** The address-family lines of a leaf's to-servers policy (`indent` inside the AF block). */
export function toServersNeighborLines(lab: Lab, family: 'ipv4' | 'ipv6', fabricPeers: LabNode[]): string[] {
  if (!sendsDefaultToServers(lab)) return [];
  const sfx = family === 'ipv6' ? '-6' : '';
  const conditional = fabricPeers.some((p) => family === 'ipv4' || p.loopback6);
  return [
    `  neighbor SERVERS default-originate${conditional ? ` route-map ${DEFAULT_IF_UPLINK}${sfx}` : ''}`,
    `  neighbor SERVERS route-map ${TO_SERVERS}${sfx} out`,
  ];
}

/**
 * The no-transit audit's readers, FRR's policy semantics and the verdict per side. The
 * fixtures were captured from the default lab (labs/clos.yml) on the netns runtime, FRR
 * 8.4 and 10.3: server1 and leaf1 as bgplab renders them, and server2 with hand-made
 * objects (route-map RM2 with `match as-path`, `match community`, `on-match goto`, `call`;
 * prefix-list T1 with ge/le and `deny any`; AS-path list AP1; access list AL1).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { splitJson } from '../../src/frr/json.js';
import { receivedPrefixes } from '../../src/frr/bgp.js';
import { asPathRegex, evaluatePolicy, prefixListPermits, type ProbeRoute } from '../../src/frr/policy-eval.js';
import { advertisedPrefixes, neighborPolicy, policyDefinitions, type NeighborPolicy, type PolicyDefinitions } from '../../src/frr/policy.js';
import { auditedSides, judgeSide, probesFor } from '../../src/checks/transit-policy.js';
import { loadLabText } from '../../src/lab/load.js';
import { predictFabric } from '../../src/lab/paths.js';
import { FRR_VERSIONS } from '../../src/lab/model.js';

const text = (v: string, f: string) => readFileSync(`test/fixtures/frr/${v}/${f}`, 'utf8');
const defsOf = (v: string, node: string) => policyDefinitions(splitJson(text(v, `policy-${node}.txt`)));
const clos = loadLabText(readFileSync('labs/clos.yml', 'utf8'), 'clos.yml').lab!;
const origins = predictFabric(clos).origins;
const side = (node: string, ifname: string) => auditedSides(clos).find((a) => a.node.name === node && a.ifname === ifname)!;
const route = (prefix: string, asPath: number[] = [65101]): ProbeRoute => ({ prefix, family: 'ipv4', asPath });
const nbWith = (p: Partial<NeighborPolicy>): NeighborPolicy => ({ in: {}, out: {}, defaultSent: false, ...p });

/** Policy objects built from vtysh-like JSON (the bgpd document shape of FRR 10). */
function defs(bgpd: Record<string, unknown>, aspath: Record<string, unknown> = {}): PolicyDefinitions {
  return policyDefinitions([{ zebra: {}, bgpd }, aspath]);
}

describe.each(FRR_VERSIONS)('FRR %s policy output', (v) => {
  it('reads bgpd\'s route-maps and prefix-lists, not zebra\'s copies', () => {
    const s1 = defsOf(v, 'server1');
    expect(s1.routeMaps.get('TO-FABRIC')).toEqual([{ seq: 10, type: 'permit', match: ['ip address prefix-list OWN'], action: 'Exit routemap' }]);
    expect(s1.prefixLists.ipv4.get('OWN')!.map((e) => e.prefix)).toEqual(['10.0.3.1/32', '192.0.2.10/32']);
    const s2 = defsOf(v, 'server2');
    // zebra prints rule 5 of RM2 without its `match as-path` (a BGP-only clause)
    expect(s2.routeMaps.get('RM2')!.map((r) => r.match)).toEqual([['as-path AP1'], ['ip address prefix-list T1', 'community 100'], ['ip address AL1']]);
    expect(s2.routeMaps.get('RM2')![1]!.action).toBe('Goto 30');
    expect(s2.routeMaps.get('RM2')![2]!.call).toBe('RM3');
    expect(s2.prefixLists.ipv4.get('T1')).toEqual([
      { seq: 5, type: 'permit', prefix: '10.0.0.0/8', min: 16, max: 32 },
      { seq: 10, type: 'deny', prefix: '0.0.0.0/0', max: 32 },
      { seq: 15, type: 'permit', prefix: '0.0.0.0/0', max: 32 },
    ]);
    expect(s2.asPathLists.get('AP1')).toEqual([
      { seq: 5, type: 'permit', regex: '^$' },
      { seq: 10, type: 'deny', regex: '_65000_' },
    ]);
    expect(s2.accessLists.ipv4.get('AL1')!.map((e) => [e.type, e.prefix])).toEqual([['permit', '10.0.3.0/24'], ['deny', '0.0.0.0/0']]);
    // the same name as a route-map and a prefix-list: separate name spaces
    const l1 = defsOf(v, 'leaf1');
    expect(l1.routeMaps.has('FROM-server1') && l1.prefixLists.ipv4.has('FROM-server1')).toBe(true);
  });

  it('reads the policy attached per neighbour and direction, and what is sent and accepted', () => {
    const nbs = JSON.parse(text(v, 'bgp-neighbors-leaf1-all.json'));
    expect(neighborPolicy(nbs, 'eth3')).toEqual({ in: { routeMap: 'FROM-server1' }, out: {}, defaultSent: false });
    expect(neighborPolicy(nbs, 'eth1')).toEqual({ in: {}, out: {}, defaultSent: false });
    expect(neighborPolicy(nbs, 'eth9')).toBeUndefined();
    expect(neighborPolicy(nbs, 'eth3', 'ipv6')).toBeUndefined();
    expect([...advertisedPrefixes(JSON.parse(text(v, 'advertised-routes.json')))].sort()).toEqual(['10.0.3.1/32', '192.0.2.10/32']);
    expect([...receivedPrefixes(JSON.parse(text(v, 'neighbor-routes.json')))].sort()).toEqual(['10.0.3.1/32', '192.0.2.10/32']);
  });

  it('bgplab\'s own filters pass on both sides', () => {
    const out = judgeSide(clos, side('server1', 'eth1'), nbWith({ out: { routeMap: 'TO-FABRIC' } }), defsOf(v, 'server1'), new Set(['10.0.3.1/32', '192.0.2.10/32']), origins);
    expect(out.status, out.message).toBe('pass');
    const inb = judgeSide(clos, side('leaf1', 'eth3'), nbWith({ in: { routeMap: 'FROM-server1' } }), defsOf(v, 'leaf1'), new Set(['10.0.3.1/32']), origins);
    expect(inb.status, inb.message).toBe('pass');
  });
});

describe('judging one side', () => {
  const s1 = defsOf('8.4', 'server1');
  const l1 = defsOf('8.4', 'leaf1');

  it('an outbound filter removed on a server fails naming the server, though the leaf still filters', () => {
    const r = judgeSide(clos, side('server1', 'eth1'), nbWith({}), s1, new Set(['10.0.3.1/32', '192.0.2.10/32']), origins);
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/^server1 \(server, outbound on eth1 to leaf1\): no outbound policy/);
    expect(r.subject!.nodes[0]).toBe('server1');
  });

  it('an inbound filter removed on a leaf fails naming the leaf and the server', () => {
    const r = judgeSide(clos, side('leaf1', 'eth3'), nbWith({}), l1, new Set(['10.0.3.1/32']), origins);
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/^leaf1 \(inbound on eth3 from server server1\): no inbound policy/);
    expect(r.subject!.nodes).toEqual(['leaf1', 'server1']);
  });

  it('a foreign prefix advertised or accepted right now fails, and default-originate does', () => {
    const adv = judgeSide(clos, side('server1', 'eth1'), nbWith({ out: { routeMap: 'TO-FABRIC' } }), s1, new Set(['10.0.3.1/32', '10.0.3.2/32']), origins);
    expect(adv.status).toBe('fail');
    expect(adv.message).toContain('it advertises to leaf1 10.0.3.2/32 (server2) right now');
    const def = judgeSide(clos, side('server1', 'eth1'), nbWith({ out: { routeMap: 'TO-FABRIC' }, defaultSent: true }), s1, new Set(['10.0.3.1/32']), origins);
    expect(def.message).toContain('default-originate');
  });

  it('a prefix-list that permits too much fails, listing what it would let through', () => {
    const d = defs({ WIDE: { addressFamily: 'IPv4', entries: [{ sequenceNumber: 5, type: 'permit', prefix: '10.0.0.0/8', maximumPrefixLength: 32 }] } });
    const r = judgeSide(clos, side('leaf1', 'eth3'), nbWith({ in: { prefixList: 'WIDE' } }), d, undefined, origins);
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/prefix-list WIDE would accept 10\.0\.\d\.\d\/32 \(/);
    expect(r.measured!.wouldPermit).not.toContain('0.0.0.0/0 (default route)');
  });

  it('AS-path filters: ^$ out of a server passes; a filter on the server\'s ASN alone into a leaf fails (a hijack passes it)', () => {
    const d = defs({}, { LOCAL: [{ sequenceNumber: 5, type: 'permit', regExp: '^$' }], FROMS1: [{ sequenceNumber: 5, type: 'permit', regExp: '^4200000001$' }] });
    expect(judgeSide(clos, side('server1', 'eth1'), nbWith({ out: { filterList: 'LOCAL' } }), d, undefined, origins).status).toBe('pass');
    const r = judgeSide(clos, side('leaf1', 'eth3'), nbWith({ in: { filterList: 'FROMS1' } }), d, undefined, origins);
    expect(r.status).toBe('fail');
    expect(r.message).toContain('filter-list FROMS1 would accept');
  });

  it('a clause the audit cannot decide counts as letting through', () => {
    const d = defs({ RM: { rules: [{ sequenceNumber: 10, type: 'permit', matchClauses: ['community 100'], setClauses: [], action: 'Exit routemap' }] } });
    const r = judgeSide(clos, side('server1', 'eth1'), nbWith({ out: { routeMap: 'RM' } }), d, undefined, origins);
    expect(r.status).toBe('fail');
    expect(r.message).toContain('cannot decide');
  });

  it('probes: other prefixes, the default, one outside prefix the lab does not use; never the side\'s own', () => {
    const p = probesFor(clos, side('server1', 'eth1'), origins);
    const prefixes = new Set(p.map((x) => x.route.prefix));
    expect(prefixes.has('10.0.3.1/32') || prefixes.has('192.0.2.10/32')).toBe(false);
    expect(prefixes.has('0.0.0.0/0') && prefixes.has('10.0.3.2/32') && prefixes.has('198.51.100.0/24') && prefixes.has('203.0.113.0/24')).toBe(true);
    // outbound: learned from leaf1
    expect(p.find((x) => x.route.prefix === '10.0.3.2/32')!.route.asPath).toEqual([65101, 4200000002]);
    // inbound: in transit and as if originated by the server
    const q = probesFor(clos, side('leaf1', 'eth3'), origins).filter((x) => x.route.prefix === '10.0.3.2/32');
    expect(q.map((x) => x.route.asPath)).toEqual([[4200000001, 4200000002], [4200000001]]);
  });
});

describe('FRR policy semantics', () => {
  const pl = (entries: object[]) => defs({ P: { addressFamily: 'IPv4', entries } });
  it('prefix-list: exact length without ge/le, ranges with them; no match denies, an empty list permits', () => {
    const e = [{ seq: 5, type: 'permit' as const, prefix: '10.0.0.0/8' }];
    expect(prefixListPermits(e, '10.0.0.0/8')).toBe(true);
    expect(prefixListPermits(e, '10.1.0.0/16')).toBe(false);
    expect(prefixListPermits([{ ...e[0]!, max: 24 }], '10.1.0.0/16')).toBe(true);
    expect(prefixListPermits([{ ...e[0]!, max: 24 }], '10.1.1.1/32')).toBe(false);
    expect(prefixListPermits([{ ...e[0]!, min: 32 }], '10.1.1.1/32')).toBe(true);
    expect(prefixListPermits([{ ...e[0]!, min: 32 }], '11.1.1.1/32')).toBe(false);
    expect(prefixListPermits([], '1.2.3.4/32')).toBe(true);
    expect(prefixListPermits(undefined, '1.2.3.4/32')).toBe(false);
    expect(evaluatePolicy({ prefixList: 'P' }, pl([{ sequenceNumber: 5, type: 'deny', prefix: '10.0.3.2/32' }, { sequenceNumber: 10, type: 'permit', prefix: '0.0.0.0/0', maximumPrefixLength: 32 }]), route('10.0.3.2/32')).verdict).toBe('deny');
  });

  it('names attached but not defined deny', () => {
    for (const p of [{ routeMap: 'X' }, { prefixList: 'X' }, { filterList: 'X' }, { distributeList: 'X' }]) expect(evaluatePolicy(p, defs({}), route('1.2.3.0/24')).verdict).toBe('deny');
    expect(evaluatePolicy({}, defs({}), route('1.2.3.0/24'))).toEqual({ verdict: 'permit', why: 'no policy at all' });
  });

  it('route-map: implicit deny, deny entries, on-match next and goto keep a permit, call denies when the callee does', () => {
    const rm = (rules: object[], extra: Record<string, unknown> = {}) =>
      defs({ ...extra, RM: { rules: rules.map((r, i) => ({ sequenceNumber: (i + 1) * 10, type: 'permit', matchClauses: [], setClauses: [], action: 'Exit routemap', ...r })) } });
    const own = { A: { addressFamily: 'IPv4', entries: [{ sequenceNumber: 5, type: 'permit', prefix: '10.0.3.1/32' }] } };
    const matchA = { matchClauses: ['ip address prefix-list A'] };
    expect(evaluatePolicy({ routeMap: 'RM' }, rm([matchA], own), route('10.0.3.2/32')).verdict).toBe('deny');
    expect(evaluatePolicy({ routeMap: 'RM' }, rm([matchA], own), route('10.0.3.1/32')).verdict).toBe('permit');
    // permit all, then on-match next into a deny of everything else
    expect(evaluatePolicy({ routeMap: 'RM' }, rm([{ action: 'Next' }, { type: 'deny' }]), route('10.0.3.2/32')).verdict).toBe('deny');
    expect(evaluatePolicy({ routeMap: 'RM' }, rm([{ action: 'Next' }]), route('10.0.3.2/32')).verdict).toBe('permit');
    expect(evaluatePolicy({ routeMap: 'RM' }, rm([{ action: 'Goto 30' }, { type: 'deny' }, matchA], own), route('10.0.3.2/32')).verdict).toBe('permit');
    const callee = { SUB: { rules: [{ sequenceNumber: 10, type: 'permit', matchClauses: ['ip address prefix-list A'], setClauses: [], action: 'Exit routemap' }] } };
    expect(evaluatePolicy({ routeMap: 'RM' }, rm([{ callClause: 'SUB' }], { ...own, ...callee }), route('10.0.3.2/32')).verdict).toBe('deny');
    expect(evaluatePolicy({ routeMap: 'RM' }, rm([{ callClause: 'SUB' }], { ...own, ...callee }), route('10.0.3.1/32')).verdict).toBe('permit');
  });

  it('AS-path regex: _ is a delimiter', () => {
    const re = asPathRegex('_65000_')!;
    expect(re.test('65101 65000 4200000003')).toBe(true);
    expect(re.test('650001')).toBe(false);
    expect(asPathRegex('^$')!.test('')).toBe(true);
    expect(asPathRegex('^65101_')!.test('65101')).toBe(true);
  });
});

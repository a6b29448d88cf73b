/**
 * The pure halves of the checks: parsing FRR / kernel / traceroute output and judging it
 * against the model's prediction. Outputs are shaped like the ones measured on FRR 8.4,
 * iproute2 6.1 and traceroute 2.1.2.
 */
import { describe, expect, it } from 'vitest';
import { frrNextHops, judgeRoute, kernelNextHops, type FrrRib } from '../../src/checks/routes.js';
import { judgeSession, type Summary } from '../../src/checks/sessions.js';
import {
  defaultFlows,
  defaultTracerouteExpectations,
  firstUnusedLink,
  judgeEnumeration,
  pathKey,
  type Enumeration,
} from '../../src/checks/traceroute.js';
import { parseTraceroute } from '../../src/frr/traceroute.js';
import { pickStressLeaf, transitProbePairs, transitServers } from '../../src/checks/transit.js';
import { predictFabric } from '../../src/lab/paths.js';
import { clos } from './paths-fixture.js';

const lab = clos({ spines: 2, leaves: 4, servers: 4 });
const p = predictFabric(lab);
const lo = (n: string) => `${lab.nodes.find((x) => x.name === n)!.loopback}/32`;

describe('sessions: judgeSession', () => {
  const s = lab.sessions.find((x) => x.node === 'leaf1' && x.peer === 'spine1')!;
  const summary = (peer: Record<string, unknown>): Summary => ({ ipv4Unicast: { peers: { [s.ifname]: { state: 'Established', hostname: 'spine1', remoteAs: 65000, ...peer } } } });
  it('passes an Established session inside the predicted prefix range (6-8 here: tie-break)', () => {
    const v = judgeSession(lab, p, s, summary({ pfxRcd: 7 }), 'ipv4');
    expect(v.ok).toBe(true);
    expect(v.measured.expected).toBe('6-8');
  });
  it('fails a session that is not Established, naming both ends', () => {
    const v = judgeSession(lab, p, s, summary({ state: 'Active', pfxRcd: 0 }), 'ipv4');
    expect(v.ok).toBe(false);
    expect(v.message).toBe(`leaf1:${s.ifname} → spine1: session Active, not Established (link leaf1:${s.ifname} ↔ spine1:${s.peerIfname})`);
  });
  it('fails a miswired neighbor, a wrong ASN and a prefix count off the prediction', () => {
    expect(judgeSession(lab, p, s, summary({ hostname: 'spine2', pfxRcd: 7 }), 'ipv4').message).toContain('is spine2, expected spine1 (miswired?)');
    expect(judgeSession(lab, p, s, summary({ remoteAs: 65999, pfxRcd: 7 }), 'ipv4').message).toContain('speaks AS 65999, expected 65000');
    expect(judgeSession(lab, p, s, summary({ pfxRcd: 5 }), 'ipv4').message).toContain('received 5 ipv4 prefixes from spine1 on eth1, expected 6-8');
  });
  it('fails a session missing from FRR', () => {
    expect(judgeSession(lab, p, s, { ipv4Unicast: { peers: {} } }, 'ipv4').message).toContain('has no ipv4 BGP neighbor on eth1');
  });
});

describe('routes: FRR and kernel next hops against the prediction', () => {
  const rib: FrrRib = {
    [lo('leaf3')]: [
      {
        prefix: lo('leaf3'),
        protocol: 'bgp',
        selected: true,
        nexthops: [
          { interfaceName: 'eth2', active: true, fib: true },
          { interfaceName: 'eth1', active: true, fib: true },
          { interfaceName: 'eth3', active: false, fib: false },
        ],
      },
    ],
  };
  const kernel = [
    { dst: '10.0.2.3', nexthops: [{ dev: 'eth1' }, { dev: 'eth2' }] },
    { dst: '10.0.3.1', dev: 'eth3' },
    { dst: '198.51.100.0/24', dev: 'eth1' },
  ];
  it('reads only active FIB next hops from FRR, and multipath or single routes from the kernel', () => {
    expect(frrNextHops(rib, lo('leaf3'))).toEqual({ protocol: 'bgp', ifnames: ['eth1', 'eth2'] });
    expect(kernelNextHops(kernel, '10.0.2.3/32')).toEqual(['eth1', 'eth2']);
    expect(kernelNextHops(kernel, '10.0.3.1/32')).toEqual(['eth3']);
    expect(kernelNextHops(kernel, '198.51.100.0/24')).toEqual(['eth1']);
    expect(kernelNextHops(kernel, '198.51.100.0/25')).toBeUndefined();
  });
  it('passes when both tables match the prediction', () => {
    const r = p.route('leaf1', lo('leaf3'))!;
    expect(judgeRoute(r, frrNextHops(rib, lo('leaf3')), kernelNextHops(kernel, lo('leaf3')))).toBeUndefined();
  });
  it('a missing ECMP next hop names node, prefix, expected and found interfaces and the missing link', () => {
    const r = p.route('leaf1', lo('leaf3'))!;
    const msg = judgeRoute(r, { protocol: 'bgp', ifnames: ['eth1', 'eth2'] }, ['eth1'])!;
    expect(msg).toBe(
      'leaf1 → 10.0.2.3/32 (leaf3): expected 2 next hops via eth1 (spine1), eth2 (spine2); FRR has 2 via eth1 (spine1), eth2 (spine2); kernel has 1 via eth1 (spine1); missing leaf1:eth2 → spine2',
    );
  });
  it('a route where none is predicted (spine to spine) fails', () => {
    const r = p.routesOf('spine1').find((x) => x.prefix === lo('spine2'))!;
    expect(r.nextHops).toEqual([]);
    expect(judgeRoute(r, undefined, undefined)).toBeUndefined();
    expect(judgeRoute(r, { protocol: 'bgp', ifnames: ['eth1'] }, ['eth1'])).toContain('no route expected (AS-path loop detection), but FRR has a bgp route via eth1');
  });
});

describe('traceroute: parsing and judging', () => {
  it('parses Debian traceroute 2.1 output with silent hops and annotations', () => {
    const out = [
      'traceroute to 10.0.3.3 (10.0.3.3), 8 hops max, 60 byte packets',
      ' 1  10.0.2.1  0.353 ms',
      ' 2  *',
      ' 3  10.0.2.3  0.051 ms !H',
      '10  10.0.3.3  0.046 ms',
    ].join('\n');
    expect(parseTraceroute(out)).toEqual([
      { ttl: 1, address: '10.0.2.1', flags: [] },
      { ttl: 2, address: null, flags: [] },
      { ttl: 3, address: '10.0.2.3', flags: ['!H'] },
      { ttl: 10, address: '10.0.3.3', flags: [] },
    ]);
  });

  const enumeration = (paths: string[][], extra: Partial<Enumeration> = {}): Enumeration => ({
    from: 'server1',
    to: 'server2',
    flows: 72,
    predicted: p.paths('server1', 'server2'),
    ambiguous: false,
    seen: new Map(paths.map((x, i) => [pathKey(x), { path: x, sports: [41000 + i] }])),
    broken: [],
    durationMs: 1,
    ...extra,
  });
  it('passes when exactly the predicted paths are seen and match the expected roles', () => {
    const e = enumeration(p.paths('server1', 'server2'));
    const { problems, measured } = judgeEnumeration(lab, e, ['leaf', 'spine', 'leaf', 'server']);
    expect(problems).toEqual([]);
    expect(measured).toMatchObject({ pathsPredicted: 8, pathsSeen: 8 });
  });
  it('names a predicted path never seen and the first link no flow crossed', () => {
    const seen = p.paths('server1', 'server2').filter((x) => !(x[2] === 'spine2' && x[3] === 'leaf3'));
    const { problems } = judgeEnumeration(lab, enumeration(seen));
    expect(problems).toHaveLength(2);
    const l = lab.sessions.find((s) => s.node === 'spine2' && s.peer === 'leaf3')!;
    expect(problems[0]).toMatch(new RegExp(`^predicted path server1 > leaf\\d > spine2 > leaf3 > server2 not seen in 72 flows \\(no flow crossed spine2:${l.ifname} → leaf3:${l.peerIfname}\\)$`));
  });
  it('names an unexpected path and the server that became transit', () => {
    const rogue = ['server1', 'leaf1', 'server3', 'leaf2', 'spine1', 'leaf3', 'server2'];
    const { problems } = judgeEnumeration(lab, enumeration([...p.paths('server1', 'server2'), rogue]));
    expect(problems).toEqual([`unexpected path ${pathKey(rogue)} (sport 41008): server server3 is transit`]);
  });
  it('a path that does not match the hop expectation fails', () => {
    const { problems } = judgeEnumeration(lab, enumeration(p.paths('server1', 'server2')), ['leaf', 'spine', 'leaf4', 'server']);
    expect(problems.length).toBe(4);
    expect(problems[0]).toContain('does not match the expected hops server1 → leaf → spine → leaf4 → server');
  });
  it('a silent hop is reported with the node before it', () => {
    const broken = [{ sport: 41005, hops: [{ ttl: 1, address: '10.0.2.1', node: 'leaf1', flags: [] }, { ttl: 2, address: null, flags: [] }], reached: false, path: ['server1', 'leaf1', '*'], incomplete: true, complete: false }];
    const { problems } = judgeEnumeration(lab, enumeration(p.paths('server1', 'server2'), { broken }));
    expect(problems).toEqual(['flow sport 41005: hop 2 after leaf1 did not answer (server1 > leaf1 > *)']);
  });
  it('firstUnusedLink is undefined when every link of the path is used by some seen path', () => {
    const all = p.paths('server1', 'server2');
    expect(firstUnusedLink(lab, all[0]!, all.slice(1))).toBeUndefined();
  });
  it('flows grow with the number of predicted paths (coupon collector), within 16..512', () => {
    expect(defaultFlows(1)).toBe(16);
    expect(defaultFlows(2)).toBe(16);
    expect(defaultFlows(8)).toBe(72);
    expect(defaultFlows(32)).toBe(332);
    expect(defaultFlows(1000)).toBe(512);
  });
  it('default expectations: the first server to one server per other leaf set, hops by role', () => {
    const x = defaultTracerouteExpectations(lab, p);
    expect(x).toEqual([
      { from: 'server1', to: 'server2', hops: ['leaf', 'spine', 'leaf', 'server'] },
      { from: 'server1', to: 'server3', hops: ['leaf', 'server'] },
    ]);
  });
});

describe('transit: pure parts', () => {
  it('finds server ASNs anywhere but the origin of an AS path', () => {
    expect(transitServers(lab, '65000 65103 4200000002').map((n) => n.name)).toEqual([]);
    expect(transitServers(lab, '4200000001 65102').map((n) => n.name)).toEqual(['server1']);
    expect(transitServers(lab, '65000 {4200000003,65101} 65102').map((n) => n.name)).toEqual(['server3']);
  });
  it('isolates the first leaf that has both servers and uplinks', () => {
    const s = pickStressLeaf(lab)!;
    expect(s.leaf.name).toBe('leaf1');
    expect(s.uplinks).toEqual(['eth1', 'eth2']);
    expect(s.servers.map((x) => x.name)).toEqual(['server1', 'server3']);
  });
  it('probes server pairs and leaf pairs that share servers', () => {
    const pairs = transitProbePairs(lab, p).map((x) => `${x.from}>${x.to}`);
    expect(pairs).toEqual(expect.arrayContaining(['server1>server2', 'leaf1>leaf2', 'leaf3>leaf4']));
    expect(pairs).not.toContain('leaf1>leaf3');
  });
});

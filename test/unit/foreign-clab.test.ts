import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSideFile, sideFileOf } from '../../src/app/foreign.js';
import { execAddresses, foreignLab, frrLineFor, isRouterNode, netnsPlan } from '../../src/clab/foreign.js';
import { checkSupport, shellSplit, unconfined, usesShell } from '../../src/clab/support.js';
import { parseTopology } from '../../src/clab/topology.js';
import { advertises, inPrefix, ospfAreaOf, ospfPassive, parseFrrConf } from '../../src/frr/conf.js';
import { adjacencyState, ospf6Neighbors, ospfNeighbors } from '../../src/frr/ospf.js';
import { parseRib, ribFingerprint } from '../../src/frr/routes.js';
import { foreignSessionState, reachPairs, stuckLines } from '../../src/observe/foreign.js';
import { isBgplabError } from '../../src/util/errors.js';

const fx = (p: string) => resolve('test/fixtures', p);
const read = (p: string) => readFileSync(fx(p), 'utf8');

function load(topo: string) {
  const file = fx(topo);
  const plan = netnsPlan(parseTopology(read(topo), file), { frr10Available: true, name: 'fz-x' });
  const confs: Record<string, { path: string; text: string }> = {};
  for (const n of plan.nodes) if (n.frrFiles['frr.conf']) confs[n.name] = { path: n.frrFiles['frr.conf'], text: readFileSync(n.frrFiles['frr.conf'], 'utf8') };
  return { plan, model: foreignLab(plan, confs) };
}

describe('frr.conf reader', () => {
  it('reads frr01 router1: addresses, lo, OSPF networks, passive eth3', () => {
    const c = parseFrrConf(read('containerlab-examples/frr01/router1/frr.conf'));
    expect(c.hostname).toBe('router1');
    expect(c.interfaces.get('eth1')?.ipv4).toEqual(['192.168.1.1/24']);
    expect(ospfAreaOf(c, 'eth1')).toBe('0.0.0.0');
    expect(ospfPassive(c, 'eth3')).toBe(true);
    expect(ospfPassive(c, 'eth1')).toBe(false);
    // its loopback is in no network statement: not advertised
    expect(ospfAreaOf(c, 'lo')).toBeUndefined();
    expect(advertises(c, '10.10.10.1')).toBe(false);
  });
  it('reads numbered and unnumbered neighbours, peer-groups, shutdown, passive default', () => {
    const c = parseFrrConf(`router bgp 65001
 neighbor FAB peer-group
 neighbor FAB remote-as external
 neighbor eth1 interface peer-group FAB
 neighbor swp2 interface remote-as 65002
 neighbor 10.0.0.2 remote-as 65002
 neighbor 10.0.0.6 remote-as 65003
 neighbor 10.0.0.6 shutdown
 address-family ipv4 unicast
  network 10.9.0.0/16
 exit-address-family
!
router bgp 65009 vrf red
 neighbor 10.7.7.7 remote-as 1
!
router ospf
 passive-interface default
 no passive-interface eth4
 network 10.1.0.0/16 area 1
!
interface eth4
 ip address 10.1.4.1/24
`);
    expect(c.bgp?.neighbors.map((n) => [n.peer, n.unnumbered, n.shutdown ?? false])).toEqual([
      ['eth1', true, false],
      ['swp2', true, false],
      ['10.0.0.2', false, false],
      ['10.0.0.6', false, true],
    ]);
    expect(c.bgp?.neighbors[0]?.peerGroup).toBe('FAB');
    expect(advertises(c, '10.9.1.1')).toBe(true);
    expect(advertises(c, '10.8.1.1')).toBe(false);
    expect(ospfPassive(c, 'eth4')).toBe(false);
    expect(ospfPassive(c, 'eth5')).toBe(true);
    expect(ospfAreaOf(c, 'eth4')).toBe('1');
    expect(inPrefix('10.1.4.1', '10.1.0.0/16')).toBe(true);
    expect(inPrefix('10.2.4.1', '10.1.0.0/16')).toBe(false);
  });
});

describe('OSPF readers on FRR 8.4 and 10 output', () => {
  for (const v of ['8.4', '10']) {
    it(`FRR ${v}: ospfd and ospf6d neighbours, Full on p2p`, () => {
      const n = ospfNeighbors(JSON.parse(read(`frr/${v}/ospf-neighbor.json`)));
      expect(n.map((x) => [x.ifname, x.state]).sort()).toEqual([['eth1', 'Full'], ['eth2', 'Full']]);
      const n6 = ospf6Neighbors(JSON.parse(read(`frr/${v}/ospf6-neighbor.json`)));
      expect(n6.map((x) => [x.ifname, x.state]).sort()).toEqual([['eth1', 'Full'], ['eth2', 'Full']]);
      expect(adjacencyState(n, 'eth1')).toBe('Full');
      expect(adjacencyState(n, 'eth9')).toBe('no neighbour');
    });
  }
  it('a broadcast neighbour waiting for the DR election is not Full', () => {
    const doc = { neighbors: { '10.10.10.2': [{ nbrState: '2-Way/DROther', ifaceName: 'eth1:192.168.1.1' }] } };
    expect(adjacencyState(ospfNeighbors(doc), 'eth1')).toBe('2-Way');
  });
});

describe('BGP session state across families', () => {
  it('Established only when every family that lists the neighbour has it Established', () => {
    expect(foreignSessionState({ ipv4Unicast: { peers: { eth1: { state: 'Established' } } } }, 'eth1')).toBe('Established');
    expect(foreignSessionState({ ipv4Unicast: { peers: { eth1: { state: 'Established' } } }, ipv6Unicast: { peers: { eth1: { state: 'Active' } } } }, 'eth1')).toBe('Active');
    expect(foreignSessionState({ ipv4Unicast: { peers: {} } }, '10.0.0.1')).toMatch(/not in/);
  });
});

describe('the model of a foreign lab', () => {
  it("frr01: 3 FRR 10 routers, 6 OSPF adjacencies (not on the PCs' passive links), PCs' addresses from exec", () => {
    const { plan, model } = load('containerlab-examples/frr01/frr01.clab.yml');
    expect(plan.name).toBe('fz-x');
    expect(plan.nodes.filter(isRouterNode).map((n) => [n.name, n.labels['bgplab.frr']])).toEqual([['router1', '10'], ['router2', '10'], ['router3', '10']]);
    expect(plan.nodes.every((n) => n.sysctls.some(([k, v]) => k === 'net.ipv4.ip_forward' && v === '1'))).toBe(true);
    expect(model.adjacencies.map((a) => `${a.node}:${a.ifname}>${a.peerNode}`)).toEqual([
      'router1:eth1>router2', 'router1:eth2>router3', 'router2:eth1>router1', 'router2:eth2>router3', 'router3:eth1>router1', 'router3:eth2>router2',
    ]);
    expect(model.sessions).toEqual([]);
    expect(model.nodes.find((n) => n.name === 'PC2')?.addresses).toEqual(['192.168.12.2']);
    expect(model.nodes.find((n) => n.name === 'router1')?.unadvertised).toEqual(['10.10.10.1']);
    // hosts ping each other; no loopback is advertised
    expect(reachPairs(model).map((p) => `${p.from}>${p.to}`)).toEqual(['PC1>PC2', 'PC1>PC3', 'PC2>PC1', 'PC2>PC3', 'PC3>PC1', 'PC3>PC2']);
  });
  it('the BGP lab: numbered and unnumbered neighbours resolved to their peers and links', () => {
    const { model } = load('containerlab-labs/bgp/bgp.clab.yml');
    expect(model.sessions.map((s) => `${s.node} ${s.peer} ${s.unnumbered ? 'u' : 'n'} ${s.peerNode} ${s.link}`)).toEqual([
      'r1 10.0.12.2 n r2 r1:eth1--r2:eth1',
      'r1 eth2 u r3 r1:eth2--r3:eth1',
      'r2 10.0.12.1 n r1 r2:eth1--r1:eth1',
      'r2 eth2 u r3 r2:eth2--r3:eth2',
      'r3 eth1 u r1 r3:eth1--r1:eth2',
      'r3 eth2 u r2 r3:eth2--r2:eth2',
    ]);
    expect(model.nodes.filter((n) => n.router).map((n) => n.loopbacks)).toEqual([['10.255.0.1'], ['10.255.0.2'], ['10.255.0.3']]);
    expect(model.adjacencies).toEqual([]);
  });
  it('kind frr with startup-config; a tag older than 9, or no FRR 10 rootfs, runs the host FRR 8.4', () => {
    const file = fx('containerlab-labs/ospf/ospf.clab.yml');
    const raw = parseTopology(read('containerlab-labs/ospf/ospf.clab.yml'), file);
    const plan = netnsPlan(raw, { frr10Available: true, startupConfig: { ra: '/x/ra.conf' } });
    expect(plan.nodes.find((n) => n.name === 'ra')?.frrFiles['frr.conf']).toBe('/x/ra.conf');
    const n = raw.nodes[0]!;
    expect(frrLineFor({ ...n, image: 'quay.io/frrouting/frr:8.4.1' }, true)).toBe('8.4');
    expect(frrLineFor({ ...n, image: 'quay.io/frrouting/frr:10.5.1' }, false)).toBe('8.4');
    expect(frrLineFor({ ...n, image: 'quay.io/frrouting/frr:containerlab-10.7.1' }, true)).toBe('10');
    expect(frrLineFor({ ...n, image: 'ubuntu:22.04' }, true)).toBe('8.4');
    expect(execAddresses([['ip', '-6', 'addr', 'add', 'fd00::1/64', 'dev', 'eth1'], ['ip', 'address', 'add', '10.0.0.1/24', 'dev', 'eth1']])).toEqual(['fd00::1', '10.0.0.1']);
  });
});

describe('what runs without Docker', () => {
  it('refuses a vendor kind, mgmt settings, ports, a bridge, startup-config of another kind: each key at line:col', () => {
    const r = checkSupport(read('containerlab-labs/refused/srl.clab.yml'));
    expect(r.problems.map((p) => `${p.line}:${p.col} ${p.key}`)).toEqual([
      '4:3 mgmt.network',
      '8:13 topology.nodes.srl1.kind',
      '10:7 topology.nodes.srl1.startup-config',
      '14:7 topology.nodes.r1.mgmt-ipv4',
      '15:7 topology.nodes.r1.ports',
      '18:13 topology.nodes.br1.kind',
    ]);
    expect(r.problems[1]!.message).toMatch(/nokia_srlinux/);
  });
  it('accepts containerlab examples as published', () => {
    for (const f of ['containerlab-examples/frr01/frr01.clab.yml', 'containerlab-labs/bgp/bgp.clab.yml', 'containerlab-labs/ospf/ospf.clab.yml']) expect(checkSupport(read(f)).problems).toEqual([]);
  });
  it('splits exec lines like a shell, without one; shell syntax outside quotes is refused', () => {
    expect(shellSplit(`sysctl -w net.ipv4.ping_group_range="0 2147483647"`)).toEqual(['sysctl', '-w', 'net.ipv4.ping_group_range=0 2147483647']);
    expect(shellSplit(`sh -c 'echo a > /tmp/x'`)).toEqual(['sh', '-c', 'echo a > /tmp/x']);
    expect(shellSplit(`echo "a`)).toBeUndefined();
    expect(usesShell(`sh -c 'echo a > /tmp/x'`)).toBe(false);
    expect(usesShell('ip link set eth1 up && ip addr add 1.2.3.4/24 dev eth1')).toBe(true);
    expect(usesShell('cat /etc/hosts | grep x')).toBe(true);
    const r = checkSupport(read('containerlab-labs/refused/exec-missing.clab.yml'));
    expect(r.problems.map((p) => `${p.line}:${p.col}`)).toEqual(['12:11', '13:11']);
    expect(r.problems[0]!.message).toMatch(/sh would run on this host's filesystem/);
    expect(r.exec.map((e) => `${e.line} ${e.argv[0]}`)).toEqual(['10 ip', '11 arping']);
  });
  it('exec commands run only when confined to the node\'s network namespace', () => {
    expect(unconfined(['ip', 'route', 'add', 'default', 'via', '192.0.2.1'])).toBeUndefined();
    expect(unconfined(['/usr/sbin/ip', 'link', 'set', 'eth1', 'up'])).toBeUndefined();
    expect(unconfined(['sysctl', '-w', 'net.ipv4.ip_forward=1'])).toBeUndefined();
    expect(unconfined(['sh', '-c', 'echo hi > /tmp/x'])).toMatch(/host's filesystem/);
    expect(unconfined(['./ip', 'link'])).toMatch(/host's filesystem/);
    expect(unconfined(['ip', 'netns', 'add', 'x'])).toMatch(/other network namespaces/);
    expect(unconfined(['ip', '-n', 'other', 'link'])).toMatch(/other network namespaces/);
    expect(unconfined(['sysctl', '-w', 'kernel.pid_max=1'])).toMatch(/only net\.\* keys/);
    expect(unconfined(['sysctl', '-p', '/etc/sysctl.conf'])).toMatch(/only net\.\* keys/);
  });
  it('the group kind counts (frr01 sets kind in its groups)', () => {
    expect(parseTopology(read('containerlab-examples/frr01/frr01.clab.yml'), '/t/frr01.clab.yml').nodes.map((n) => n.kind)).toEqual(Array(6).fill('linux'));
  });
});

describe('side file', () => {
  it('x.clab.yml → x.bgplab.yml; the lab-file form of checks', () => {
    expect(sideFileOf('/a/b/frr01.clab.yml')).toBe('/a/b/frr01.bgplab.yml');
    const c = parseSideFile('checks:\n  traceroute:\n    - {from: h1, to: h2, hops: [r1, r3, h2]}\n  failover:\n    - {kind: link-down, target: "r1:eth2", max_outage_ms: 3000}\n', 's.yml');
    expect(c.traceroute).toEqual([{ from: 'h1', to: 'h2', hops: ['r1', 'r3', 'h2'] }]);
    expect(c.failover).toEqual([{ name: 'failover-1', kind: 'link-down', target: 'r1:eth2', maxOutageMs: 3000 }]);
  });
  it('a wrong key is located', () => {
    try {
      parseSideFile('checks:\n  traceroute:\n    - from: h1\n      too: h2\n', '/s.bgplab.yml');
      expect.unreachable();
    } catch (e) {
      expect(isBgplabError(e, 'E_TOPOLOGY')).toBe(true);
      expect((e as { details: string[] }).details.join('\n')).toMatch(/^\/s\.bgplab\.yml:3:\d+: /);
    }
  });
});

describe('route fingerprint', () => {
  it('changes when a next hop changes', () => {
    const a = parseRib({ '10.0.0.2/32': [{ prefix: '10.0.0.2/32', protocol: 'ospf', selected: true, nexthops: [{ interfaceName: 'eth1', active: true, fib: true }] }] });
    const b = parseRib({ '10.0.0.2/32': [{ prefix: '10.0.0.2/32', protocol: 'ospf', selected: true, nexthops: [{ interfaceName: 'eth2', active: true, fib: true }] }] });
    expect(ribFingerprint(a)).not.toBe(ribFingerprint(b));
    expect(ribFingerprint(a)).toBe(ribFingerprint(parseRib(JSON.parse(JSON.stringify(a)))));
  });
});

describe('what up says on timeout', () => {
  it('each stuck session and adjacency with its state and the frr.conf line; each silent ping', () => {
    const lines = stuckLines({
      sessions: [{ node: 'r1', peer: 'eth2', unnumbered: true, peerNode: 'r3', where: '/x/r1/frr.conf:18', state: 'Active' }, { node: 'r2', peer: '10.0.12.1', unnumbered: false, where: '/x/r2/frr.conf:15', state: 'Established' }],
      adjacencies: [{ node: 'router1', ifname: 'eth1', version: 2, area: '0.0.0.0', peerNode: 'router2', where: '/x/router1/frr.conf:6', state: '2-Way' }],
      reach: [{ from: 'PC1', to: 'PC2', address: '192.168.12.2', ok: false }],
    });
    expect(lines).toEqual([
      'r1: BGP neighbour eth2 (r3) Active   [/x/r1/frr.conf:18]',
      'router1: OSPF adjacency on eth1 with router2 (area 0.0.0.0) 2-Way   [/x/router1/frr.conf:6]',
      'PC1: no ping reply from PC2 (192.168.12.2)',
    ]);
  });
});

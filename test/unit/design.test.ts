/**
 * design:, per-role timers/BFD, maintenance and snippets: what the lab file says reaches
 * the model, the rendered frr.conf (structure, not whole files) and the prediction; rules
 * errors carry the lab file's line:col; rendered snippet lines map back to it.
 */
import { describe, expect, it } from 'vitest';
import { formatProblem, loadLabText } from '../../src/lab/load.js';
import type { Lab } from '../../src/lab/model.js';
import { DEFAULT_ROUTES, predictFabric } from '../../src/lab/paths.js';
import { derivationScope, snippetMayChangeRouting, underivedNodes } from '../../src/lab/derive.js';
import { nodeViews, renderDaemons, renderFrrConf, renderFrrConfMapped } from '../../src/render/frr.js';
import { routerBgpLines, sourceOfRenderedLine } from '../../src/render/frr-lines.js';

const BASE = 'name: d\nfabric: {spines: 2, leaves: 4, servers: 4}\n';

function lab(extra: string, base = BASE): Lab {
  const r = loadLabText(base + extra, 't.yml');
  if (!r.lab) throw new Error(r.problems.map(formatProblem).join('\n'));
  return r.lab;
}
const problems = (text: string) => loadLabText(text, 't.yml').problems.map(formatProblem);
const conf = (l: Lab, node: string) => renderFrrConf(l, nodeViews(l).find((v) => v.node.name === node)!);
/** The lines of one block of a rendered frr.conf (`router bgp`, `address-family ipv4 unicast`, ...). */
function block(text: string, header: RegExp): string[] {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => header.test(l));
  if (i < 0) return [];
  const indent = lines[i]!.length - lines[i]!.trimStart().length;
  const out: string[] = [];
  for (const l of lines.slice(i + 1)) {
    const ind = l.length - l.trimStart().length;
    if (l.trim() === '' || (ind <= indent && !l.startsWith(' '.repeat(indent + 1)) && l.trim() !== '!' ) || /^\s*exit-address-family/.test(l)) break;
    if (ind <= indent && l.trim() === '!') break;
    out.push(l.trim());
  }
  return out;
}
const renderDaemonsOf = (l: Lab, n: string) => renderDaemons(l.nodes.find((x) => x.name === n)!);
const lo = (l: Lab, n: string) => `${l.nodes.find((x) => x.name === n)!.loopback}/32`;

describe('defaults: a lab without design: is modelled and rendered as before', () => {
  it('no design, timers, snippets in the model', () => {
    const l = lab('');
    expect(l.design).toBeUndefined();
    expect(l.nodes.some((n) => n.timers || n.snippets || n.maintenance || n.frrConf)).toBe(false);
    expect(conf(l, 'leaf1')).not.toMatch(/default-originate|allowas-in|TO-SERVERS|graceful-shutdown/);
  });
});

describe('design.server_asn', () => {
  it('shared: every server in asn.server; unique stays one ASN each', () => {
    const shared = lab('design: {server_asn: shared}\n');
    expect(new Set(shared.nodes.filter((n) => n.role === 'server').map((n) => n.asn))).toEqual(new Set([4200000001]));
    const unique = lab('design: {server_asn: unique}\n');
    expect(new Set(unique.nodes.filter((n) => n.role === 'server').map((n) => n.asn)).size).toBe(4);
  });
  it('shared with every route to servers: servers accept their own ASN once (allowas-in 1), and the model lets server routes through', () => {
    const l = lab('design: {server_asn: shared}\n');
    expect(block(conf(l, 'server1'), /^ address-family ipv4 unicast/)).toContain('neighbor TOR allowas-in 1');
    expect(conf(l, 'leaf1')).not.toMatch(/allowas-in/);
    const r = predictFabric(l).route('server1', lo(l, 'server3'))!;
    expect(r.nextHops.map((h) => h.node)).toEqual(['leaf1', 'leaf2']);
  });
  it('shared with to_servers: default needs no allowas-in (the default covers the other servers)', () => {
    const l = lab('design: {server_asn: shared, to_servers: default}\n');
    expect(conf(l, 'server1')).not.toMatch(/allowas-in/);
  });
  it('a server with an ASN of its own under shared is an error at its asn:', () => {
    expect(problems(BASE + 'design: {server_asn: shared}\nnodes:\n  server2: {asn: 4200000009}\n')).toEqual([
      expect.stringMatching(/^t\.yml:5:18: nodes\.server2\.asn: design\.server_asn is shared: every server is in AS 4200000001, but server2 sets asn 4200000009/),
    ]);
  });
  it('servers sharing an ASN without the design is still reported, naming the design', () => {
    expect(problems(BASE + 'nodes:\n  server2: {asn: 4200000001}\n')[0]).toMatch(/^t\.yml:4:18: .*design\.server_asn: shared/);
  });
});

describe('design.to_servers', () => {
  const l = lab('design: {server_asn: shared, to_servers: default}\n');
  const p = predictFabric(l);
  it('leaves originate a default towards servers only, conditional on a spine loopback, and send nothing else', () => {
    const af = block(conf(l, 'leaf1'), /^ address-family ipv4 unicast/);
    expect(af).toContain('neighbor SERVERS default-originate route-map DEFAULT-IF-UPLINK');
    expect(af).toContain('neighbor SERVERS route-map TO-SERVERS out');
    const text = conf(l, 'leaf1');
    expect(text).toMatch(/^ip prefix-list TO-SERVERS seq 5 permit 0\.0\.0\.0\/0$/m);
    expect(text.match(/^ip prefix-list TO-SERVERS /gm)).toHaveLength(1);
    expect(text).toMatch(/^ip prefix-list DEFAULT-IF-UPLINK seq 5 permit 10\.0\.1\.1\/32$/m);
    expect(text).toMatch(/^ip prefix-list DEFAULT-IF-UPLINK seq 10 permit 10\.0\.1\.2\/32$/m);
    // the spines get no default, no to-servers policy (they have no servers)
    expect(conf(l, 'spine1')).not.toMatch(/default-originate|TO-SERVERS/);
  });
  it('servers: the default with 2 ECMP next hops, and no /32 of anyone else (filtered, said why)', () => {
    const routes = p.routesOf('server1');
    const d = routes.find((r) => r.prefix === DEFAULT_ROUTES.ipv4)!;
    expect(d.nextHops.map((h) => h.node)).toEqual(['leaf1', 'leaf2']);
    expect(d.ambiguous).toBe(false);
    const other = routes.find((r) => r.prefix === lo(l, 'server3'))!;
    expect(other.nextHops).toEqual([]);
    expect(other.unreachable).toMatch(/design\.to_servers: default/);
    // a session from a leaf carries just the default
    expect(p.received('server1', 'eth1')).toMatchObject({ prefixes: ['0.0.0.0/0'], min: 1, max: 1 });
  });
  it('server-to-server paths follow the default to both leaves, then the fabric', () => {
    expect(p.paths('server1', 'server3')).toEqual([
      ['server1', 'leaf1', 'spine1', 'leaf3', 'server3'],
      ['server1', 'leaf1', 'spine1', 'leaf4', 'server3'],
      ['server1', 'leaf1', 'spine2', 'leaf3', 'server3'],
      ['server1', 'leaf1', 'spine2', 'leaf4', 'server3'],
      ['server1', 'leaf2', 'spine1', 'leaf3', 'server3'],
      ['server1', 'leaf2', 'spine1', 'leaf4', 'server3'],
      ['server1', 'leaf2', 'spine2', 'leaf3', 'server3'],
      ['server1', 'leaf2', 'spine2', 'leaf4', 'server3'],
    ]);
    // the leaves still carry the servers' own prefixes to the fabric
    expect(p.route('spine1', lo(l, 'server1'))!.nextHops.map((h) => h.node)).toEqual(['leaf1', 'leaf2']);
  });
  it('default+loopbacks: the pool (ge 32) passes too, and servers get loopbacks but not announced prefixes', () => {
    const m = lab('design: {to_servers: default+loopbacks}\nnodes:\n  server3: {announce: [192.0.2.10/32]}\n');
    expect(conf(m, 'leaf1')).toMatch(/^ip prefix-list TO-SERVERS seq 10 permit 10\.0\.0\.0\/16 ge 32$/m);
    const q = predictFabric(m);
    expect(q.route('server1', lo(m, 'server3'))!.nextHops).toHaveLength(2);
    expect(q.route('server1', '192.0.2.10/32')).toBeUndefined();
  });
  it('to_servers other than all without servers is an error at the field', () => {
    expect(problems('name: d\nfabric: {spines: 1, leaves: 2}\ndesign: {to_servers: default}\n')).toEqual([
      expect.stringMatching(/^t\.yml:3:22: design\.to_servers: design\.to_servers is default, but the lab has no servers/),
    ]);
  });
});

describe('design.spine_asn', () => {
  it('unique: one ASN per spine; spines then reach each other through the leaves', () => {
    const l = lab('design: {spine_asn: unique}\n');
    expect(l.nodes.filter((n) => n.role === 'spine').map((n) => n.asn)).toEqual([65000, 65001]);
    const p = predictFabric(l);
    expect(p.route('spine1', lo(l, 'spine2'))!.nextHops.map((h) => h.node)).toEqual(['leaf1', 'leaf2', 'leaf3', 'leaf4']);
    // shared (default): no route between spines (loop detection)
    const s = lab('');
    expect(predictFabric(s).route('spine1', lo(s, 'spine2'))).toBeUndefined();
  });
  it('unique in 3-tier: every spine of every pod its own ASN', () => {
    const l = lab('design: {spine_asn: unique}\n', 'name: d\nfabric: {spines: 2, leaves: 2, servers: 2, pods: 2, super_spines: 2}\n');
    expect(l.nodes.filter((n) => n.role === 'spine').map((n) => n.asn)).toEqual([65000, 65001, 65002, 65003]);
  });
  it('two spines in one ASN under unique is an error at the override', () => {
    expect(problems(BASE + 'design: {spine_asn: unique}\nnodes:\n  spine2: {asn: 65000}\n')[0]).toMatch(/^t\.yml:5:17: nodes\.spine2\.asn: .*design\.spine_asn is unique/);
  });
});

describe('timers and BFD per role, graceful-shutdown', () => {
  it('roles: a role\'s timers and BFD, a node\'s own winning', () => {
    const l = lab('roles:\n  leaf: {timers: {keepalive: 1, hold: 3}, bfd: {interval_ms: 100}}\nnodes:\n  leaf2: {timers: {keepalive: 2, hold: 6}}\n');
    expect(l.nodes.find((n) => n.name === 'leaf1')!.timers).toEqual({ keepalive: 1, hold: 3 });
    expect(l.nodes.find((n) => n.name === 'leaf2')!.timers).toEqual({ keepalive: 2, hold: 6 });
    expect(l.nodes.find((n) => n.name === 'spine1')!.timers).toBeUndefined();
    expect(block(conf(l, 'leaf1'), /^router bgp/)).toContain('timers bgp 1 3');
    expect(block(conf(l, 'leaf2'), /^router bgp/)).toContain('timers bgp 2 6');
    expect(conf(l, 'spine1')).not.toMatch(/timers bgp/);
    expect(l.nodes.find((n) => n.name === 'leaf1')!.bfd).toEqual({ enabled: true, intervalMs: 100, multiplier: 3 });
    expect(conf(l, 'leaf1')).toMatch(/^bfd\n profile bgplab\n  detect-multiplier 3\n  receive-interval 100/m);
    expect(l.nodes.find((n) => n.name === 'spine1')!.bfd.enabled).toBe(false);
  });
  it('hold under 3 × keepalive in a role is an error there', () => {
    expect(problems(BASE + 'roles:\n  leaf: {timers: {keepalive: 5, hold: 9}}\n')).toEqual([
      expect.stringMatching(/^t\.yml:4:39: roles\.leaf\.timers\.hold: hold time 9s is under 3 × keepalive \(5s\)/),
    ]);
  });
  it('maintenance: graceful-shutdown renders bgp graceful-shutdown, and the peers route around the node', () => {
    const l = lab('nodes:\n  spine1: {maintenance: graceful-shutdown}\n');
    expect(block(conf(l, 'spine1'), /^router bgp/)).toContain('bgp graceful-shutdown');
    expect(conf(l, 'spine2')).not.toMatch(/graceful-shutdown/);
    const p = predictFabric(l);
    expect(p.route('leaf3', lo(l, 'leaf1'))!.nextHops.map((h) => h.node)).toEqual(['spine2']);
    // the servers keep both leaves: their leaves' best paths avoid spine1 already
    expect(p.route('server1', lo(l, 'server3'))!.nextHops.map((h) => h.node)).toEqual(['leaf1', 'leaf2']);
    // spine1's own loopback has no other way
    expect(p.route('leaf1', lo(l, 'spine1'))!.nextHops.map((h) => h.node)).toEqual(['spine1']);
  });
});

const SNIP = `name: s
fabric: {spines: 2, leaves: 2, servers: 2}
snippets:
  roles:
    leaf:
      global: |
        route-map PREPEND permit 10
         set as-path prepend 65101 65101
      router_bgp: |
        bgp log-neighbor-changes
      ipv4_unicast: |
        neighbor eth1 route-map PREPEND out
      interfaces:
        eth1: |
          description to spine1
  nodes:
    leaf2:
      global: "bgp community-list standard X permit 65000:1"
`;

describe('snippets: placed in the right block, mapped back to the lab file', () => {
  const l = lab('', SNIP);
  const text = conf(l, 'leaf1');
  it('each block gets its lines: global before router bgp, router_bgp before the address families, interfaces inside theirs', () => {
    const lines = text.split('\n');
    const rm = lines.indexOf('route-map PREPEND permit 10');
    expect(rm).toBeGreaterThan(0);
    expect(lines[rm + 1]).toBe(' set as-path prepend 65101 65101');
    expect(rm).toBeLessThan(lines.findIndex((x) => x.startsWith('router bgp')));
    expect(block(text, /^router bgp/)).toContain('bgp log-neighbor-changes');
    expect(lines.indexOf(' bgp log-neighbor-changes')).toBeLessThan(lines.indexOf(' address-family ipv4 unicast'));
    expect(block(text, /^ address-family ipv4 unicast/)).toContain('neighbor eth1 route-map PREPEND out');
    expect(block(text, /^interface eth1$/)).toEqual(['ipv6 nd ra-interval 3', 'description to spine1']);
    expect(block(text, /^interface eth2$/)).toEqual(['ipv6 nd ra-interval 3']);
    // node snippets come after the role's, only on that node
    expect(conf(l, 'leaf2')).toMatch(/^bgp community-list standard X permit 65000:1$/m);
    expect(text).not.toMatch(/community-list/);
    expect(conf(l, 'spine1')).not.toMatch(/PREPEND/);
  });
  it('a rendered snippet line maps to its line:col in the lab file (literal blocks line by line)', () => {
    const v = nodeViews(l).find((x) => x.node.name === 'leaf1')!;
    const r = renderFrrConfMapped(l, v);
    const at = (needle: string) => sourceOfRenderedLine(v.node, r, r.text.split('\n').indexOf(needle) + 1);
    expect(at('route-map PREPEND permit 10')).toMatchObject({ file: 't.yml', line: 7, col: 9, field: 'snippets.roles.leaf.global' });
    expect(at(' set as-path prepend 65101 65101')).toMatchObject({ line: 8, col: 10 });
    expect(at('  neighbor eth1 route-map PREPEND out')).toMatchObject({ line: 12, col: 9, field: 'snippets.roles.leaf.ipv4_unicast' });
    expect(at(' description to spine1')).toMatchObject({ line: 15, col: 11, field: 'snippets.roles.leaf.interfaces.eth1' });
    // bgplab's own line right after a snippet: located at that snippet, marked as generated
    const after = r.text.split('\n').indexOf(' !', r.text.split('\n').indexOf(' bgp log-neighbor-changes'));
    expect(sourceOfRenderedLine(v.node, r, after + 1)).toMatchObject({ line: 10, generated: true });
    // a quoted snippet maps to where its value starts
    const v2 = nodeViews(l).find((x) => x.node.name === 'leaf2')!;
    const r2 = renderFrrConfMapped(l, v2);
    expect(sourceOfRenderedLine(v2.node, r2, r2.text.split('\n').indexOf('bgp community-list standard X permit 65000:1') + 1)).toMatchObject({ line: 18, col: 15 });
  });
  it('routerBgpLines: the lines inside router bgp, address families included', () => {
    const lines = routerBgpLines('router bgp 1\n neighbor X peer-group\n !\n address-family ipv4 unicast\n  network 1.1.1.1/32\n exit-address-family\n!\nroute-map Y permit 10\n');
    expect([...lines]).toEqual([2, 4, 5, 6]);
  });
  it('snippets that may change routing make the routes through that node not derived, with the location', () => {
    expect(snippetMayChangeRouting({ text: 'bgp log-neighbor-changes\n! x\n' })).toBe(false);
    expect(snippetMayChangeRouting({ text: 'bgp community-list standard X permit 65000:1' })).toBe(false);
    expect(snippetMayChangeRouting({ text: 'neighbor eth1 route-map PREPEND out' })).toBe(true);
    const u = underivedNodes(l);
    expect(u.map((x) => x.node)).toEqual(['leaf1', 'leaf2']);
    expect(u[0]!.reason).toMatch(/snippet snippets\.roles\.leaf\.global \(t\.yml:7:9\), snippets\.roles\.leaf\.ipv4_unicast \(t\.yml:12:9\) on leaf1 may change routing/);
    const m = lab('snippets:\n  nodes:\n    leaf1: {ipv4_unicast: "neighbor eth1 route-map PREPEND out"}\n');
    const scope = derivationScope(m, predictFabric(m));
    // through leaf1, or from a neighbour of it: not derived
    expect(scope.route('leaf3', lo(m, 'server1')).map((x) => x.node)).toEqual(['leaf1']);
    expect(scope.route('spine1', lo(m, 'leaf4')).map((x) => x.node)).toEqual(['leaf1']);
    expect(scope.paths('server3', 'server1').map((x) => x.node)).toEqual(['leaf1']);
    // nowhere near leaf1: derived
    expect(scope.route('leaf3', lo(m, 'leaf4'))).toEqual([]);
    expect(scope.paths('server3', 'leaf4')).toEqual([]);
    expect(scope.received('spine1', 'eth1').map((x) => x.node)).toEqual(['leaf1']);
  });
  it('snippet rules: unknown node, interface not on the node, ipv6 without IPv6, frr_conf plus snippets — each at its key', () => {
    const bad = `name: s
fabric: {spines: 1, leaves: 2, servers: 1}
nodes:
  leaf2: {frr_conf: leaf2.conf}
snippets:
  nodes:
    leaf9: {global: "x"}
    leaf1:
      ipv6_unicast: "x"
      interfaces:
        eth7: "description x"
    leaf2: {global: "x"}
`;
    expect(problems(bad)).toEqual([
      expect.stringMatching(/^t\.yml:7:5: snippets\.nodes\.leaf9: unknown node "leaf9"/),
      expect.stringMatching(/^t\.yml:9:7: snippets\.nodes\.leaf1\.ipv6_unicast: this lab has no address-family ipv6 unicast/),
      expect.stringMatching(/^t\.yml:11:9: snippets\.nodes\.leaf1\.interfaces\.eth7: interface eth7 is not a fabric interface of leaf1/),
      expect.stringMatching(/^t\.yml:12:5: snippets\.nodes\.leaf2: leaf2 has a frr_conf of its own/),
    ]);
  });
  it('frr_conf: the node\'s frr.conf is the user\'s text, and its routing is not derived', () => {
    const m = lab('nodes:\n  leaf1: {frr_conf: my/leaf1.conf}\n', 'name: s\nfabric: {spines: 1, leaves: 2, servers: 1}\n');
    const n = m.nodes.find((x) => x.name === 'leaf1')!;
    expect(n.frrConf).toMatchObject({ given: 'my/leaf1.conf', file: 't.yml', line: 4, col: 21 });
    n.frrConf!.text = 'frr defaults datacenter\nbfd\nexit\n!\nrouter bgp 65101\n address-family ipv4 unicast\n exit-address-family\nexit\n';
    // as is, top-level exit lines made comments (line numbers kept)
    expect(conf(m, 'leaf1')).toBe('frr defaults datacenter\nbfd\n!\n!\nrouter bgp 65101\n address-family ipv4 unicast\n exit-address-family\n!\n');
    expect(renderDaemonsOf(m, 'leaf1')).toMatch(/^bfdd=yes$/m);
    expect(underivedNodes(m)[0]!.reason).toMatch(/frr_conf on leaf1 \(t\.yml:4:21\)/);
  });
});

describe('the checks\' pure halves under a design or a snippet', () => {
  it('routes: a stated route (checks.routes) is judged like a predicted one, and fails when FRR differs', async () => {
    const { judgeRoute, statedRoute, frrNextHops, kernelNextHops } = await import('../../src/checks/routes.js');
    const l = lab('snippets:\n  nodes:\n    leaf1: {ipv4_unicast: "neighbor eth1 route-map X out"}\nchecks:\n  routes:\n    - {node: spine1, to: server1, via: [eth2]}\n');
    expect(l.checks.routes).toEqual([{ node: 'spine1', prefix: lo(l, 'server1'), via: ['eth2'] }]);
    const want = statedRoute(l, l.checks.routes![0]!);
    expect(want.nextHops).toEqual([{ node: 'leaf2', ifname: 'eth2', peerIfname: 'eth1' }]);
    const rib = (ifs: string[]) => ({ [lo(l, 'server1')]: [{ prefix: lo(l, 'server1'), protocol: 'bgp', selected: true, nexthops: ifs.map((i) => ({ interfaceName: i, active: true, fib: true })) }] });
    const kernel = (ifs: string[]) => [{ dst: '10.0.3.1', nexthops: ifs.map((dev) => ({ dev })) }];
    expect(judgeRoute(want, frrNextHops(rib(['eth2']), want.prefix), kernelNextHops(kernel(['eth2']), want.prefix))).toBeUndefined();
    expect(judgeRoute(want, frrNextHops(rib(['eth1', 'eth2']), want.prefix), kernelNextHops(kernel(['eth1', 'eth2']), want.prefix))).toMatch(/expected 1 next hop via eth2 \(leaf2\); FRR has 2/);
    // a stated route to something that is neither a node nor a prefix: an error at `to`
    expect(problems(BASE + 'checks:\n  routes:\n    - {node: spine1, to: nowhere, via: []}\n')[0]).toMatch(/^t\.yml:5:26: checks\.routes\[0\]\.to: "nowhere" is neither a node nor a prefix/);
  });
  it('the kernel\'s default route ("dst": "default") is read as 0.0.0.0/0', async () => {
    const { kernelNextHops } = await import('../../src/checks/routes.js');
    expect(kernelNextHops([{ dst: 'default', nexthops: [{ dev: 'eth2' }, { dev: 'eth1' }] }], '0.0.0.0/0')).toEqual(['eth1', 'eth2']);
    expect(kernelNextHops([{ dst: 'default', dev: 'eth1' }], '::/0')).toEqual(['eth1']);
  });
  it('transit with one server ASN: origin is fine, transit is named by the neighbour the path came from', async () => {
    const { transitServers } = await import('../../src/checks/transit.js');
    const l = lab('design: {server_asn: shared}\n');
    expect(transitServers(l, '65101 4200000001')).toEqual([]);
    expect(transitServers(l, '4200000001 65101 4200000001', 'server2').map((n) => n.name)).toEqual(['server2']);
    // deeper in the path the sender does not tell: every server of the ASN is named
    expect(transitServers(l, '65000 4200000001 65101 4200000001', 'spine1')).toHaveLength(4);
  });
  it('sessions: a prefix count that is not derived is not judged, and the row says why', async () => {
    const { judgeSession } = await import('../../src/checks/sessions.js');
    const l = lab('snippets:\n  nodes:\n    leaf1: {ipv4_unicast: "neighbor eth1 route-map X out"}\n');
    const p = predictFabric(l);
    const s = l.sessions.find((x) => x.node === 'spine1' && x.peer === 'leaf1')!;
    const why = derivationScope(l, p).received(s.node, s.ifname);
    expect(why.map((u) => u.node)).toEqual(['leaf1']);
    const sum = { ipv4Unicast: { peers: { [s.ifname]: { state: 'Established', hostname: 'leaf1', remoteAs: 65101, pfxRcd: 99 } } } };
    const v = judgeSession(l, p, s, sum, 'ipv4', why);
    expect(v.ok).toBe(true);
    expect(v.message).toMatch(/Established, 99 prefixes received \(count not derived: snippet snippets\.nodes\.leaf1\.ipv4_unicast \(t\.yml:5:27\)/);
    // the ASN is still judged
    expect(judgeSession(l, p, s, { ipv4Unicast: { peers: { [s.ifname]: { ...sum.ipv4Unicast.peers[s.ifname]!, remoteAs: 1 } } } }, 'ipv4', why).ok).toBe(false);
  });
});

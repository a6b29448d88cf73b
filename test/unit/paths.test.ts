import { describe, expect, it } from 'vitest';
import type { Lab } from '../../src/lab/model.js';
import { hopsMatch, predictFabric, roleSequence } from '../../src/lab/paths.js';
import { clos } from './paths-fixture.js';

const lo = (lab: Lab, n: string) => `${lab.nodes.find((x) => x.name === n)!.loopback}/32`;

describe('predictFabric on the default 2 spines × 4 leaves × 4 servers', () => {
  const lab = clos({ spines: 2, leaves: 4, servers: 4 });
  const p = predictFabric(lab);

  it('a server reaches a server behind other leaves through both of its leaves', () => {
    // server1 sits on leaf1+leaf2, server2 on leaf3+leaf4
    const r = p.route('server1', lo(lab, 'server2'))!;
    expect(r.nextHops.map((h) => h.node)).toEqual(['leaf1', 'leaf2']);
    expect(r.pathLength).toBe(4);
    expect(r.ambiguous).toBe(false);
  });

  it('a leaf reaches a remote leaf with one next hop per spine', () => {
    const r = p.route('leaf1', lo(lab, 'leaf3'))!;
    expect(r.nextHops.map((h) => h.node)).toEqual(['spine1', 'spine2']);
    expect(r.nextHops.map((h) => h.ifname)).toEqual(['eth1', 'eth2']);
  });

  it('a leaf reaches its own server directly, never through the spines', () => {
    const r = p.route('leaf1', lo(lab, 'server1'))!;
    expect(r.nextHops).toEqual([{ node: 'server1', ifname: 'eth3', peerIfname: 'eth1' }]);
  });

  it('a leaf reaches its pair leaf through the spines only, not through shared servers', () => {
    const r = p.route('leaf1', lo(lab, 'leaf2'))!;
    expect(r.nextHops.map((h) => h.node)).toEqual(['spine1', 'spine2']);
  });

  it('a spine reaches a server through both of its leaves', () => {
    expect(p.route('spine1', lo(lab, 'server3'))!.nextHops.map((h) => h.node)).toEqual(['leaf1', 'leaf2']);
  });

  it('enumerates the 8 server-to-server paths across the fabric', () => {
    const paths = p.paths('server1', 'server2');
    expect(paths).toHaveLength(8);
    for (const path of paths) expect(roleSequence(lab, path)).toEqual(['server', 'leaf', 'spine', 'leaf', 'server']);
    expect(paths).toContainEqual(['server1', 'leaf1', 'spine2', 'leaf4', 'server2']);
    expect(new Set(paths.map((x) => x[1]))).toEqual(new Set(['leaf1', 'leaf2']));
    expect(new Set(paths.map((x) => x[3]))).toEqual(new Set(['leaf3', 'leaf4']));
  });

  it('servers on the same leaf pair talk through one leaf hop', () => {
    expect(p.paths('server1', 'server3')).toEqual([
      ['server1', 'leaf1', 'server3'],
      ['server1', 'leaf2', 'server3'],
    ]);
  });

  it('no predicted path ever crosses a server in the middle', () => {
    for (const a of lab.nodes) for (const b of lab.nodes) {
      if (a === b) continue;
      for (const path of p.paths(a.name, b.name)) {
        expect(path.slice(1, -1).some((n) => n.startsWith('server'))).toBe(false);
      }
    }
  });

  it('every node reaches every loopback, except spines each other (shared ASN: loop detection)', () => {
    for (const n of lab.nodes) {
      for (const r of p.routesOf(n.name)) {
        const bothSpines = n.role === 'spine' && r.origin.startsWith('spine');
        expect(r.nextHops.length > 0, `${n.name} → ${r.prefix}`).toBe(!bothSpines);
      }
    }
  });

  it('predicts what each session receives', () => {
    // a server sends only its own loopback
    const fromServer = p.received('leaf1', 'eth3');
    expect(fromServer.peer).toBe('server1');
    expect(fromServer.prefixes).toEqual([lo(lab, 'server1')]);
    expect(fromServer.max).toBe(1);
    // a server hears every other loopback from each leaf: 2 spines, 4 leaves, 3 other servers
    const atServer = p.received('server1', 'eth1');
    expect(atServer.min).toBe(2 + 4 + 3);
    expect(atServer.max).toBe(atServer.min);
    // a leaf hears from a spine: that spine, the 3 other leaves, and servers behind other leaves for sure;
    // its own servers come back only when the spine picked the pair leaf as best (tie-break)
    const atLeaf = p.received('leaf1', 'eth1');
    expect(atLeaf.prefixes).toEqual(expect.arrayContaining([lo(lab, 'spine1'), lo(lab, 'leaf2'), lo(lab, 'server2')]));
    expect(atLeaf.prefixes).not.toContain(lo(lab, 'spine2'));
    expect(atLeaf.maybe).toEqual(expect.arrayContaining([lo(lab, 'server1'), lo(lab, 'server3')]));
    expect(atLeaf.min).toBe(1 + 3 + 2);
    expect(atLeaf.max).toBe(atLeaf.min + 2);
  });
});

describe('predictFabric without transit filters (the unsafe negative control)', () => {
  const lab = clos({ spines: 2, leaves: 4, servers: 4, transitFilters: false });
  const p = predictFabric(lab);
  it('leaf pairs then also reach each other through their shared servers', () => {
    const r = p.route('leaf1', lo(lab, 'leaf2'))!;
    expect(r.nextHops.map((h) => h.node).sort()).toEqual(['server1', 'server3', 'spine1', 'spine2']);
  });
  it('servers then send more than their own prefixes', () => {
    expect(p.received('leaf1', 'eth3').max).toBeGreaterThan(1);
  });
});

describe('predictFabric on a minimal lab (one leaf, one server)', () => {
  const lab = clos({ spines: 0, leaves: 2, servers: 1 });
  // drop leaf2 to get exactly one link
  lab.nodes = lab.nodes.filter((n) => n.name !== 'leaf2');
  lab.links = lab.links.filter((l) => l.a.node !== 'leaf2' && l.b.node !== 'leaf2');
  lab.sessions = lab.sessions.filter((s) => s.node !== 'leaf2' && s.peer !== 'leaf2');
  lab.nodes.find((n) => n.name === 'server1')!.announce = ['192.0.2.10/32'];
  const p = predictFabric(lab);
  it('leaf reaches the server loopback and its VIP through one next hop', () => {
    expect(p.route('leaf1', lo(lab, 'server1'))!.nextHops).toEqual([{ node: 'server1', ifname: 'eth1', peerIfname: 'eth1' }]);
    expect(p.route('leaf1', '192.0.2.10/32')!.nextHops).toHaveLength(1);
    expect(p.received('leaf1', 'eth1').prefixes).toEqual([lo(lab, 'server1'), '192.0.2.10/32']);
    expect(p.received('server1', 'eth1').prefixes).toEqual([lo(lab, 'leaf1')]);
    expect(p.paths('server1', 'leaf1')).toEqual([['server1', 'leaf1']]);
  });
});

describe('predictFabric on a 3-tier lab (2 pods × 2 spines × 2 leaves × 2 servers, 2 super-spines)', () => {
  const lab = clos({ spines: 2, leaves: 2, servers: 2, superSpines: 2, pods: 2 });
  const p = predictFabric(lab);
  it('server to a server in another pod: 2 leaves × 2 spines × 2 super-spines × 2 spines × 2 leaves', () => {
    const paths = p.paths('server1p1', 'server1p2');
    expect(paths).toHaveLength(32);
    for (const path of paths) {
      expect(roleSequence(lab, path)).toEqual(['server', 'leaf', 'spine', 'super-spine', 'spine', 'leaf', 'server']);
    }
  });
  it('a spine reaches another spine of its own pod through its leaves (pod spines share an ASN: rejected) — so via leaves is a loop: no route through the super-spines either', () => {
    // spine1p1 → spine2p1: paths via leaves carry AS 65000 (rejected), via super-spines carry 65000 too
    expect(p.route('spine1p1', lo(lab, 'spine2p1'))).toBeUndefined();
  });
  it('a leaf reaches a leaf in the other pod through each of its spines', () => {
    expect(p.route('leaf1p1', lo(lab, 'leaf1p2'))!.nextHops.map((h) => h.node)).toEqual(['spine1p1', 'spine2p1']);
  });
});

describe('hopsMatch', () => {
  const lab = clos({ spines: 2, leaves: 4, servers: 4 });
  it('matches by role and by node name, and rejects a wrong hop', () => {
    expect(hopsMatch(lab, ['leaf1', 'spine1', 'leaf3', 'server2'], ['leaf', 'spine', 'leaf', 'server'])).toBe(true);
    expect(hopsMatch(lab, ['leaf1', 'spine1', 'leaf3', 'server2'], ['leaf1', 'spine', 'leaf3', 'server2'])).toBe(true);
    expect(hopsMatch(lab, ['leaf1', 'spine1', 'leaf3', 'server2'], ['leaf2', 'spine', 'leaf', 'server'])).toBe(false);
    expect(hopsMatch(lab, ['leaf1', 'spine1', 'leaf3'], ['leaf', 'spine', 'leaf', 'server'])).toBe(false);
  });
});

describe('predictFabric on the shipped labs (through the real loader)', async () => {
  const { loadLab } = await import('../../src/lab/load.js');
  it('labs/clos.yml: server to server across the fabric has 8 paths, 2 next hops at the server, VIPs reachable', async () => {
    const lab = await loadLab('labs/clos.yml');
    const p = predictFabric(lab);
    const servers = lab.nodes.filter((n) => n.role === 'server');
    const spines = lab.nodes.filter((n) => n.role === 'spine');
    const [a, b] = [servers[0]!, servers.find((s) => s.name !== servers[0]!.name && p.paths(servers[0]!.name, s.name)[0]!.length === 5)!];
    const r = p.route(a.name, `${b.loopback}/32`)!;
    expect(r.nextHops).toHaveLength(2);
    expect(r.ambiguous).toBe(false);
    expect(p.paths(a.name, b.name)).toHaveLength(2 * spines.length * 2);
    for (const vip of lab.nodes.flatMap((n) => n.announce)) {
      for (const n of lab.nodes) if (!n.announce.includes(vip)) expect(p.route(n.name, vip)?.nextHops.length, `${n.name} → ${vip}`).toBeGreaterThan(0);
    }
    // a leaf reaches every other leaf through every spine
    const leaves = lab.nodes.filter((n) => n.role === 'leaf');
    for (const l of leaves) for (const m of leaves) if (l !== m) expect(p.route(l.name, `${m.loopback}/32`)!.nextHops).toHaveLength(spines.length);
  });
  it('labs/minimal.yml: one spine, two leaves, one server', async () => {
    const lab = await loadLab('labs/minimal.yml');
    const p = predictFabric(lab);
    const server = lab.nodes.find((n) => n.role === 'server')!;
    const spine = lab.nodes.find((n) => n.role === 'spine')!;
    expect(p.route(server.name, `${spine.loopback}/32`)!.nextHops).toHaveLength(2);
    expect(p.paths(server.name, spine.name)).toHaveLength(2);
    for (const n of lab.nodes) for (const r of p.routesOf(n.name)) expect(r.nextHops.length, `${n.name} → ${r.prefix}`).toBeGreaterThan(0);
  });
  it('labs/pods.yml: cross-pod server paths run server-leaf-spine-superspine-spine-leaf-server, unambiguous', async () => {
    const lab = await loadLab('labs/pods.yml');
    const p = predictFabric(lab);
    const servers = lab.nodes.filter((n) => n.role === 'server');
    const a = servers.find((s) => s.pod === 1)!;
    const b = servers.find((s) => s.pod === 2)!;
    const paths = p.paths(a.name, b.name);
    expect(paths.length).toBe(32);
    for (const path of paths) expect(roleSequence(lab, path)).toEqual(['server', 'leaf', 'spine', 'super-spine', 'spine', 'leaf', 'server']);
    expect(p.route(a.name, `${b.loopback}/32`)!.ambiguous).toBe(false);
  });
});

describe('predictFabric with an anycast prefix (labs/explicit.yml: 192.0.2.80/32 on web1 and web2)', async () => {
  const { loadLab } = await import('../../src/lab/load.js');
  const lab = await loadLab('labs/explicit.yml');
  const p = predictFabric(lab);
  it('a leaf load-shares the VIP over both servers; a spine over both leaves; the edge router reaches it', () => {
    expect(p.route('leaf1', '192.0.2.80/32')!.nextHops.map((h) => h.node)).toEqual(['web1', 'web2']);
    expect(p.route('spine1', '192.0.2.80/32')!.nextHops.map((h) => h.node)).toEqual(['leaf1', 'leaf2']);
    const edge = p.route('edge', '192.0.2.80/32')!;
    expect(edge.nextHops.map((h) => h.node)).toEqual(['border1']);
    expect(edge.ambiguous).toBe(false);
    expect(p.origins.get('192.0.2.80/32')).toBe('web1,web2');
  });
  it('web1 does not carry web2 towards the leaves (it only re-originates its own copy)', () => {
    expect(p.received('leaf1', 'eth3').prefixes.sort()).toEqual(['10.0.3.1/32', '192.0.2.80/32'].sort());
    expect(p.route('web1', '192.0.2.80/32')).toMatchObject({ pathLength: 0, nextHops: [] });
  });
  it('an originator may receive the other copy of its anycast prefix (a leaf whose best is via the other server)', () => {
    // leaf1's best for the VIP is via web1 or web2 (tie-break); via web1 it is sent to web2 and accepted
    const atWeb2 = p.received('web2', 'eth1');
    expect(atWeb2.maybe).toEqual(['192.0.2.80/32']);
    expect(atWeb2.max).toBe(atWeb2.min + 1);
  });
  it('the lab traceroute expectation matches every predicted path', () => {
    for (const path of p.paths('web1', 'edge')) expect(hopsMatch(lab, path.slice(1), ['leaf', 'spine', 'border1', 'edge'])).toBe(true);
  });
});

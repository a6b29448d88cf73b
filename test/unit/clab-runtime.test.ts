/**
 * The pure halves of the containerlab runtime: which topologies would make containerlab
 * touch the host network, container settings resolved like containerlab, the veth batch,
 * impairment commands, and parsing of what runs inside a node.
 */
import { describe, expect, it } from 'vitest';
import { demuxFrames, managementNetworkProblems, parsePs, parseShowDaemons } from '../../src/runtime/clab/index.js';
import { containerName, vethBatch } from '../../src/runtime/clab/docker-deploy.js';
import { linksOf } from '../../src/runtime/lifecycle.js';
import { checkImpairment, netemArgv, nftLossScript, nftTable, requireNftFallback } from '../../src/runtime/impair.js';
import { parseTopology } from '../../src/clab/topology.js';

const TOPO = `name: t1
mgmt:
  skip-when-unused: true
topology:
  defaults:
    network-mode: none
  kinds:
    linux:
      cap-add: [NET_ADMIN]
  nodes:
    na: { kind: linux, image: img, privileged: false }
    nb: { kind: linux, image: img, cap-add: [NET_ADMIN, NET_RAW, SYS_ADMIN] }
  links:
    - endpoints: ["na:eth1", "nb:eth1"]
    - endpoints: ["na:eth2", "nb:eth2"]
      mtu: 1500
`;

describe('managementNetworkProblems', () => {
  it('accepts a topology where every node resolves to network-mode none and mgmt is skipped', () => {
    expect(managementNetworkProblems(parseTopology(TOPO, '/x/t1.clab.yml'))).toEqual([]);
  });
  it('names the nodes that would join a management bridge, and a missing skip-when-unused', () => {
    const t = TOPO.replace('  skip-when-unused: true\n', '  network: foo\n').replace('    na: { kind: linux, image: img, privileged: false }', '    na: { kind: linux, image: img, network-mode: bridge }');
    expect(managementNetworkProblems(parseTopology(t, '/x/t.clab.yml'))).toEqual(['mgmt.skip-when-unused is not true', 'nodes without network-mode: none: na']);
  });
  it('a node-level network-mode overrides the defaults, kinds and groups too', () => {
    // (node names of two characters at least: containerlab's rule, which the plan enforces)
    const t = `name: t2\nmgmt: {skip-when-unused: true}\ntopology:\n  kinds: {linux: {network-mode: none}}\n  groups: {g: {network-mode: host}}\n  nodes:\n    na: {kind: linux, group: g}\n    nb: {kind: linux}\n`;
    expect(managementNetworkProblems(parseTopology(t, '/x/t2.clab.yml'))).toEqual(['nodes without network-mode: none: na']);
  });
});

describe('container settings in the plan', () => {
  it('resolves cap-add and privileged like containerlab: later layers replace, privileged unless false', () => {
    const plan = parseTopology(TOPO, '/x/t1.clab.yml');
    const settings = (n: string) => {
      const x = plan.nodes.find((y) => y.name === n)!;
      return { capAdd: x.capAdd, privileged: x.privileged, networkMode: x.networkMode };
    };
    const s = { get: settings };
    expect(s.get('na')).toEqual({ capAdd: ['NET_ADMIN'], privileged: false, networkMode: 'none' });
    expect(s.get('nb')).toEqual({ capAdd: ['NET_ADMIN', 'NET_RAW', 'SYS_ADMIN'], privileged: true, networkMode: 'none' });
  });
});

describe('vethBatch', () => {
  it('creates each link directly in both containers namespaces, with the MTU (containerlab default 9500)', () => {
    const plan = parseTopology(TOPO, '/x/t1.clab.yml');
    expect(vethBatch(plan, new Map([['na', 101], ['nb', 202]]))).toEqual([
      'link add eth1 netns 101 mtu 9500 type veth peer name eth1 netns 202 mtu 9500',
      'link add eth2 netns 101 mtu 1500 type veth peer name eth2 netns 202 mtu 1500',
    ]);
    expect(() => vethBatch(plan, new Map([['na', 1]]))).toThrow(/no pid/);
    expect(containerName('t1', 'a')).toBe('clab-t1-a');
  });
  it('linksOf: where each interface of a node leads', () => {
    const plan = parseTopology(TOPO, '/x/t1.clab.yml');
    expect(linksOf(plan, 'nb')).toEqual([
      { ifname: 'eth1', peer: 'na', peerIfname: 'eth1' },
      { ifname: 'eth2', peer: 'na', peerIfname: 'eth2' },
    ]);
  });
});

describe('impairment commands', () => {
  it('netem with delay and/or loss', () => {
    expect(netemArgv('eth1', { lossPct: 100 })).toEqual(['tc', 'qdisc', 'replace', 'dev', 'eth1', 'root', 'netem', 'limit', '100000', 'loss', '100%']);
    expect(netemArgv('eth2', { delayMs: 20, lossPct: 5 }).slice(-4)).toEqual(['delay', '20ms', 'loss', '5%']);
  });
  it('nftables fallback: an ingress drop on the receiving interface, replacing any earlier one', () => {
    const full = nftLossScript('eth3', 100);
    expect(full).toContain('table netdev bgplab_from_eth3 {');
    expect(full).toContain('type filter hook ingress device "eth3" priority 0; policy accept;');
    expect(full).toMatch(/^\s+drop$/m);
    expect(full.indexOf('delete table netdev bgplab_from_eth3')).toBeLessThan(full.indexOf('bgplab_from_eth3 {'));
    expect(nftLossScript('eth3', 30)).toContain('numgen random mod 100 < 30 drop');
    expect(nftLossScript('eth3', 0)).not.toMatch(/drop/);
    expect(nftTable('e-1.2')).toBe('bgplab_from_e_1_2');
    expect(() => checkImpairment({ lossPct: 101 })).toThrow(/bad impairment/);
    expect(() => requireNftFallback('leaf1', 'eth1', 'Error: Specified qdisc kind is unknown.', 20)).toThrow(/cannot add delay/);
    expect(() => requireNftFallback('leaf1', 'eth1', 'RTNETLINK answers: Operation not permitted', 0)).toThrow(/tc netem on leaf1:eth1 failed/);
    expect(() => requireNftFallback('leaf1', 'eth1', 'Error: Specified qdisc kind is unknown.', 0)).not.toThrow();
  });
});

describe('parsing what runs inside a node', () => {
  it('vtysh show daemons', () => {
    expect(parseShowDaemons(' zebra bgpd watchfrr staticd\n')).toEqual(['zebra', 'bgpd', 'watchfrr', 'staticd']);
    expect(parseShowDaemons('')).toEqual([]);
  });
  it('ps pid/comm', () => {
    const m = parsePs('      1 bgplab-entrypoi\n     20 watchfrr\n     33 zebra\n     38 bgpd\n');
    expect(m.get('bgpd')).toBe(38);
    expect(m.has('staticd')).toBe(false);
  });
  it("Docker's multiplexed stream frames", () => {
    const frame = (stream: number, s: string) => {
      const b = Buffer.from(s);
      const h = Buffer.alloc(8);
      h[0] = stream;
      h.writeUInt32BE(b.length, 4);
      return Buffer.concat([h, b]);
    };
    expect(demuxFrames(Buffer.concat([frame(1, 'Started watchfrr.\n'), frame(2, 'oops\n')]))).toBe('Started watchfrr.\noops\n');
    expect(demuxFrames(Buffer.from('plain tty output\n'))).toBe('plain tty output\n');
  });
});

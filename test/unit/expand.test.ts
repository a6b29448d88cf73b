import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadLabText, formatProblem } from '../../src/lab/load.js';
import type { Lab } from '../../src/lab/model.js';
import { nodeViews, needsMultipathRelax } from '../../src/render/frr.js';

function lab(text: string): Lab {
  const r = loadLabText(text, 't.yml');
  if (!r.lab) throw new Error(r.problems.map(formatProblem).join('\n'));
  return r.lab;
}
const shipped = (f: string) => lab(readFileSync(`labs/${f}`, 'utf8'));
const node = (l: Lab, n: string) => l.nodes.find((x) => x.name === n)!;
const peersOf = (l: Lab, n: string) => l.sessions.filter((s) => s.node === n).map((s) => s.peer).sort();

describe('fabric expansion', () => {
  const clos = shipped('clos.yml');

  it('default lab: 2 spines, 4 leaves, 4 servers, full spine-leaf mesh', () => {
    const count = (r: string) => clos.nodes.filter((n) => n.role === r).length;
    expect([count('spine'), count('leaf'), count('server')]).toEqual([2, 4, 4]);
    for (const l of ['leaf1', 'leaf2', 'leaf3', 'leaf4']) expect(peersOf(clos, l).filter((p) => p.startsWith('spine'))).toEqual(['spine1', 'spine2']);
    expect(clos.sessions.length).toBe(2 * clos.links.length);
  });

  it('servers are dual-homed to leaf pairs 1+2 and 3+4, in racks', () => {
    expect(peersOf(clos, 'server1')).toEqual(['leaf1', 'leaf2']);
    expect(peersOf(clos, 'server2')).toEqual(['leaf1', 'leaf2']);
    expect(peersOf(clos, 'server3')).toEqual(['leaf3', 'leaf4']);
    expect(peersOf(clos, 'server4')).toEqual(['leaf3', 'leaf4']);
  });

  it('ASN plan: spines share one, each leaf and server has its own (4-byte private for servers)', () => {
    expect(new Set(clos.nodes.filter((n) => n.role === 'spine').map((n) => n.asn))).toEqual(new Set([65000]));
    const leaves = clos.nodes.filter((n) => n.role === 'leaf').map((n) => n.asn);
    expect(new Set(leaves).size).toBe(4);
    const servers = clos.nodes.filter((n) => n.role === 'server').map((n) => n.asn);
    expect(new Set(servers).size).toBe(4);
    for (const a of servers) expect(a).toBeGreaterThanOrEqual(4200000000);
  });

  it('loopbacks are carved by role: the third octet tells the role', () => {
    expect(node(clos, 'spine2').loopback).toBe('10.0.1.2');
    expect(node(clos, 'leaf3').loopback).toBe('10.0.2.3');
    expect(node(clos, 'server4').loopback).toBe('10.0.3.4');
    expect(new Set(clos.nodes.map((n) => n.loopback)).size).toBe(clos.nodes.length);
  });

  it('overrides: ASN plan, per-node asn and loopback, pool, announce, bfd', () => {
    const l = lab(`name: t
fabric: {spines: 1, leaves: 2, servers: 1}
asn: {spine: 64512, leaf: 4200001000, server: 4259840000}
loopbacks: {pool: 172.16.0.0/16}
bfd: {interval_ms: 100, multiplier: 4}
nodes:
  leaf2: {asn: 4200009999, bfd: false}
  server1: {loopback: 192.168.255.1, announce: [198.18.0.0/24]}
`);
    expect(node(l, 'spine1').asn).toBe(64512);
    expect(node(l, 'leaf1').asn).toBe(4200001000);
    expect(node(l, 'leaf2').asn).toBe(4200009999);
    expect(node(l, 'server1').asn).toBe(4259840000);
    expect(node(l, 'leaf1').loopback).toBe('172.16.2.1');
    expect(node(l, 'server1').loopback).toBe('192.168.255.1');
    expect(node(l, 'server1').announce).toEqual(['198.18.0.0/24']);
    expect(node(l, 'leaf1').bfd).toEqual({ enabled: true, intervalMs: 100, multiplier: 4 });
    expect(node(l, 'leaf2').bfd.enabled).toBe(false);
  });

  it('single-homed servers with server_uplinks: 1', () => {
    const l = lab('name: t\nfabric: {spines: 2, leaves: 3, servers: 3, server_uplinks: 1}\n');
    expect(peersOf(l, 'server1')).toEqual(['leaf1']);
    expect(peersOf(l, 'server3')).toEqual(['leaf3']);
  });

  it('3-tier: pods under super-spines, one spine ASN per pod', () => {
    const p = shipped('pods.yml');
    expect(p.nodes.filter((n) => n.role === 'super-spine').length).toBe(2);
    expect(node(p, 'spine1').asn).toBe(node(p, 'spine2').asn);
    expect(node(p, 'spine3').asn).toBe(node(p, 'spine1').asn + 1);
    expect(node(p, 'spine3').pod).toBe(2);
    expect(peersOf(p, 'spine1')).toEqual(['leaf1', 'leaf2', 'superspine1', 'superspine2']);
    expect(peersOf(p, 'server3')).toEqual(['leaf3', 'leaf4']);
  });

  it('explicit lab: nodes and links only, anycast VIP on two servers', () => {
    const e = shipped('explicit.yml');
    expect(e.nodes.length).toBe(8);
    expect(peersOf(e, 'border1')).toEqual(['edge', 'spine1', 'spine2']);
    expect(node(e, 'web1').announce).toEqual(node(e, 'web2').announce);
    expect(e.checks.traceroute[0]).toEqual({ from: 'web1', to: 'edge', hops: ['leaf', 'spine', 'border1', 'edge'] });
  });

  it('fabric plus explicit extras: a border leaf on the spines', () => {
    const l = lab(`name: t
fabric: {spines: 2, leaves: 2, servers: 2}
nodes:
  border1: {role: border}
links:
  - [border1:eth1, spine1:eth9]
  - [border1:eth2, spine2:eth9]
`);
    expect(peersOf(l, 'spine1')).toEqual(['border1', 'leaf1', 'leaf2']);
    expect(node(l, 'border1').loopback).toBe('10.0.5.1');
  });

  it('multipath-relax goes where equal paths cross different ASNs', () => {
    const views = new Map(nodeViews(clos).map((v) => [v.node.name, v]));
    expect(needsMultipathRelax(views.get('spine1')!)).toBe(true); // leaves: one ASN each
    expect(needsMultipathRelax(views.get('server1')!)).toBe(true); // two leaves
    const mini = lab('name: t\nnodes:\n  a: {role: leaf}\n  b: {role: spine}\nlinks:\n  - [a:eth1, b:eth1]\n');
    expect(needsMultipathRelax(nodeViews(mini).find((v) => v.node.name === 'a')!)).toBe(false);
  });

  it('sizes the loopback blocks for large fabrics', () => {
    const big = lab('name: big\nfabric: {spines: 8, leaves: 128, servers: 300}\nasn: {leaf: 4200100000}\n');
    const s = big.nodes.filter((n) => n.role === 'server');
    expect(s.length).toBe(300);
    expect(new Set(big.nodes.map((n) => n.loopback)).size).toBe(big.nodes.length);
  });
});

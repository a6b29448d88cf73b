/**
 * The FRR JSON readers on real output of both versions: test/fixtures/frr/<version>/ were
 * captured from leaf1 of labs/minimal.yml with `bfd: true`, on the netns runtime, FRR 8.4
 * (host) and 10.3 (trixie rootfs), once converged. Both labs have the same addresses, so
 * what bgplab reads must be the same; the differences found are listed in the README.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bfdPeers, bfdUp } from '../../src/frr/bfd.js';
import { ESTABLISHED, neighborReset, resetText, sessionState, summaryPeer } from '../../src/frr/bgp.js';
import { installedPrefixes, parseRib, frrNextHops } from '../../src/frr/routes.js';
import { loadLabText } from '../../src/lab/load.js';
import { FRR_VERSIONS } from '../../src/lab/model.js';

const fx = (v: string, f: string): unknown => JSON.parse(readFileSync(`test/fixtures/frr/${v}/${f}.json`, 'utf8'));
const minimal = loadLabText(readFileSync('labs/minimal.yml', 'utf8'), 'minimal.yml').lab!;
/** leaf1's sessions as the lab predicts them */
const leaf1Peers = minimal.sessions.filter((s) => s.node === 'leaf1').map((s) => s.ifname);

describe.each(FRR_VERSIONS)('FRR %s output', (v) => {
  it('show bgp summary json: every leaf1 session Established, peers named by their hostname capability', () => {
    const s = fx(v, 'bgp-summary');
    for (const i of leaf1Peers) expect(sessionState(s, i)).toBe(ESTABLISHED);
    for (const x of minimal.sessions.filter((y) => y.node === 'leaf1')) expect(summaryPeer(s, x.ifname)!.hostname).toBe(x.peer);
    expect(summaryPeer(s, 'eth1')!.pfxRcd).toBeGreaterThan(0);
  });

  it('show ip route json: loopbacks installed, ECMP next hops by interface', () => {
    const rib = parseRib(fx(v, 'ip-route'));
    expect(installedPrefixes(rib).size).toBeGreaterThan(3);
    const bgp = [...installedPrefixes(rib)].map((p) => frrNextHops(rib, p)).filter((n) => n?.protocol === 'bgp');
    expect(bgp.length).toBeGreaterThan(0);
    for (const n of bgp) expect(n!.ifnames.length).toBeGreaterThan(0);
  });

  it('show bfd peers json: every peer up with the profile timers', () => {
    const peers = bfdPeers(fx(v, 'bfd-peers'));
    expect(peers.length).toBe(leaf1Peers.length);
    expect(peers.every(bfdUp)).toBe(true);
    expect(new Set(peers.map((p) => p.receiveIntervalMs))).toEqual(new Set([300]));
  });
});

describe('differences between the versions that the readers absorb', () => {
  it('same routes and same sessions read from both', () => {
    const [a, b] = FRR_VERSIONS.map((v) => parseRib(fx(v, 'ip-route')));
    expect([...installedPrefixes(a!)].sort()).toEqual([...installedPrefixes(b!)].sort());
  });

  it('a never-reset neighbour: 8.4 still names a reset ("No AFI/SAFI activated", from config time), 10 says lastReset "never" and none', () => {
    const old = resetText(neighborReset(fx('8.4', 'bgp-neighbors'), 'eth1'));
    const neu = resetText(neighborReset(fx('10', 'bgp-neighbors'), 'eth1'));
    expect(old).toMatch(/AFI\/SAFI/);
    expect(neu).toBeUndefined();
    expect((fx('10', 'bgp-neighbors') as Record<string, Record<string, unknown>>)['eth1']!['lastReset']).toBe('never');
  });
});

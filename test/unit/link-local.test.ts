/**
 * The lost link-local reader (observe/link-local.ts): bgpd Idle with no peer address while
 * zebra holds one is found; the same bgpd state with zebra holding nothing (no RA arrives:
 * a real fault) and other reasons are not. JSON shapes captured from FRR 8.4 on netns.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NO_PEER_ADDRESS, neighborReset, resetText } from '../../src/frr/bgp.js';
import type { Lab } from '../../src/lab/model.js';
import { findLostLinkLocals, withoutPeerAddress, zebraNeighbourAddresses } from '../../src/observe/link-local.js';
import type { SessionObservation } from '../../src/observe/sessions.js';
import { fakeRuntime } from './fake-runtime.js';

/** `show interface eth1 json` on leaf1 of the default lab (FRR 8.4.4), trimmed */
const ZEBRA_IF = {
  eth1: {
    administrativeStatus: 'up',
    operationalStatus: 'up',
    flags: '<UP,BROADCAST,RUNNING,MULTICAST>',
    ipAddresses: [{ address: 'fe80::c8eb:2bff:fe9a:fa38/64', secondary: false, unnumbered: false }],
    neighborIpAddresses: ['fe80::2c0e:79ff:fe78:e69b/128'],
  },
};
const ZEBRA_IF_NO_NBR = { eth1: { ...ZEBRA_IF.eth1, neighborIpAddresses: undefined } };
const neighbors = (reason: string, bgpNeighborAddr?: string) => ({ eth1: { ...(bgpNeighborAddr ? { bgpNeighborAddr } : {}), bgpState: 'Idle', lastResetDueTo: reason } });

const lab = { name: 'll' } as Lab;
const down: SessionObservation[] = [{ node: 'leaf22', ifname: 'eth1', peer: 'spine2', state: 'Idle' }];

function runtimeAnswering(bgp: unknown, zebra: unknown) {
  const asked: string[] = [];
  const rt = fakeRuntime({
    vtysh: async (_lab, node, commands) => {
      asked.push(`${node}: ${commands.join('; ')}`);
      return JSON.stringify(commands[0]!.startsWith('show bgp') ? bgp : zebra);
    },
  });
  return { rt, asked };
}

describe('lost link-local addresses', () => {
  it('reads the peer addresses zebra learnt from RAs, none when the key is absent', () => {
    expect(zebraNeighbourAddresses(ZEBRA_IF, 'eth1')).toEqual(['fe80::2c0e:79ff:fe78:e69b/128']);
    expect(zebraNeighbourAddresses(ZEBRA_IF_NO_NBR, 'eth1')).toEqual([]);
    expect(zebraNeighbourAddresses('nonsense', 'eth1')).toEqual([]);
  });

  it('only Idle sessions whose bgpd has no peer address are candidates', () => {
    const s = (state: string, lastError: string): SessionObservation => ({ node: 'a', ifname: 'eth1', peer: 'b', state, lastError });
    expect(withoutPeerAddress([s('Idle', 'Neighbor address lost'), s('Idle', 'Waiting for Peer IPv6 LLA'), s('Active', 'Neighbor address lost'), s('Idle', 'Bad Peer AS')]).map((x) => x.lastError + '/' + x.state)).toEqual([
      'Neighbor address lost/Idle',
      'Waiting for Peer IPv6 LLA/Idle',
    ]);
  });

  it('bgpd lost it, zebra holds it: found, with what zebra holds', async () => {
    for (const reason of ['Neighbor address lost', 'Waiting for Peer IPv6 LLA']) {
      const { rt, asked } = runtimeAnswering(neighbors(reason), ZEBRA_IF);
      expect(await findLostLinkLocals(rt, lab, down)).toEqual([{ node: 'leaf22', ifname: 'eth1', peer: 'spine2', zebraHas: ['fe80::2c0e:79ff:fe78:e69b/128'], reason }]);
      expect(asked).toEqual(['leaf22: show bgp neighbors json', 'leaf22: show interface eth1 json']);
    }
  });

  it("bgpd's own address field decides over the reason text (NHT overwrites the reason)", async () => {
    const stale = runtimeAnswering(neighbors('Waiting for peer OPEN', 'none'), ZEBRA_IF);
    expect(await findLostLinkLocals(stale.rt, lab, down)).toEqual([{ node: 'leaf22', ifname: 'eth1', peer: 'spine2', zebraHas: ['fe80::2c0e:79ff:fe78:e69b/128'], reason: 'Waiting for peer OPEN' }]);
    const has = runtimeAnswering(neighbors('Neighbor address lost', 'fe80::2c0e:79ff:fe78:e69b'), ZEBRA_IF);
    expect(await findLostLinkLocals(has.rt, lab, down)).toEqual([]);
    expect(has.asked).toEqual(['leaf22: show bgp neighbors json']);
  });

  it('zebra holds nothing either (no RA arrives) or another reason: left alone, so a real fault is still reported', async () => {
    expect(await findLostLinkLocals(runtimeAnswering(neighbors('Neighbor address lost'), ZEBRA_IF_NO_NBR).rt, lab, down)).toEqual([]);
    const other = runtimeAnswering(neighbors('Bad Peer AS'), ZEBRA_IF);
    expect(await findLostLinkLocals(other.rt, lab, down)).toEqual([]);
    expect(other.asked).toEqual(['leaf22: show bgp neighbors json']);
    expect(await findLostLinkLocals(other.rt, lab, [])).toEqual([]);
  });
});

/** captured from FRR 8.4.4 on netns: server1's RAs from leaf1 dropped by nft, the link bounced */
const fx = (name: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/frr/8.4/${name}.json`, import.meta.url), 'utf8'));

describe('lost link-local addresses: real FRR captures', () => {
  it("bgpd without the peer's address shows Idle, 'none' and a reason that says otherwise; the text says it first", () => {
    const r = neighborReset(fx('bgp-neighbor-no-address'), 'eth1');
    expect(r?.neighborAddress).toBe('none');
    expect(r?.lastResetDueTo).toBe('Waiting for peer OPEN');
    expect(resetText(r)).toBe(`${NO_PEER_ADDRESS}; Waiting for peer OPEN`);
    expect(resetText(neighborReset(fx('bgp-neighbors'), 'eth1'))).not.toContain(NO_PEER_ADDRESS);
  });

  it('that bgpd state is a candidate only while zebra holds an address (with: found; without, as captured: left alone)', async () => {
    const withAddr = fx('interface-with-neighbour') as Record<string, unknown>;
    const held = zebraNeighbourAddresses(withAddr, 'eth1');
    expect(held.length).toBe(1);
    const found = await findLostLinkLocals(runtimeAnswering(fx('bgp-neighbor-no-address'), withAddr).rt, lab, [{ ...down[0]!, ifname: 'eth1' }]);
    expect(found).toEqual([{ node: 'leaf22', ifname: 'eth1', peer: 'spine2', zebraHas: held, reason: 'Waiting for peer OPEN' }]);
    expect(await findLostLinkLocals(runtimeAnswering(fx('bgp-neighbor-no-address'), fx('interface-no-neighbour')).rt, lab, down)).toEqual([]);
  });
});

describe('lost link-local addresses: cost', () => {
  it('sessions that are not Idle in the summary are not asked about', async () => {
    const { rt, asked } = runtimeAnswering(neighbors('Neighbor address lost'), ZEBRA_IF);
    expect(await findLostLinkLocals(rt, lab, [{ ...down[0]!, state: 'Active' }])).toEqual([]);
    expect(asked).toEqual([]);
  });
});

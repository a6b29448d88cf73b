/**
 * Bring-up's wait for sessions (app/up.ts waitSessionsRelearning), against a scripted
 * Runtime: a session whose bgpd lost the peer's link-local address while zebra holds it
 * gets its link set down and up once, with a warning, and then converges; the same bgpd
 * state with no address in zebra either (no RA: a real fault) is never touched and times out.
 */
import { describe, expect, it } from 'vitest';
import { waitSessionsRelearning } from '../../src/app/up.js';
import { loadLabText } from '../../src/lab/load.js';
import type { Lab } from '../../src/lab/model.js';
import { LabWaiter } from '../../src/observe/wait.js';
import { fakeRuntime } from './fake-runtime.js';

function tinyLab(): Lab {
  const r = loadLabText('name: rl\nfabric: {spines: 1, leaves: 2, servers: 0}\n', 'rl.yml');
  if (!('lab' in r) || !r.lab) throw new Error(JSON.stringify(r));
  return r.lab;
}

/** Every session Established except `stuck`, which is Idle with bgpd's reason until its link is bounced. */
function scripted(lab: Lab, stuck: { node: string; ifname: string }, zebraHasPeer: boolean) {
  const links: string[] = [];
  let healed = false;
  const rt = fakeRuntime({
    vtysh: async (_lab, node, commands) => {
      const c = commands[0]!;
      if (c === 'show bgp summary json') {
        const peers: Record<string, { state: string }> = {};
        for (const s of lab.sessions.filter((x) => x.node === node)) {
          const isStuck = !healed && ((s.node === stuck.node && s.ifname === stuck.ifname) || (s.peer === stuck.node && lab.sessions.some((o) => o.node === stuck.node && o.ifname === stuck.ifname && o.peer === node)));
          peers[s.ifname] = { state: isStuck ? (s.node === stuck.node ? 'Idle' : 'Active') : 'Established' };
        }
        return JSON.stringify({ ipv4Unicast: { peers } });
      }
      if (c === 'show bgp neighbors json') return JSON.stringify({ [stuck.ifname]: { bgpState: 'Idle', lastResetDueTo: 'Neighbor address lost' } });
      if (c.startsWith('show interface')) return JSON.stringify({ [stuck.ifname]: zebraHasPeer ? { neighborIpAddresses: ['fe80::1/128'] } : {} });
      throw new Error(`unexpected ${c}`);
    },
    setLink: async (_lab, node, ifname, up) => {
      links.push(`${node}:${ifname} ${up ? 'up' : 'down'}`);
      if (up) healed = true;
    },
  });
  return { rt, links };
}

describe('bring-up: a link-local address bgpd lost', () => {
  it('zebra holds it: the link is set down and up once, a warning names it, the sessions converge', async () => {
    const lab = tinyLab();
    const stuck = { node: lab.sessions[0]!.node, ifname: lab.sessions[0]!.ifname };
    const { rt, links } = scripted(lab, stuck, true);
    const warnings: string[] = [];
    const r = await waitSessionsRelearning(rt, lab, new LabWaiter(rt, lab, { intervalMs: 20 }), 5_000, (w) => warnings.push(w), { afterMs: 100, everyMs: 100 });
    expect(r.ok).toBe(true);
    expect(links).toEqual([`${stuck.node}:${stuck.ifname} down`, `${stuck.node}:${stuck.ifname} up`]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`^${stuck.node}:${stuck.ifname} -> .*Neighbor address lost.*fe80::1/128.*set down and up`));
  });

  it('zebra holds nothing either: no link is touched, the wait times out with the session down', async () => {
    const lab = tinyLab();
    const stuck = { node: lab.sessions[0]!.node, ifname: lab.sessions[0]!.ifname };
    const { rt, links } = scripted(lab, stuck, false);
    const warnings: string[] = [];
    const r = await waitSessionsRelearning(rt, lab, new LabWaiter(rt, lab, { intervalMs: 20 }), 600, (w) => warnings.push(w), { afterMs: 100, everyMs: 100 });
    expect(r.ok).toBe(false);
    expect(r.down.map((s) => `${s.node}:${s.ifname}`)).toContain(`${stuck.node}:${stuck.ifname}`);
    expect(links).toEqual([]);
    expect(warnings).toEqual([]);
  });
});

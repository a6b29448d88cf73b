/**
 * Live (netns, FRR 8.4): a peer whose router advertisements never arrive leaves bgpd with
 * no address for it. The sessions check says so, not only FRR's reset text ("Waiting for
 * peer OPEN", which bgpd writes on every next-hop update); and the lost-link-local remedy
 * of `up` (observe/link-local.ts) leaves it alone: zebra holds no address either, so this
 * is a real fault to report, not FRR 8.4's lost address to bounce away. Lab name nopeer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionsCheck } from '../../src/checks/sessions.js';
import { NO_PEER_ADDRESS } from '../../src/frr/bgp.js';
import { findLostLinkLocals } from '../../src/observe/link-local.js';
import { explainSessions, observeSessions, type SessionObservation } from '../../src/observe/sessions.js';
import { sleep } from '../../src/util/pool.js';
import { deployLab, isRoot, type LiveLab } from './checks-helpers.js';

const LAB = 'nopeer';
const DROP_RA = (ifname: string) => `table inet nopeer {\n chain out {\n  type filter hook output priority 0;\n  oifname "${ifname}" icmpv6 type nd-router-advert drop\n }\n}\n`;

async function until<T>(what: string, ms: number, f: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(500);
  }
}

describe.skipIf(!isRoot)('a peer that sends no router advertisements (live, netns)', () => {
  let L: LiveLab | undefined;
  beforeAll(async () => {
    L = await deployLab('labs/clos.yml', LAB);
  }, 120_000);
  afterAll(async () => {
    await L?.destroy();
  }, 60_000);

  it('the sessions check names the missing address; the remedy does not touch the link; RAs back → the session is back', async () => {
    const { lab, runtime } = L!;
    const s = lab.sessions.find((x) => x.node === 'server1' && x.peer === 'leaf1')!;
    // leaf1 stops advertising on its link to server1; a bounce clears what both daemons learnt
    const nft = await runtime.exec(LAB, 'leaf1', ['nft', '-f', '-'], { input: DROP_RA(s.peerIfname) });
    expect(nft.exitCode, nft.stderr).toBe(0);
    await runtime.setLink(LAB, 'leaf1', s.peerIfname, false);
    await runtime.setLink(LAB, 'leaf1', s.peerIfname, true);

    const down = await until('server1 down with no address for leaf1', 30_000, async () => {
      const [o] = await observeSessions(runtime, lab, [s]);
      if (!o || o.state !== 'Idle') return undefined;
      const [e] = await explainSessions(runtime, lab, [o]);
      return e?.bgpdAddress === 'none' ? (e as SessionObservation) : undefined;
    });
    expect(down.lastError).toContain(NO_PEER_ADDRESS);

    // zebra on server1 has no address either: not the FRR 8.4 race, nothing to bounce
    expect(await findLostLinkLocals(runtime, lab, [down])).toEqual([]);

    const results = await sessionsCheck.run({ lab, runtime });
    const r = results.find((x) => x.name === `server1:${s.ifname} → leaf1`);
    expect(r?.status).toBe('fail');
    expect(r?.message).toContain(NO_PEER_ADDRESS);
    expect(String(r?.measured?.['lastReset'])).toContain(NO_PEER_ADDRESS);

    // the RAs again: zebra learns the address, tells bgpd, and the session comes back by itself
    expect((await runtime.exec(LAB, 'leaf1', ['nft', 'delete', 'table', 'inet', 'nopeer'])).exitCode).toBe(0);
    await until('server1 Established again', 30_000, async () => ((await observeSessions(runtime, lab, [s]))[0]?.state === 'Established' ? true : undefined));
  }, 120_000);
});

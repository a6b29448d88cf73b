/**
 * Live, every shipped exercise on real FRR (netns runtime), through the built CLI as a
 * student and an instructor run it: `exercise list` shows at least eight; for every
 * exercise and every stage: check fails naming what is wrong → (a student's wrong fix does
 * not pass) → solve → check passes and moves on; on the first stage, reset after solve
 * brings the failing state back. One lab per exercise (xe-*), exercises one after another,
 * every lab taken down at the end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot } from './clab-helpers.js';
import { build, cli } from './workshop-helpers.js';

interface StageCase {
  /** what `check` must say before the stage is solved (the cause, named) */
  failing: RegExp;
  /** reset right after solve, then check: the failing state is back */
  resetAfterSolve?: boolean;
  /** a plausible wrong fix (vtysh per node) that must not pass, and what check then says */
  wrong?: { what: string; vtysh: Record<string, string[]>; failing: RegExp; reset: boolean };
}

const CASES: { id: string; lab: string; stages: StageCase[] }[] = [
  {
    id: 'unnumbered-server',
    lab: 'xe-unnum',
    stages: [
      {
        failing: /server1's sessions to leaf1 and leaf2 are down|session .*server1.* is down/,
        resetAfterSolve: true,
        wrong: {
          what: 'BGP written without the outbound filter',
          vtysh: { server1: ['configure terminal', 'router bgp 4200000001', 'bgp bestpath as-path multipath-relax', 'neighbor TOR peer-group', 'neighbor TOR remote-as external', 'neighbor eth1 interface peer-group TOR', 'neighbor eth2 interface peer-group TOR', 'address-family ipv4 unicast', 'network 10.0.3.1/32'] },
          failing: /server1 advertises prefixes it does not own/,
          reset: false,
        },
      },
    ],
  },
  { id: 'one-uplink', lab: 'xe-uplink', stages: [{ failing: /server1 forwards to 10\.0\.3\.2\/32 over 1 next hop/, resetAfterSolve: true }] },
  {
    id: 'mainframe',
    lab: 'xe-mainframe',
    stages: [
      { failing: /leaf[12] received \d+ ipv4 prefixes from server[12] on eth\d, expected 1|server[12] \(AS 420000000[12]\) in transit/ },
      {
        failing: /server1 advertises prefixes it does not own/,
        resetAfterSolve: true,
        wrong: {
          what: "removing the leaf's filter instead of adding the server's",
          vtysh: { leaf1: ['configure terminal', 'router bgp 65101', 'address-family ipv4 unicast', 'no neighbor eth2 route-map FROM-server1 in'] },
          failing: /server1 advertises prefixes it does not own/,
          reset: true,
        },
      },
    ],
  },
  { id: 'bad-peer-as', lab: 'xe-peeras', stages: [{ failing: /Bad Peer AS/, resetAfterSolve: true }] },
  {
    id: 'bfd',
    lab: 'xe-bfd',
    stages: [
      {
        failing: /leaf1 has no BFD session towards spine1/,
        wrong: {
          what: 'BFD on leaf1 only',
          vtysh: { leaf1: ['configure terminal', 'router bgp 65101', 'neighbor FABRIC bfd', 'neighbor FABRIC bfd profile bgplab'] },
          failing: /spine1 has no BFD session towards leaf1|is BFD enabled at spine1's end too/,
          reset: false,
        },
      },
    ],
  },
  {
    id: 'anycast',
    lab: 'xe-anycast',
    stages: [
      {
        failing: /spine1 forwards to 192\.0\.2\.10\/32 over 2 next hops/,
        wrong: {
          what: "taking server2's outbound filter off",
          vtysh: { server2: ['configure terminal', 'router bgp 4200000002', 'address-family ipv4 unicast', 'no neighbor TOR route-map TO-FABRIC out'] },
          failing: /server2 advertises prefixes it does not own/,
          reset: true,
        },
      },
    ],
  },
  {
    id: 'drain',
    lab: 'xe-drain',
    stages: [
      {
        failing: /traffic was cut off for \d+ ms/,
        wrong: {
          what: "shutting leaf1's sessions down instead of draining",
          vtysh: { leaf1: ['configure terminal', 'router bgp 65101', 'neighbor SERVERS shutdown', 'neighbor FABRIC shutdown'] },
          failing: /leaf1's sessions to .* are down/,
          reset: true,
        },
      },
      { failing: /leaf1's sessions to .* are down/, resetAfterSolve: true },
    ],
  },
  {
    id: 'route-map-typo',
    lab: 'xe-typo',
    stages: [
      {
        failing: /leaf1 received 0 ipv4 prefixes from server1 on eth2, expected 1/,
        wrong: {
          what: 'opening the filter (no match at all)',
          vtysh: { leaf1: ['configure terminal', 'route-map FROM-server1 permit 10', 'no match ip address prefix-list FROM-SERVER1'] },
          failing: /leaf1 accepts .* from server1/,
          reset: true,
        },
      },
    ],
  },
];

const out = (r: { all?: string; message?: string }) => r.all ?? r.message ?? '';

describe.skipIf(!isRoot)('exercises (netns, real FRR)', () => {
  beforeAll(async () => {
    await build();
    // leftovers of an interrupted run (each lab its own name: in parallel)
    await Promise.all(CASES.map((c) => cli(['down', c.lab])));
  }, 300_000);
  afterAll(async () => {
    await Promise.all(CASES.map((c) => cli(['down', c.lab])));
  }, 300_000);

  it('exercise list shows at least eight exercises, every one valid', async () => {
    const r = await cli(['exercise', 'list']);
    expect(r.exitCode, out(r)).toBe(0);
    const rows = out(r).split('\n').slice(1).filter((l) => l.trim());
    expect(rows.length).toBeGreaterThanOrEqual(8);
    for (const c of CASES) expect(out(r)).toContain(c.id);
  });

  for (const c of CASES) {
    it(`${c.id}: every stage fails, names what is wrong, is solvable; wrong fixes do not pass; reset after solve fails again`, async () => {
      const start = await cli(['exercise', 'start', c.id, '--name', c.lab, '--runtime', 'netns']);
      expect(start.exitCode, out(start)).toBe(0);
      expect(out(start)).toMatch(/Stage 1\//);
      // a second start of the same exercise reuses the lab and its progress
      const again = await cli(['exercise', 'start', c.id, '--name', c.lab, '--runtime', 'netns']);
      expect(again.exitCode, out(again)).toBe(0);
      expect(out(again)).toMatch(/already runs exercise/);
      try {
        for (const [i, s] of c.stages.entries()) {
          const check = async () => cli(['exercise', 'check', c.lab], { timeout: 240_000 });
          const before = await check();
          expect(before.exitCode, out(before)).toBe(1);
          expect(out(before)).toMatch(new RegExp(`Stage ${i + 1} is not solved yet`));
          expect(out(before)).toMatch(s.failing);
          const hint = await cli(['exercise', 'hint', c.lab]);
          expect(out(hint)).toMatch(new RegExp(`Hint 1/\\d+ \\(stage ${i + 1}\\)`));
          if (s.wrong) {
            for (const [node, lines] of Object.entries(s.wrong.vtysh)) {
              const v = await cli(['vtysh', '--lab', c.lab, node, '-c', ...lines]);
              expect(v.exitCode, `${s.wrong.what}: ${out(v)}`).toBe(0);
            }
            const w = await check();
            expect(w.exitCode, `${s.wrong.what} passed the stage: ${out(w)}`).toBe(1);
            expect(out(w), s.wrong.what).toMatch(s.wrong.failing);
            if (s.wrong.reset) {
              const r = await cli(['exercise', 'reset', c.lab]);
              expect(r.exitCode, out(r)).toBe(0);
            }
          }
          const solve = await cli(['exercise', 'solve', c.lab]);
          expect(solve.exitCode, out(solve)).toBe(0);
          if (s.resetAfterSolve) {
            // reset after solve: the failing state is back
            const reset = await cli(['exercise', 'reset', c.lab]);
            expect(reset.exitCode, out(reset)).toBe(0);
            expect(out(reset)).toMatch(/back at the starting state/);
            const failing = await check();
            expect(failing.exitCode, out(failing)).toBe(1);
            expect(out(failing)).toMatch(s.failing);
            const again2 = await cli(['exercise', 'solve', c.lab]);
            expect(again2.exitCode, out(again2)).toBe(0);
          }
          const after = await check();
          expect(after.exitCode, out(after)).toBe(0);
          expect(out(after)).toMatch(new RegExp(`Stage ${i + 1} passed`));
          expect(out(after)).toMatch(i + 1 < c.stages.length ? new RegExp(`Stage ${i + 2}/${c.stages.length}`) : /Every stage of .* is done/);
        }
        const st = await cli(['exercise', 'status', c.lab]);
        expect(out(st)).toMatch(/Every stage of .* is done/);
      } finally {
        await cli(['down', c.lab]);
      }
    }, 600_000);
  }
});

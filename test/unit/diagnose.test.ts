/** Root causes from a run's failures (src/checks/diagnose.ts): pure, on hand-made results. */
import { describe, expect, it } from 'vitest';
import { countByCheck, diagnose } from '../../src/checks/diagnose.js';
import type { CheckRun } from '../../src/checks/runner.js';
import type { CheckResult } from '../../src/checks/types.js';
import { settled } from '../../src/checks/settle.js';

const session = (node: string, ifname: string, peer: string, peerIfname: string, state: string, extra: Partial<CheckResult> = {}): CheckResult => ({
  check: 'sessions',
  name: `${node}:${ifname} → ${peer}`,
  status: state === 'Established' && !extra.status ? 'pass' : 'fail',
  message: `${node}:${ifname} → ${peer}: ${state}`,
  measured: { state, ...(extra.measured ?? {}) },
  subject: { nodes: [node, peer], link: `${node}:${ifname}--${peer}:${peerIfname}` },
  durationMs: 0,
  ...(extra.status ? { status: extra.status } : {}),
});
const route = (node: string, prefix: string, nodes: string[]): CheckResult => ({
  check: 'routes',
  name: `${node} → ${prefix}`,
  status: 'fail',
  message: `${node} → ${prefix}: wrong`,
  measured: { expected: 2, frr: 1, kernel: 1 },
  subject: { nodes: [node, ...nodes], prefix },
  durationMs: 0,
});
const run = (id: string, results: CheckResult[]): CheckRun => ({ id, description: id, results, durationMs: 0 });

describe('diagnose', () => {
  it('both ends of a down session are one cause, with the reason from FRR; its knock-ons are grouped under it', () => {
    const causes = diagnose([
      run('sessions', [
        session('leaf1', 'eth1', 'spine1', 'eth1', 'Idle', { measured: { lastReset: 'Waiting for peer OPEN' } }),
        session('spine1', 'eth1', 'leaf1', 'eth1', 'Idle', { measured: { lastReset: 'OPEN Message Error/Bad Peer AS' } }),
        session('leaf2', 'eth1', 'spine1', 'eth2', 'Established', { status: 'fail', measured: { pfxRcd: 6 } }),
        session('leaf3', 'eth1', 'spine2', 'eth3', 'Established'),
      ]),
      run('routes', [route('leaf3', '10.0.2.1/32', ['leaf1']), route('spine2', '10.0.3.9/32', ['server9'])]),
    ]);
    expect(causes).toHaveLength(2);
    expect(causes[0]!.summary).toBe('session leaf1:eth1 ↔ spine1:eth1 is down: Waiting for peer OPEN / OPEN Message Error/Bad Peer AS');
    expect(causes[0]!.roots.map((r) => r.name)).toEqual(['leaf1:eth1 → spine1', 'spine1:eth1 → leaf1']);
    expect(causes[0]!.consequences.map((r) => r.name)).toEqual(['leaf2:eth1 → spine1', 'leaf3 → 10.0.2.1/32']);
    // a failure that shares no node with it is a fault of its own
    expect(causes[1]!.summary).toMatch(/^routes: spine2 → 10.0.3.9\/32/);
    expect(countByCheck(causes[0]!.consequences)).toBe('sessions 1, routes 1');
  });

  it('a node whose every session is down is one cause naming its peers', () => {
    const causes = diagnose([
      run('sessions', [
        session('server1', 'eth1', 'leaf1', 'eth3', 'Active'),
        session('server1', 'eth2', 'leaf2', 'eth3', 'Active'),
        session('leaf1', 'eth3', 'server1', 'eth1', 'Active', { measured: { lastReset: 'Bad Peer AS' } }),
        session('leaf2', 'eth3', 'server1', 'eth2', 'Active', { measured: { lastReset: 'Bad Peer AS' } }),
        session('leaf1', 'eth1', 'spine1', 'eth1', 'Established'),
      ]),
    ]);
    expect(causes).toHaveLength(1);
    expect(causes[0]!.summary).toBe("server1's sessions to leaf1 and leaf2 are down: state Active");
    expect(causes[0]!.roots).toHaveLength(4);
  });

  it("a missing prefix is also about its owner: a knock-on of the owner's fault", () => {
    const missing: CheckResult = { ...session('server3', 'eth1', 'leaf3', 'eth3', 'Established', { status: 'fail' }), measured: { state: 'Established', missing: ['10.0.2.2/32'] } };
    const causes = diagnose(
      [
        run('sessions', [
          session('leaf2', 'eth1', 'spine1', 'eth2', 'Idle'),
          session('leaf2', 'eth2', 'spine2', 'eth2', 'Idle'),
          missing,
        ]),
      ],
      new Map([['10.0.2.2/32', ['leaf2']]]),
    );
    expect(causes).toHaveLength(1);
    expect(causes[0]!.consequences.map((r) => r.name)).toEqual(['server3:eth1 → leaf3']);
    // without the owners it would look like a fault of its own
    expect(diagnose([run('sessions', [session('leaf2', 'eth1', 'spine1', 'eth2', 'Idle'), session('leaf2', 'eth2', 'spine2', 'eth2', 'Idle'), missing])])).toHaveLength(2);
  });

  it('a passing run has no cause', () => {
    expect(diagnose([run('sessions', [session('a1', 'eth1', 'b1', 'eth1', 'Established')])])).toEqual([]);
  });
});

describe('settled', () => {
  const fail = (m: string): CheckResult => ({ check: 'x', name: 'n', status: 'fail', message: m, durationMs: 0 });
  it('judges at once a failure that does not change, and keeps reading one that does', async () => {
    let reads = 0;
    const t0 = performance.now();
    await settled(async () => (reads++, [fail('same')]), { stableMs: 300, maxMs: 10_000 });
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(reads).toBeGreaterThanOrEqual(2);
    let n = 0;
    const out = await settled(async () => (++n < 3 ? [fail(`changing ${n}`)] : []), { stableMs: 5_000, maxMs: 10_000 });
    expect(out).toEqual([]);
    expect(n).toBe(3);
  });

  it("a prefix-count failure at the session with the prefix's origin is the cause; the same prefix missing further on follows from it", () => {
    // the route-map typo: leaf1 takes nothing from server1, so spine1 misses server1's prefix from leaf1
    const far = session('spine1', 'eth1', 'leaf1', 'eth1', 'Established', { status: 'fail', measured: { missing: ['10.0.3.1/32'] } });
    const near = session('leaf1', 'eth2', 'server1', 'eth1', 'Established', { status: 'fail', measured: { missing: ['10.0.3.1/32'] } });
    const causes = diagnose([run('sessions', [far, near])], new Map([['10.0.3.1/32', ['server1']]]));
    expect(causes).toHaveLength(1);
    expect(causes[0]!.roots.map((r) => r.name)).toEqual(['leaf1:eth2 → server1']);
    expect(causes[0]!.consequences.map((r) => r.name)).toEqual(['spine1:eth1 → leaf1']);
  });
});

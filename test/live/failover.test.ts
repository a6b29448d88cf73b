/**
 * Live: the failover check on real labs (netns runtime, real FRR, real kernel).
 * - the default fabric shape: every default scenario (leaf uplink down, server uplink down,
 *   leaf uplink cut, spine down) reports a measured outage, the flows that crossed the
 *   element, sessions back and paths back, and passes its threshold;
 * - an injected fault: a link cut on a lab without BFD, with a threshold below the hold
 *   time, must fail with a message naming the link, and leave the lab healthy.
 * Labs are named fo* so they never collide with other tests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failoverCheck } from '../../src/checks/failover.js';
import { waitForSessions } from '../../src/checks/sessions.js';
import type { CheckResult } from '../../src/checks/types.js';
import { deployLab, isRoot, type LiveLab } from './checks-helpers.js';

const noAnnounce = (t: string) => t.replace(/^nodes:[\s\S]*$/m, '');
const show = (r: CheckResult) => `${r.status} ${r.name}: ${r.message} ${JSON.stringify(r.measured ?? {})}`;

describe.skipIf(!isRoot)('failover on the default fabric shape (lab foclos)', () => {
  let L: LiveLab;
  let results: CheckResult[] = [];
  beforeAll(async () => {
    L = await deployLab('labs/clos.yml', 'foclos', noAnnounce);
    results = await failoverCheck.run({ ...L.ctx, log: (m) => console.log(m) });
    for (const r of results) console.log(show(r));
  }, 600_000);
  afterAll(async () => {
    await L?.destroy();
  }, 60_000);

  it('runs the four default scenarios', () => {
    expect(results.map((r) => r.name)).toEqual([
      'leaf uplink down leaf1:eth1',
      'server uplink down server1:eth1',
      'leaf uplink cut leaf4:eth2',
      'spine down spine1',
    ]);
  });

  it('each measures an outage over flows that crossed the element, and passes', () => {
    for (const r of results) {
      expect(typeof r.measured?.outageMs, r.name).toBe('number');
      expect(Number(r.measured?.flowsCrossed), r.name).toBeGreaterThan(0);
      expect(Number(r.measured?.flowsCrossed), r.name).toBeLessThan(Number(r.measured?.flows));
      expect(typeof r.measured?.reestablishMs, r.name).toBe('number');
      expect(r.status, show(r)).toBe('pass');
    }
  });

  it('the cut keeps carrier: only the hold timer sees it (no BFD in this lab)', () => {
    const cut = results.find((r) => r.name.startsWith('leaf uplink cut'))!;
    expect(cut.measured?.detection).toBe('hold');
    expect(String(cut.measured?.resetReason)).toMatch(/hold/);
    // the hold timer expires no sooner than hold − keepalive after the last keepalive got through
    const { hold, keepalive } = L.lab.options;
    expect(Number(cut.measured?.outageMs)).toBeGreaterThan((hold - keepalive) * 1000 * 0.75);
    // while a carrier loss is seen at once
    const down = results.find((r) => r.name.startsWith('leaf uplink down'))!;
    expect(Number(down.measured?.outageMs)).toBeLessThan(Number(cut.measured?.outageMs));
  });

  it('afterwards the lab is healthy again: every session Established', async () => {
    const w = await waitForSessions(L.ctx, 30_000);
    expect(w.ok, w.failing.map((f) => f.message).join('; ')).toBe(true);
  }, 60_000);
});

describe.skipIf(!isRoot)('an injected fault: a cut without BFD, threshold below the hold time (lab fonobfd)', () => {
  let L: LiveLab;
  let results: CheckResult[] = [];
  beforeAll(async () => {
    L = await deployLab('labs/clos.yml', 'fonobfd', (t) =>
      noAnnounce(t)
        .replace(/spines: \d+/, 'spines: 2')
        .replace(/leaves: \d+/, 'leaves: 2')
        .replace(/servers: \d+/, 'servers: 2') +
        '\nbfd: false\nchecks:\n  failover:\n    - { kind: link-cut, target: "leaf1:eth1", max_outage_ms: 3000 }\n',
    );
    results = await failoverCheck.run({ ...L.ctx, log: (m) => console.log(m) });
    for (const r of results) console.log(show(r));
  }, 300_000);
  afterAll(async () => {
    await L?.destroy();
  }, 60_000);

  it('fails, naming the link, with the measured outage above the threshold', () => {
    expect(results).toHaveLength(1);
    const r = results[0]!;
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/^outage \S+ s > 3\.00 s after link-cut of link leaf1:eth1 ↔ spine1:eth1/);
    expect(Number(r.measured?.outageMs)).toBeGreaterThan(3000);
    expect(r.measured?.thresholdMs).toBe(3000);
    expect(r.measured?.detection).toBe('hold');
  });

  it('still restores the link: sessions back, lab healthy', async () => {
    expect(typeof results[0]?.measured?.reestablishMs).toBe('number');
    const w = await waitForSessions(L.ctx, 30_000);
    expect(w.ok, w.failing.map((f) => f.message).join('; ')).toBe(true);
  }, 60_000);
});

describe.skipIf(!isRoot)('a cut with BFD on both ends (lab fobfd)', () => {
  let L: LiveLab;
  let results: CheckResult[] = [];
  beforeAll(async () => {
    L = await deployLab('labs/clos.yml', 'fobfd', (t) =>
      noAnnounce(t)
        .replace(/spines: \d+/, 'spines: 2')
        .replace(/leaves: \d+/, 'leaves: 2')
        .replace(/servers: \d+/, 'servers: 2') +
        '\nbfd: true\nchecks:\n  failover:\n    - { kind: link-cut, target: "leaf1:eth1" }\n',
    );
    results = await failoverCheck.run({ ...L.ctx, log: (m) => console.log(m) });
    for (const r of results) console.log(show(r));
  }, 300_000);
  afterAll(async () => {
    await L?.destroy();
  }, 60_000);

  it('BFD sees the cut: FRR says so, and the outage is BFD-sized, not hold-sized', () => {
    const r = results[0]!;
    const bfd = L.lab.nodes.find((n) => n.name === 'leaf1')!.bfd;
    expect(r.measured?.detection).toBe('bfd');
    expect(String(r.measured?.resetReason)).toMatch(/bfd/i);
    // BFD cannot declare the session down before (multiplier − 1) intervals went unanswered
    expect(Number(r.measured?.outageMs)).toBeGreaterThan(bfd.intervalMs * (bfd.multiplier - 1));
    // and it is well before the hold timer could have fired
    expect(Number(r.measured?.outageMs)).toBeLessThan((L.lab.options.hold - L.lab.options.keepalive) * 1000);
    expect(r.status, show(r)).toBe('pass');
  });
});

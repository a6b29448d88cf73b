import { describe, expect, it } from 'vitest';
import { runChecks, selectChecks } from '../../src/checks/runner.js';
import { mapLimit } from '../../src/util/pool.js';
import type { Check, CheckContext } from '../../src/checks/types.js';
import { formatConsole } from '../../src/report/console.js';
import { formatJson } from '../../src/report/json.js';
import { BgplabError } from '../../src/util/errors.js';

const ctx = { lab: { name: 'ck-unit' }, runtime: { kind: 'netns' } } as unknown as CheckContext;
const ok: Check = {
  id: 'sessions',
  description: 'ok',
  run: async () => [{ check: 'sessions', name: 'a ↔ b', status: 'pass', message: 'Established', measured: { pfxRcd: 3 }, durationMs: 1 }],
};
const failing: Check = {
  id: 'routes',
  description: 'fails',
  run: async () => [{ check: 'routes', name: 'leaf1 → 10.0.2.3/32', status: 'fail', message: 'leaf1 10.0.2.3/32: expected 2 next hops (eth1, eth2), found 1 (eth1)', durationMs: 1 }],
};
const throwing: Check = {
  id: 'traceroute',
  description: 'throws',
  run: async () => {
    throw new BgplabError('E_USAGE', 'traceroute is not installed');
  },
};
const empty: Check = { id: 'transit', description: 'nothing', run: async () => [] };

describe('runner', () => {
  it('passes only when every result passes', async () => {
    const r = await runChecks(ctx, [ok]);
    expect(r.passed).toBe(true);
    expect(r.counts).toEqual({ pass: 1, fail: 0, skip: 0 });
    const r2 = await runChecks(ctx, [ok, failing]);
    expect(r2.passed).toBe(false);
    expect(r2.counts.fail).toBe(1);
  });

  it('turns a throwing check into a failed result and keeps going', async () => {
    const r = await runChecks(ctx, [throwing, ok]);
    expect(r.checks.map((c) => c.id)).toEqual(['traceroute', 'sessions']);
    expect(r.checks[0]!.results[0]!.status).toBe('fail');
    expect(r.checks[0]!.results[0]!.message).toContain('traceroute is not installed');
  });

  it('a check that verifies nothing fails', async () => {
    const r = await runChecks(ctx, [empty]);
    expect(r.passed).toBe(false);
  });

  it('--only selects in registry order and rejects unknown ids', () => {
    expect(selectChecks([ok, failing, throwing], ['traceroute', 'sessions']).map((c) => c.id)).toEqual(['sessions', 'traceroute']);
    expect(() => selectChecks([ok], ['sessions', 'bogus', 'nope'])).toThrow(/bogus, nope/);
  });

  it('mapLimit keeps order and bounds concurrency', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (x) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, x * 3));
      inFlight--;
      return x * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });
});

describe('console and JSON reports', () => {
  it('the table shows pass/fail, the measured numbers and the failure message', async () => {
    const r = await runChecks(ctx, [ok, failing]);
    const text = formatConsole(r).replace(/\u001b\[[0-9;]*m/g, '');
    expect(text).toMatch(/PASS\s+a ↔ b\s+pfxRcd=3/);
    expect(text).toMatch(/FAIL\s+leaf1 → 10.0.2.3\/32\s+leaf1 10.0.2.3\/32: expected 2 next hops/);
    expect(text).toMatch(/FAILED lab ck-unit \(netns\): 1 passed, 1 failed, 0 skipped/);
  });

  it('hides long runs of passing rows but never a failure', async () => {
    const many: Check = {
      id: 'routes',
      description: 'many',
      run: async () =>
        Array.from({ length: 30 }, (_, i) => ({
          check: 'routes',
          name: `row${i}`,
          status: i === 17 ? ('fail' as const) : ('pass' as const),
          message: i === 17 ? 'broken row' : 'ok',
          durationMs: 0,
        })),
    };
    const text = formatConsole(await runChecks(ctx, [many]));
    expect(text).toContain('broken row');
    expect(text).not.toContain('row3 ');
    expect(text).toContain('29 passing rows hidden');
  });

  it('JSON round-trips the report', async () => {
    const r = await runChecks(ctx, [ok, failing]);
    const back = JSON.parse(formatJson(r));
    expect(back.passed).toBe(false);
    expect(back.checks[1].results[0].message).toContain('found 1 (eth1)');
  });
});

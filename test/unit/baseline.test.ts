/**
 * Baseline and difference, the pure part: the snapshot file (versioned, validated on read
 * with one clear error), and what counts as a difference and as a regression. The fixture
 * is a real snapshot of the default lab (netns, FRR 8.4, `bgplab snapshot --only
 * sessions,routes,traceroute`).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { baselineResults, diffSnapshots, formatSnapshot, parseSnapshot, type Snapshot } from '../../src/checks/baseline.js';
import { outagesOf, tracedPairs } from '../../src/checks/snapshot.js';
import type { CheckRun } from '../../src/checks/runner.js';
import { loadLabText } from '../../src/lab/load.js';
import { predictFabric } from '../../src/lab/paths.js';
import { BgplabError } from '../../src/util/errors.js';

const FILE = 'test/fixtures/snapshot-clos.json';
const base = parseSnapshot(readFileSync(FILE, 'utf8'), FILE);
const copy = (): Snapshot => structuredClone(base);
const opts = { toleranceMs: 250 };
const thrown = (f: () => unknown): BgplabError => {
  try {
    f();
  } catch (e) {
    return e as BgplabError;
  }
  throw new Error('did not throw');
};

describe('the snapshot file', () => {
  it('a real snapshot reads back, and formatting it round-trips', () => {
    expect(base.sessions.length).toBe(32);
    expect(Object.keys(base.routes)).toHaveLength(10);
    expect(base.routes['spine1']!['10.0.3.1/32']).toEqual({ protocol: 'bgp', nexthops: [{ ifname: 'eth1', node: 'leaf1' }, { ifname: 'eth2', node: 'leaf2' }] });
    expect(base.paths['server3 → server1']).toHaveLength(8);
    expect(parseSnapshot(formatSnapshot(base), 'x.json')).toEqual(base);
  });

  it('a bad file is one E_SNAPSHOT error naming the file and what is wrong', () => {
    const notJson = thrown(() => parseSnapshot('{"format": ', 'b.json'));
    expect(notJson.code).toBe('E_SNAPSHOT');
    expect(notJson.message).toMatch(/^b\.json is not a bgplab snapshot: not JSON/);
    expect(thrown(() => parseSnapshot('{"lab": "x"}', 'b.json')).message).toContain('no "format": "bgplab-snapshot"');
    const newer = thrown(() => parseSnapshot(JSON.stringify({ ...base, version: 2 }), 'b.json'));
    expect(newer.message).toBe('b.json: snapshot version 2, this bgplab reads version 1');
    expect(newer.hint).toMatch(/newer bgplab/);
    const s = copy() as unknown as { sessions: Record<string, unknown>[]; routes: Record<string, Record<string, unknown>> };
    delete s.sessions[3]!['state'];
    s.routes['leaf1']!['10.0.3.1/32'] = { protocol: 'bgp', nexthops: 'eth3' };
    const shape = thrown(() => parseSnapshot(JSON.stringify(s), 'b.json'));
    expect(shape.message).toBe('b.json is not a valid bgplab snapshot (2 problems)');
    expect(shape.details.join('\n')).toContain('b.json: sessions.3.state:');
    expect(shape.details.join('\n')).toContain('b.json: routes.leaf1.10.0.3.1/32.nexthops:');
  });
});

describe('the difference', () => {
  it('the same fabric: no difference, one passing row saying what was compared', () => {
    const d = diffSnapshots(base, copy(), opts);
    expect(d).toEqual([]);
    const rows = baselineResults(d, base, copy(), FILE);
    expect(rows.map((r) => r.status)).toEqual(['pass']);
    expect(rows[0]!.message).toContain('32 sessions, 118 routes on 10 nodes, 4 path sets');
  });

  it('a prepend on leaf1 towards spine1: changed next hops and lost paths, each a regression naming the node and the neighbour', () => {
    const now = copy();
    for (const p of ['10.0.3.1/32', '10.0.3.2/32', '192.0.2.10/32']) now.routes['spine1']![p]!.nexthops = [{ ifname: 'eth2', node: 'leaf2' }];
    now.paths['server3 → server1'] = now.paths['server3 → server1']!.filter((p) => !p.includes('spine1 > leaf1'));
    const d = diffSnapshots(base, now, opts);
    expect(d.map((x) => x.kind).sort()).toEqual(['nexthops-changed', 'nexthops-changed', 'nexthops-changed', 'paths-changed']);
    expect(d.every((x) => x.regression)).toBe(true);
    const nh = d.find((x) => x.prefix === '10.0.3.1/32')!;
    expect(nh.message).toBe('spine1 → 10.0.3.1/32: next hops eth1 (leaf1), eth2 (leaf2) in the baseline, now eth2 (leaf2) (lost eth1 (leaf1))');
    expect(nh.nodes).toEqual(['spine1', 'leaf1', 'leaf2']);
    const paths = d.find((x) => x.kind === 'paths-changed')!;
    expect(paths.message).toMatch(/^server3 → server1: 8 path\(s\) in the baseline, 6 now; lost server3 > leaf3 > spine1 > leaf1 > server1, server3 > leaf4 > spine1 > leaf1 > server1$/);
    const rows = baselineResults(d, base, now, FILE);
    expect(rows.filter((r) => r.status === 'fail')).toHaveLength(4);
    expect(rows.find((r) => r.name === 'baseline: spine1 → 10.0.3.1/32')!.subject!.prefix).toBe('10.0.3.1/32');
  });

  it('lost and new routes, a node gone, sessions lost (a regression) and prefix counts changed (listed, not a regression)', () => {
    const now = copy();
    delete now.routes['leaf3']!['10.0.3.1/32'];
    now.routes['leaf3']!['203.0.113.0/24'] = { protocol: 'bgp', nexthops: [{ ifname: 'eth3', node: 'server3' }] };
    delete now.routes['server4'];
    now.unread = ['server4'];
    now.sessions[0]!.state = 'Idle';
    now.sessions[1]!.pfxRcd = 99;
    const d = diffSnapshots(base, now, opts);
    const by = (k: string) => d.filter((x) => x.kind === k);
    expect(by('route-lost')[0]!.message).toBe('leaf3 lost its route to 10.0.3.1/32 (was bgp via eth1 (spine1), eth2 (spine2))');
    expect(by('route-new')[0]!.message).toContain('leaf3 has a new route to 203.0.113.0/24 (bgp via eth3 (server3))');
    expect(by('node-unread')[0]!.message).toMatch(/^server4: its routes could not be read/);
    expect(by('session-lost')[0]!.message).toBe('session spine1:eth1 → leaf1 was Established, now Idle');
    expect(by('session-changed')[0]!.regression).toBe(false);
    const rows = baselineResults(d, base, now, FILE);
    expect(rows.find((r) => r.measured?.kind === 'session-changed')!.status).toBe('pass');
    expect(rows.some((r) => r.name === 'baseline: no regression')).toBe(false);
  });

  it('outages: worse beyond the tolerance fails; within it, or within a hold timer\'s jitter, does not; better is listed', () => {
    const b = copy();
    b.outages = {
      'leaf uplink down leaf1:eth1': { status: 'pass', outageMs: 10, detection: 'carrier', jitterMs: 0 },
      'cut leaf4:eth2': { status: 'pass', outageMs: 7000, detection: 'hold', jitterMs: 3000 },
      'spine down spine1': { status: 'pass', outageMs: 600, detection: 'session-close', jitterMs: 0 },
      'server uplink down server1:eth1': { status: 'pass', outageMs: 100, detection: 'carrier', jitterMs: 0 },
    };
    const now = copy();
    now.outages = {
      'leaf uplink down leaf1:eth1': { status: 'pass', outageMs: 900, detection: 'bfd', jitterMs: 300 },
      'cut leaf4:eth2': { status: 'pass', outageMs: 9900, detection: 'hold', jitterMs: 3000 },
      'spine down spine1': { status: 'pass', outageMs: 80, detection: 'session-close', jitterMs: 0 },
      'server uplink down server1:eth1': { status: 'skip', jitterMs: 0 },
    };
    const d = diffSnapshots(b, now, opts);
    expect(d.map((x) => [x.kind, x.name])).toEqual([
      ['outage-worse', 'baseline: outage leaf uplink down leaf1:eth1'],
      ['outage-better', 'baseline: outage spine down spine1'],
      ['outage-not-compared', 'baseline: outage server uplink down server1:eth1'],
    ]);
    expect(d[0]!.message).toBe('leaf uplink down leaf1:eth1: outage 900 ms, worse than baseline 10 ms + tolerance 250 ms + bfd jitter 300 ms = 560 ms (detection carrier → bfd)');
    // a tighter tolerance catches the hold-timer cut only beyond its 3 s of jitter
    expect(diffSnapshots(b, now, { toleranceMs: 0 }).map((x) => x.kind)).toEqual(['outage-worse', 'outage-better', 'outage-not-compared']);
    now.outages['cut leaf4:eth2']!.outageMs = 10_100;
    expect(diffSnapshots(b, now, { toleranceMs: 0 }).filter((x) => x.kind === 'outage-worse')).toHaveLength(2);
    const rows = baselineResults(d, b, now, FILE);
    expect(rows.map((r) => r.status)).toEqual(['fail', 'pass', 'skip']);
    // no failover in this run: every recorded outage is "not compared", not a regression
    const none = diffSnapshots(b, copy(), opts);
    expect(none.every((x) => x.kind === 'outage-not-compared' && !x.regression && x.message.includes('the failover check did not run'))).toBe(true);
  });
});

describe('what the snapshot records', () => {
  const clos = loadLabText(readFileSync('labs/clos.yml', 'utf8'), 'clos.yml').lab!;
  it('path sets: the traceroute check\'s pairs and their reverses', () => {
    expect(tracedPairs(clos, predictFabric(clos)).map((p) => `${p.from} → ${p.to}`)).toEqual(Object.keys(base.paths));
  });

  it('outages from the failover check\'s results, with the jitter of their detection', () => {
    const run: CheckRun = {
      id: 'failover',
      description: '',
      durationMs: 1,
      results: [
        { check: 'failover', name: 'a', status: 'pass', message: '', measured: { outageMs: 70, detection: 'carrier' }, durationMs: 1 },
        { check: 'failover', name: 'b', status: 'pass', message: '', measured: { outageMs: 7000, detection: 'hold' }, durationMs: 1 },
        { check: 'failover', name: 'c', status: 'skip', message: 'not healthy', durationMs: 0 },
        { check: 'failover', name: 'd', status: 'fail', message: 'measurement invalid', measured: { outageMs: 3, detection: 'carrier', invalid: 'probe started after the event' }, durationMs: 1 },
      ],
    };
    expect(outagesOf(clos, [run])).toEqual({
      a: { status: 'pass', outageMs: 70, detection: 'carrier', jitterMs: 0 },
      b: { status: 'pass', outageMs: 7000, detection: 'hold', jitterMs: 3000 },
      c: { status: 'skip', jitterMs: 0 },
      d: { status: 'fail', detection: 'carrier', jitterMs: 0 },
    });
    expect(outagesOf(clos, [])).toBeUndefined();
  });
});

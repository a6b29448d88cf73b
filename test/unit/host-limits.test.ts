import { describe, expect, it } from 'vitest';
import { assessFit, demandOf, hostLimitError, neighbourTableDiagnosis, parseNdiscStat, tunePlan, type HostFacts } from '../../src/runtime/host-limits.js';
import { waitTimeoutError } from '../../src/observe/explain.js';
import { loadLabText } from '../../src/lab/load.js';

// /proc/net/stat/ndisc_cache as this machine prints it (hex; one row per CPU, entries global)
const STAT = `entries  allocs   destroys hash_grows lookups  hits     res_failed rcv_probes_mcast rcv_probes_ucast periodic_gc_runs forced_gc_runs unresolved_discards table_fulls
00000067 00014b02 000138b6 00000004   00019d63 000171b0 000001a9   00000c89         000002a7         00000000         00047b74       00000000            000473b1
00000067 000156fe 000168e3 00000004   00018aed 000160b7 000001c2   00000c56         000002c9         00000195         0004eb4a       00000000            0004e3a5
`;

describe('the machine-wide IPv6 neighbour table', () => {
  it('reads entries and table_fulls by column name', () => {
    expect(parseNdiscStat(STAT)).toEqual({ entries: 0x67, tableFulls: 0x473b1 });
    expect(parseNdiscStat('garbage')).toBeUndefined();
  });

  it('names the overflow as the cause when the table filled up during the wait', () => {
    const before = { entries: 900, tableFulls: 10, gcThresh3: 1024 };
    const after = { entries: 1030, tableFulls: 57, gcThresh3: 1024 };
    const d = neighbourTableDiagnosis(before, after);
    expect(d.details.join()).toMatch(/overflowed 47 times during the wait .*gc_thresh3 1024/);
    expect(d.hint).toMatch(/bgplab host tune --nodes/);
    const lab = loadLabText('name: t\nfabric: {spines: 1, leaves: 2, servers: 1}\n', 't.yml').lab!;
    const err = waitTimeoutError(lab, { ok: false, down: [], missing: [], nodes: [], elapsedMs: 1 } as never, 5000, d);
    expect(err.details[0]).toMatch(/neighbour table overflowed/);
    expect(err.hint).toMatch(/^take down other labs/);
  });

  it('says nothing when the table did not fill up', () => {
    const t = { entries: 300, tableFulls: 10, gcThresh3: 1024 };
    expect(neighbourTableDiagnosis(t, { ...t, entries: 500 })).toEqual({ details: [] });
    expect(neighbourTableDiagnosis(undefined, t)).toEqual({ details: [] });
  });
});

/** the default lab's shape: 10 nodes, 32 fabric interfaces, zebra+bgpd+staticd each */
const defaultLab = demandOf(
  Array.from({ length: 10 }, (_, i) => ({ interfaces: Array.from({ length: i < 2 ? 4 : i < 6 ? 4 : 2 }, (_, j) => `eth${j + 1}`), daemons: ['zebra', 'bgpd', 'staticd'] })),
);
const untuned: HostFacts = { neigh6: { entries: 100, gcThresh1: 128, gcThresh2: 512, gcThresh3: 1024 }, memAvailableKiB: 20 * 1024 * 1024, pidMax: 32768, tasksNow: 400 };

describe('host budgets: what a lab needs against what the machine has left', () => {
  it('counts a lab from its nodes: interfaces and daemon tasks', () => {
    expect(defaultLab).toEqual({ nodes: 10, interfaces: 32, tasks: 90 });
  });

  it('a default lab on an idle machine fits', () => {
    expect(assessFit(untuned, [], defaultLab).every((r) => r.verdict === 'ok')).toBe(true);
    expect(hostLimitError('s1', assessFit(untuned, [], defaultLab), defaultLab)).toBeUndefined();
  });

  it('the 630-link fabric is refused on an untuned table, with the numbers and the way out', () => {
    const big = { nodes: 340, interfaces: 1260, tasks: 3060 };
    const rows = assessFit(untuned, [], big);
    const err = hostLimitError('stbig', rows, big)!;
    expect(err.code).toBe('E_HOST_LIMIT');
    expect(err.message).toMatch(/340 nodes, 1260 interfaces\) does not fit this machine: nothing was created/);
    expect(err.details.join('\n')).toMatch(/pinned .*needs 1260 entries, the labs up hold 0, the limit is 1024/);
    expect(err.hint).toMatch(/bgplab host tune --nodes 340/);
    // after tune for 400 nodes it fits
    const plan = tunePlan({ 'net.ipv6.neigh.default.gc_thresh1': 128, 'net.ipv6.neigh.default.gc_thresh2': 512, 'net.ipv6.neigh.default.gc_thresh3': 1024 }, 400);
    const tuned: HostFacts = { ...untuned, neigh6: { entries: 100, gcThresh1: plan[0]!.after, gcThresh2: plan[1]!.after, gcThresh3: plan[2]!.after } };
    expect(assessFit(tuned, [], big).every((r) => r.verdict === 'ok')).toBe(true);
  });

  it('labs already up count: the eleventh default lab warns (multicast entries will be evicted), the 33rd is refused', () => {
    const ten = Array.from({ length: 10 }, () => defaultLab);
    const rows = assessFit(untuned, ten, defaultLab);
    expect(rows.find((r) => r.resource.startsWith('IPv6 neighbours, all'))).toMatchObject({ verdict: 'warn', used: 960, need: 96 });
    expect(hostLimitError('s11', rows, defaultLab)).toBeUndefined();
    const many = Array.from({ length: 32 }, () => defaultLab);
    expect(hostLimitError('s33', assessFit(untuned, many, defaultLab), defaultLab)?.details.join()).toMatch(/labs up hold 1024/);
  });

  it('memory: refused when the nodes do not fit in MemAvailable', () => {
    const rows = assessFit({ memAvailableKiB: 100 * 1024 }, [], defaultLab);
    expect(rows[0]).toMatchObject({ resource: 'memory (20 MiB per node)', need: 200, cap: 100, verdict: 'refuse' });
  });

  it('host tune: raises each threshold to fit the nodes, never lowers one', () => {
    const plan = tunePlan({ 'net.ipv6.neigh.default.gc_thresh1': 128, 'net.ipv6.neigh.default.gc_thresh2': 512, 'net.ipv6.neigh.default.gc_thresh3': 1024 }, 400);
    // 400 nodes x 4 interfaces x 3 entries = 4800 steady
    expect(plan.map((s) => s.after)).toEqual([5120, 10240, 19456]);
    expect(plan.map((s) => s.before)).toEqual([128, 512, 1024]);
    const high = tunePlan({ 'net.ipv6.neigh.default.gc_thresh1': 8192, 'net.ipv6.neigh.default.gc_thresh2': 16384, 'net.ipv6.neigh.default.gc_thresh3': 65536 }, 10);
    expect(high.every((s) => s.after === s.before)).toBe(true);
  });
});

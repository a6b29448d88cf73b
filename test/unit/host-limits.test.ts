import { describe, expect, it } from 'vitest';
import { neighbourTableDiagnosis, parseNdiscStat } from '../../src/runtime/host-limits.js';
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
    expect(d.hint).toMatch(/gc_thresh3/);
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

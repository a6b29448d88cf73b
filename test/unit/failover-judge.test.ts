/**
 * The judging of a stopped failover probe (checks/failover-judge.ts judgeProbe): each
 * problem it exists to report is produced from a probe result that has it, and a clean
 * result has none. Times in µs; the event at 1 s, settled at 3 s, restore at 5 s.
 */
import { describe, expect, it } from 'vitest';
import { judgeProbe, type TracedFlow } from '../../src/checks/failover-judge.js';
import type { Element } from '../../src/checks/failover-plan.js';
import type { FlowOutages, Outage, ProbeDirection, ProbeReport, ProbeResult } from '../../src/checks/probe.js';

const t = { eventUs: 1_000_000, settledUs: 3_000_000, restoreUs: 5_000_000 };
const link: Element = { kind: 'link', a: { node: 'leaf1', ifname: 'eth1' }, b: { node: 'spine1', ifname: 'eth1' }, parallel: false };
const hole = (fromUs: number, toUs: number, open = false): Outage => ({ fromUs, toUs, ms: (toUs - fromUs) / 1000, lost: Math.round((toUs - fromUs) / 10_000), open });
const report = (sendStartUs = 0) => ({ sendStartUs }) as unknown as ProbeReport;
const dir = (from: string, to: string, flows: Outage[][], sendStartUs = 0): ProbeDirection => ({
  from,
  to,
  flows: flows.map((outages, flow): FlowOutages => ({ flow, sent: 600, received: 600, outages })),
  sender: report(sendStartUs),
  receiver: report(),
});
const result = (a: Outage[][], b: Outage[][], sendStartUs = 0): ProbeResult => ({ run: 'r', directions: [dir('server1', 'server3', a, sendStartUs), dir('server3', 'server1', b)] });
const path = (p: string, complete = true): TracedFlow => ({ dir: 0, flow: 0, sport: 1, path: p.split(' '), complete });
const judge = (res: ProbeResult, during: TracedFlow[] = [path('server1 leaf1 spine2 leaf3 server3')], crossing = ['0:0']) =>
  judgeProbe({ kind: 'link-down' }, link, 'leaf1:eth1 ↔ spine1:eth1', { settleMs: 2000 }, { res, t, crossingIds: new Set(crossing), during });

describe('judging a stopped failover probe', () => {
  it('a clean failover: the crossing flow lost 120 ms at the event, nothing else, no problem', () => {
    const v = judge(result([[hole(1_010_000, 1_130_000)], []], [[], []]));
    expect(v.problems).toEqual([]);
    expect(v.eventOutage).toBe(120);
    expect(v.otherOutage).toBe(0);
    expect(v.measured.outageMs).toBe(120);
    expect(v.measured['invalid']).toBeUndefined();
  });

  it('an outage of a flow that did not cross the element is counted apart', () => {
    const v = judge(result([[], [hole(1_010_000, 1_050_000)]], [[], []]));
    expect(v.eventOutage).toBe(0);
    expect(v.otherOutage).toBe(40);
  });

  it('loss before the event: the fabric was not stable, the measurement is marked invalid', () => {
    const v = judge(result([[hole(200_000, 300_000), hole(1_010_000, 1_100_000)], []], [[], []]));
    expect(v.problems.join('\n')).toMatch(/lost traffic before the link-down.*not stable/);
    expect(v.measured['invalid']).toBe('loss before the event');
  });

  it('a probe that started after the fault was injected is invalid', () => {
    const v = judge(result([[], []], [[], []], 1_200_000));
    expect(v.problems.join('\n')).toMatch(/probe started after the failure was injected/);
    expect(v.measured['invalid']).toBe('probe started after the event');
  });

  it('a flow not recovered by the settle time, traffic lost during the failure, a flow still open at the end', () => {
    expect(judge(result([[hole(1_010_000, 3_500_000)], []], [[], []])).problems.join('\n')).toMatch(/1 flows had not recovered 2\.00 s after the link-down/);
    expect(judge(result([[hole(3_200_000, 3_300_000)], []], [[], []])).problems.join('\n')).toMatch(/lost traffic during the failure, before the restore/);
    expect(judge(result([[hole(5_100_000, 5_900_000, true)], []], [[], []])).problems.join('\n')).toMatch(/1 flows had not recovered when the probe stopped/);
  });

  it('paths during the failure: still crossing the element, or not reaching the destination', () => {
    const clean = result([[], []], [[], []]);
    expect(judge(clean, [path('server1 leaf1 spine1 leaf3 server3')]).problems.join('\n')).toMatch(/1 flows still cross leaf1:eth1 ↔ spine1:eth1 after the link-down/);
    expect(judge(clean, [path('server1 leaf1 *', false)]).problems.join('\n')).toMatch(/1 flows do not reach their destination during the link-down/);
  });
});

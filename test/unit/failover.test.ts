import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { judgePathsBack, splitOutages, type TracedFlow } from '../../src/checks/failover.js';
import {
  affectedSessions,
  choosePair,
  defaultMaxOutageMs,
  defaultScenarios,
  expectedDetection,
  pathCrosses,
  planScenarios,
  resolveElement,
  withoutElement,
  type Element,
} from '../../src/checks/failover-plan.js';
import { classifyReset, sessionState } from '../../src/frr/bgp.js';
import { splitJson } from '../../src/frr/json.js';
import { loadLabText } from '../../src/lab/load.js';
import type { FailoverScenario, Lab } from '../../src/lab/model.js';
import { predictFabric } from '../../src/lab/paths.js';

function shipped(f: string, edit: (t: string) => string = (t) => t): Lab {
  const r = loadLabText(edit(readFileSync(`labs/${f}`, 'utf8')), `labs/${f}`);
  if (!r.lab) throw new Error(r.problems.map((p) => p.message).join('\n'));
  return r.lab;
}

const scenario = (kind: FailoverScenario['kind'], target: string, maxOutageMs?: number): FailoverScenario => ({ name: `${kind} ${target}`, kind, target, maxOutageMs });

describe('failed elements', () => {
  const lab = shipped('clos.yml');

  it('a link target names either end; the named end comes first', () => {
    const e = resolveElement(lab, scenario('link-down', 'spine1:eth1'));
    expect(e).toEqual({ kind: 'link', a: { node: 'spine1', ifname: 'eth1' }, b: { node: 'leaf1', ifname: 'eth1' }, parallel: false });
    expect(resolveElement(lab, scenario('node-down', 'spine2'))).toEqual({ kind: 'node', node: 'spine2' });
  });

  it('unknown targets are user errors naming the target', () => {
    expect(() => resolveElement(lab, scenario('link-cut', 'leaf1:eth9'))).toThrow(/no link at "leaf1:eth9"/);
    expect(() => resolveElement(lab, scenario('link-cut', 'leaf1'))).toThrow(/node:interface/);
    expect(() => resolveElement(lab, scenario('node-down', 'spine9'))).toThrow(/no node named "spine9"/);
  });

  it('a path crosses a link in either direction, a node only in transit', () => {
    const link: Element = { kind: 'link', a: { node: 'leaf1', ifname: 'eth1' }, b: { node: 'spine1', ifname: 'eth1' }, parallel: false };
    expect(pathCrosses(['server1', 'leaf1', 'spine1', 'leaf3', 'server3'], link)).toBe(true);
    expect(pathCrosses(['server3', 'leaf3', 'spine1', 'leaf1', 'server1'], link)).toBe(true);
    expect(pathCrosses(['server1', 'leaf1', 'spine2', 'leaf3', 'server3'], link)).toBe(false);
    const node: Element = { kind: 'node', node: 'spine1' };
    expect(pathCrosses(['server1', 'leaf1', 'spine1', 'leaf3', 'server3'], node)).toBe(true);
    expect(pathCrosses(['spine1', 'leaf1', 'server1'], node)).toBe(false);
  });

  it('the sessions a link or a node carries', () => {
    expect(affectedSessions(lab, resolveElement(lab, scenario('link-down', 'leaf1:eth1'))).map((s) => `${s.node}:${s.ifname}`).sort()).toEqual([
      'leaf1:eth1',
      'spine1:eth1',
    ]);
    // every leaf peers with spine1 once
    expect(affectedSessions(lab, { kind: 'node', node: 'spine1' }).map((s) => s.node).sort()).toEqual(['leaf1', 'leaf2', 'leaf3', 'leaf4']);
  });
});

describe('default thresholds follow the detecting mechanism', () => {
  const lab = shipped('clos.yml');
  const bfdLab = shipped('clos.yml', (t) => `${t}\nbfd: true\n`);
  const link = resolveElement(lab, scenario('link-cut', 'leaf1:eth1'));

  it('link-down: carrier, 500 ms', () => {
    expect(expectedDetection(lab, 'link-down', link)).toBe('carrier');
    expect(defaultMaxOutageMs(lab, 'link-down', link)).toBe(500);
  });

  it('link-cut without BFD: the hold timer, hold + 3 s', () => {
    expect(expectedDetection(lab, 'link-cut', link)).toBe('hold');
    expect(defaultMaxOutageMs(lab, 'link-cut', link)).toBe(lab.options.hold * 1000 + 3000);
  });

  it('link-cut with BFD on both ends: interval × multiplier + 600 ms', () => {
    const b = bfdLab.nodes.find((n) => n.name === 'leaf1')!.bfd;
    expect(b.enabled).toBe(true);
    expect(expectedDetection(bfdLab, 'link-cut', link)).toBe('bfd');
    expect(defaultMaxOutageMs(bfdLab, 'link-cut', link)).toBe(b.intervalMs * b.multiplier + 600);
  });

  it('link-cut with BFD on one end only falls back to the hold timer', () => {
    const half = structuredClone(bfdLab);
    half.nodes.find((n) => n.name === 'spine1')!.bfd.enabled = false;
    expect(expectedDetection(half, 'link-cut', link)).toBe('hold');
  });

  it('node-down: the sessions close, 1 s', () => {
    expect(expectedDetection(lab, 'node-down', { kind: 'node', node: 'spine1' })).toBe('session-close');
    expect(defaultMaxOutageMs(lab, 'node-down', { kind: 'node', node: 'spine1' })).toBe(1000);
  });
});

describe('default scenarios come from the topology', () => {
  it('default lab: a leaf uplink down, a server uplink down, another leaf uplink cut, a spine down', () => {
    const s = defaultScenarios(shipped('clos.yml'));
    expect(s.map((x) => [x.kind, x.target])).toEqual([
      ['link-down', 'leaf1:eth1'],
      ['link-down', 'server1:eth1'],
      ['link-cut', 'leaf4:eth2'],
      ['node-down', 'spine1'],
    ]);
    expect(s.every((x) => x.maxOutageMs === undefined)).toBe(true); // the kind's default applies
  });

  it('one spine: losing it cannot be survived, so no node-down default', () => {
    const s = defaultScenarios(shipped('minimal.yml'));
    expect(s.map((x) => x.kind)).not.toContain('node-down');
    expect(s.map((x) => x.kind)).toContain('link-down');
  });

  it('3-tier labs get the same kinds of scenario', () => {
    expect(defaultScenarios(shipped('pods.yml')).map((x) => x.kind)).toEqual(['link-down', 'link-down', 'link-cut', 'node-down']);
  });
});

describe('the probe pair', () => {
  const lab = shipped('clos.yml');
  const pred = predictFabric(lab);

  it('a leaf uplink: two servers whose paths cross it both ways, with paths around it', () => {
    const p = choosePair(lab, pred, resolveElement(lab, scenario('link-down', 'leaf1:eth1')))!;
    expect(p.a.role).toBe('server');
    expect(p.b.role).toBe('server');
    expect(p.predicted.crossAB).toBeGreaterThan(0);
    expect(p.predicted.crossBA).toBeGreaterThan(0);
    expect(p.predicted.crossAB).toBeLessThan(p.predicted.ab.length);
  });

  it('a server uplink: that server is one end', () => {
    const p = choosePair(lab, pred, resolveElement(lab, scenario('link-down', 'server2:eth2')))!;
    expect([p.a.name, p.b.name]).toContain('server2');
  });

  it('a spine: never the spine itself as an end', () => {
    const p = choosePair(lab, pred, { kind: 'node', node: 'spine1' })!;
    expect([p.a.name, p.b.name]).not.toContain('spine1');
    expect(p.predicted.crossAB).toBeGreaterThan(0);
  });

  it('servers sent only a default: no pair a leaf cannot carry during the failure (server ↔ spine with the spines in one ASN)', () => {
    const shared = shipped('shared-asn.yml');
    const sp = predictFabric(shared);
    const scenarios = defaultScenarios(shared, sp);
    const pairs = planScenarios(shared, sp, scenarios).flatMap((st) => st.flatMap((l) => l.map((x) => x.pair ?? choosePair(shared, sp, resolveElement(shared, x.scenario))!)));
    expect(pairs.length).toBe(scenarios.length);
    for (const p of pairs) {
      const roles = [p.a.role, p.b.role].sort();
      expect(roles, `${p.a.name} ↔ ${p.b.name}`).not.toEqual(['server', 'spine']);
    }
    // the house style (servers get every route) may still probe a spine from a server
    expect(choosePair(lab, pred, resolveElement(lab, scenario('link-down', 'leaf1:eth1')), [{ kind: 'node', node: 'spine2' }])).toBeDefined();
  });

  it('a single point of failure has no pair', () => {
    const min = shipped('minimal.yml');
    expect(choosePair(min, predictFabric(min), { kind: 'node', node: 'spine1' })).toBeUndefined();
  });
});

describe('scenarios at the same time', () => {
  const lab = shipped('clos.yml');
  const pred = predictFabric(lab);
  const flat = (steps: ReturnType<typeof planScenarios>) => steps.flatMap((st) => st.flatMap((l) => l.map((x) => x.scenario.name)));

  it('default lab: the cut (the hold timer) runs alongside the others, every probe clear of the other lane', () => {
    const list = defaultScenarios(lab, pred);
    const steps = planScenarios(lab, pred, list);
    expect(flat(steps).sort()).toEqual(list.map((s) => s.name).sort());
    const together = steps.find((st) => st.length === 2)!;
    expect(together[0]!.map((x) => x.scenario.kind)).toEqual(['link-cut']);
    expect(together[1]!.length).toBeGreaterThan(0);
    for (const [mine, theirs] of [[together[0]!, together[1]!], [together[1]!, together[0]!]] as const) {
      for (const x of mine) {
        const e = resolveElement(lab, x.scenario);
        const pair = x.pair ?? choosePair(lab, pred, e)!;
        const during = predictFabric(withoutElement(lab, e));
        const paths = [...pair.predicted.ab, ...pair.predicted.ba, ...during.paths(pair.a.name, pair.b.name), ...during.paths(pair.b.name, pair.a.name)];
        expect(pair.predicted.crossAB + pair.predicted.crossBA, x.scenario.name).toBeGreaterThan(0);
        for (const y of theirs) {
          const other = resolveElement(lab, y.scenario);
          expect(paths.some((p) => pathCrosses(p, other)), `${x.scenario.name} vs ${y.scenario.name}`).toBe(false);
          expect(affectedSessions(lab, e).some((s) => affectedSessions(lab, other).some((t) => t.node === s.node && t.ifname === s.ifname))).toBe(false);
        }
      }
    }
  });

  it('scenarios on one link, or without a slow one, run one after the other, in order', () => {
    const same = [scenario('link-cut', 'leaf1:eth1'), scenario('link-down', 'spine1:eth1')];
    expect(planScenarios(lab, pred, same).map((st) => st.length)).toEqual([1, 1]);
    const fast = [scenario('link-down', 'leaf1:eth1'), scenario('link-down', 'leaf4:eth2')];
    expect(flat(planScenarios(lab, pred, fast))).toEqual(fast.map((s) => s.name));
    expect(planScenarios(lab, pred, fast).every((st) => st.length === 1)).toBe(true);
  });

  it('one probe through a scenario: outages split into before, event, failure and restore', () => {
    const o = (fromUs: number, toUs: number, open = false) => ({ fromUs, toUs, ms: (toUs - fromUs) / 1000, lost: 1, open });
    const f = { flow: 0, sent: 100, received: 90, outages: [o(10, 20), o(95, 150), o(290, 320), o(500, 510), o(700, 800), o(900, 990, true)] };
    const p = splitOutages(f, { eventUs: 100, settledUs: 300, restoreUs: 600 });
    expect(p.before).toEqual([f.outages[0]]);
    expect(p.event).toEqual([f.outages[1], f.outages[2]]); // the second one still going when the settle ended
    expect(p.failure).toEqual([f.outages[3]]);
    expect(p.restore).toEqual([f.outages[4], f.outages[5]]);
  });
});

describe('did the paths come back?', () => {
  const e: Element = { kind: 'link', a: { node: 'leaf1', ifname: 'eth1' }, b: { node: 'spine1', ifname: 'eth1' }, parallel: false };
  const f = (dir: 0 | 1, path: string, complete = true): TracedFlow => ({ dir, flow: 0, sport: 1, path: path.split(' '), complete });
  const before = [f(0, 'server1 leaf1 spine1 leaf3 server3'), f(0, 'server1 leaf2 spine2 leaf3 server3'), f(1, 'server3 leaf3 spine1 leaf1 server1')];
  const predicted = new Set(['server1 > leaf1 > spine1 > leaf3 > server3', 'server1 > leaf2 > spine2 > leaf3 > server3', 'server1 > leaf1 > spine2 > leaf3 > server3', 'server3 > leaf3 > spine1 > leaf1 > server1']);

  it('yes: the element carries flows again both ways (other flows may hash elsewhere now)', () => {
    const after = [f(0, 'server1 leaf1 spine2 leaf3 server3'), f(0, 'server1 leaf1 spine1 leaf3 server3'), f(1, 'server3 leaf3 spine1 leaf1 server1')];
    expect(judgePathsBack(e, before, after, predicted)).toEqual({ ok: true, problems: [], uncrossedDirs: [] });
  });

  it('no: nothing crosses the element again in one direction', () => {
    const after = [f(0, 'server1 leaf1 spine1 leaf3 server3'), f(1, 'server3 leaf3 spine2 leaf1 server1')];
    const v = judgePathsBack(e, before, after, new Set([...predicted, 'server3 > leaf3 > spine2 > leaf1 > server1']));
    expect(v.ok).toBe(false);
    expect(v.uncrossedDirs).toEqual([1]);
    expect(v.problems.join()).toMatch(/leaf1:eth1 ↔ spine1:eth1.*reverse/);
  });

  it('no: a path the model does not predict, or a flow that is lost', () => {
    const after = [...before, f(0, 'server1 leaf1 spine1 leaf1 server3')];
    expect(judgePathsBack(e, before, after, predicted).problems.join()).toMatch(/unexpected paths server1 > leaf1 > spine1 > leaf1 > server3/);
    const lost = [...before, f(1, 'server3 leaf3 *', false)];
    expect(judgePathsBack(e, before, lost, predicted).problems.join()).toMatch(/1 flows do not reach/);
  });
});

describe('FRR output', () => {
  it('session states per interface from show bgp summary json, across families', () => {
    const json = JSON.stringify({
      ipv4Unicast: { peers: { eth1: { state: 'Established' }, eth2: { state: 'Active' } } },
      ipv6Unicast: { peers: { eth1: { state: 'Idle' } } },
    });
    // one definition of "up": Established in every family the lab carries
    const doc = splitJson(json)[0];
    expect(sessionState(doc, 'eth1', ['ipv4', 'ipv6'])).toBe('Idle');
    expect(sessionState(doc, 'eth2', ['ipv4', 'ipv6'])).toBe('Active');
    expect(sessionState(splitJson('% bgpd is not running')[0], 'eth1')).not.toBe('Established');
  });

  it('reset reasons map to the detecting mechanism', () => {
    expect(classifyReset('BFD down received')).toBe('bfd');
    expect(classifyReset('Interface down')).toBe('carrier');
    expect(classifyReset('BGP Notification send', 'Hold Timer Expired')).toBe('hold');
    expect(classifyReset('BGP Notification received', 'Cease/Administrative Shutdown')).toBe('session-close');
    expect(classifyReset('Waiting for NHT')).toBe('carrier');
    expect(classifyReset('Socket Error')).toBe('Socket Error');
  });
});

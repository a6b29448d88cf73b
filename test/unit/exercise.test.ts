/**
 * Exercise files: the loader (every problem at file:line:col, like a lab file), the pure
 * expectation verdicts, the progress model, and every shipped exercise loading cleanly
 * against its own lab.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/lab/load.js';
import { loadLab } from '../../src/lab/load.js';
import { loadExerciseText } from '../../src/exercise/load.js';
import { judgeBfd, judgeEcmp, judgeLeavesRefuse, judgeOutage, judgeSendsOnlyOwn } from '../../src/exercise/expect.js';
import { newProgress, nextHint, recordCheck, replayPlan } from '../../src/exercise/progress.js';
import { outboundRouteMaps } from '../../src/app/exercise-observe.js';

const GOOD = `title: t
summary: s
stages:
  - title: one
    task: do it
    checks: [sessions]
    expect:
      - ecmp: { node: server1, prefix: 10.0.3.2/32, nexthops: 2 }
    hints: [look]
    solution:
      vtysh:
        server1: [configure terminal]
`;
const NODES = ['spine1', 'leaf1', 'leaf2', 'server1', 'server2'];
const lines = (text: string, nodes: readonly string[] | undefined = NODES) => loadExerciseText(text, 'x.yml', nodes).problems.map(formatProblem);

describe('exercise loader', () => {
  it('a good file loads, with defaults (lab.yml, task.md)', () => {
    const r = loadExerciseText(GOOD, 'x.yml', NODES);
    expect(r.problems).toEqual([]);
    expect(r.exercise?.lab).toBe('lab.yml');
    expect(r.exercise?.task).toBe('task.md');
    expect(r.exercise?.stages[0]!.expect).toHaveLength(1);
  });

  it('an unknown check is named at its line and column', () => {
    expect(lines(GOOD.replace('checks: [sessions]', 'checks: [sessions, trnsit]'))).toEqual([expect.stringMatching(/^x\.yml:6:24: stages\[0\]\.checks\[1\]: /)]);
  });

  it('an unknown key is named with the keys allowed there', () => {
    const l = lines(GOOD.replace('    hints: [look]', '    hints: [look]\n    hintz: [x]'));
    expect(l).toEqual([expect.stringMatching(/^x\.yml:10:5: .*unknown key "hintz" \(hint: allowed here: title, task, setup, checks, expect, hints, solution\)/)]);
  });

  it('an expectation of an unknown kind lists the kinds; a known kind with a bad field says which field', () => {
    const unknown = lines(GOOD.replace('- ecmp: {', '- ecmpp: {'));
    expect(unknown).toEqual([expect.stringMatching(/^x\.yml:8:9: stages\[0\]\.expect\[0\]: an expectation is one of: ecmp, session, bfd/)]);
    const missing = lines(GOOD.replace(', nexthops: 2', ''));
    expect(missing).toEqual([expect.stringMatching(/^x\.yml:8:\d+: .*missing required field "nexthops"/)]);
    const wrongType = lines(GOOD.replace('nexthops: 2', 'nexthops: two'));
    expect(wrongType).toEqual([expect.stringMatching(/^x\.yml:8:63: stages\[0\]\.expect\[0\]\.ecmp\.nexthops: /)]);
  });

  it('a node the lab does not have is named where it is used, with the nodes that exist', () => {
    const l = lines(GOOD.replace('node: server1', 'node: server9').replace('        server1: [configure terminal]', '        srv1: [configure terminal]'));
    expect(l).toEqual([
      expect.stringMatching(/^x\.yml:12:9: .*no node "srv1" in the exercise's lab \(hint: nodes: leaf1, leaf2, server1, server2, spine1\)/),
      expect.stringMatching(/^x\.yml:8:23: .*no node "server9"/),
    ]);
  });

  it('YAML errors and a file that is no mapping are located too; every stage needs hints and a solution', () => {
    expect(lines('title: [unclosed\n')[0]).toMatch(/^x\.yml:\d+:\d+: /);
    expect(lines('- a\n')).toEqual(['x.yml:1:1: the exercise file must be a YAML mapping (hint: start with `title: ...`)']);
    const l = lines('title: t\nsummary: s\nstages:\n  - title: one\n    task: t\n');
    expect(l).toEqual([expect.stringMatching(/^x\.yml:4:5: stages\[0\]\.hints: missing required field "hints"/), expect.stringMatching(/^x\.yml:4:5: stages\[0\]\.solution: missing required field "solution"/)]);
  });

  it('every shipped exercise loads against its own lab', async () => {
    const root = 'labs/exercises';
    const ids = (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
    expect(ids.length).toBeGreaterThanOrEqual(8);
    for (const id of ids) {
      const text = await readFile(join(root, id, 'exercise.yml'), 'utf8');
      const lab = await loadLab(join(root, id, 'lab.yml'));
      const r = loadExerciseText(text, `${id}/exercise.yml`, lab.nodes.map((n) => n.name));
      expect(r.problems.map(formatProblem), id).toEqual([]);
      await readFile(join(root, id, r.exercise!.task), 'utf8');
    }
  });
});

describe('expectation verdicts', () => {
  const rib = (ifnames: string[]) => ({ '10.0.3.2/32': [{ prefix: '10.0.3.2/32', protocol: 'bgp', selected: true, nexthops: ifnames.map((i) => ({ interfaceName: i, active: true, fib: true })) }] });
  it('ecmp: the count of active next hops against the wanted count, in words', () => {
    const e = { node: 'server1', prefix: '10.0.3.2/32', nexthops: 2 };
    expect(judgeEcmp(e, rib(['eth1', 'eth2'])).status).toBe('pass');
    const one = judgeEcmp(e, rib(['eth1']));
    expect(one.status).toBe('fail');
    expect(one.message).toMatch(/server1 forwards to 10\.0\.3\.2\/32 over 1 next hop \(eth1\), not 2/);
    expect(judgeEcmp(e, {}).message).toMatch(/has no route/);
  });
  it('bfd: no session, a session not up (the other end), up', () => {
    const e = { node: 'leaf1', peer: 'spine1' };
    expect(judgeBfd(e, 'eth1', []).message).toMatch(/no BFD session towards spine1/);
    expect(judgeBfd(e, 'eth1', [{ peer: 'fe80::1', interface: 'eth1', status: 'down' }]).message).toMatch(/is down: is BFD enabled at spine1's end too/);
    expect(judgeBfd(e, 'eth1', [{ peer: 'fe80::1', interface: 'eth1', status: 'up' }]).status).toBe('pass');
    expect(judgeBfd(e, 'eth1', undefined).message).toMatch(/runs no BFD/);
  });
  it('sends-only-own and leaves-refuse name the foreign prefixes and who leaks or accepts them', () => {
    const own = ['10.0.3.1/32'];
    expect(judgeSendsOnlyOwn('server1', own, new Map([['leaf1', new Set(own)], ['leaf2', new Set(own)]])).status).toBe('pass');
    const leak = judgeSendsOnlyOwn('server1', own, new Map([['leaf1', new Set([...own, '10.0.2.2/32'])], ['leaf2', new Set(own)]]));
    expect(leak.message).toMatch(/server1 advertises prefixes it does not own .*to leaf1: 10\.0\.2\.2\/32/);
    const offered = new Set([...own, '10.0.2.2/32']);
    expect(judgeLeavesRefuse('server1', own, new Map([['leaf1', { offered, accepted: new Set(own) }]])).status).toBe('pass');
    const wide = judgeLeavesRefuse('server1', own, new Map([['leaf1', { offered, accepted: offered }]]));
    expect(wide.message).toMatch(/leaf1 accepts 10\.0\.2\.2\/32 from server1/);
    expect(wide.subject.nodes[0]).toBe('leaf1');
    // nothing foreign offered: the leaves' filter was not tested, which is no pass
    expect(judgeLeavesRefuse('server1', own, new Map([['leaf1', { offered: new Set(own), accepted: new Set(own) }]])).status).toBe('fail');
  });
  it('outage: within the budget passes, over it names the element', () => {
    const e = { between: ['server1', 'server2'], fail: { element: 'leaf1', mode: 'down' as const }, max_outage_ms: 10 };
    expect(judgeOutage(e, 0, 0).status).toBe('pass');
    const f = judgeOutage(e, 70, 196);
    expect(f.message).toMatch(/cut off for 70 ms \(196 datagrams lost\), more than 10 ms/);
    expect(f.subject.nodes).toEqual(['leaf1']);
  });
});

describe('progress', () => {
  const x = loadExerciseText(GOOD.replace('stages:\n', 'stages:\n  - { title: zero, task: t, hints: [a, b], solution: {} }\n'), 'x.yml').exercise!;
  it('hints come in order and the last repeats; a pass moves on, a failure counts an attempt', () => {
    let p = newProgress(x, { exercise: 'x', dir: '/x', lab: 'l', runtime: 'netns', now: 'T' });
    const h1 = nextHint(x, p)!;
    expect(h1.hint).toBe('a');
    p = h1.progress;
    const h2 = nextHint(x, p)!;
    expect([h2.hint, h2.index, h2.of]).toEqual(['b', 1, 2]);
    expect(nextHint(x, h2.progress)!.hint).toBe('b');
    p = recordCheck(p, false);
    expect([p.stage, p.stages[0]!.attempts]).toEqual([0, 1]);
    p = recordCheck(p, true, 'T2');
    expect([p.stage, p.stages[0]!.passedAt]).toEqual([1, 'T2']);
    p = recordCheck(p, true);
    expect(nextHint(x, p)).toBeUndefined();
  });
  it("reset replays the exercise's setup, each earlier stage's setup and solution, then the stage's setup", () => {
    expect(replayPlan(x, 0)).toEqual([{ kind: 'setup', of: 'exercise' }, { kind: 'setup', of: 0 }]);
    expect(replayPlan(x, 1)).toEqual([{ kind: 'setup', of: 'exercise' }, { kind: 'setup', of: 0 }, { kind: 'solution', of: 0 }, { kind: 'setup', of: 1 }]);
    expect(replayPlan(x, 5)).toEqual(replayPlan(x, 1));
  });
});

describe('outbound route-maps of a running config', () => {
  it('finds the IPv4 unicast `route-map ... out` lines of router bgp only', () => {
    const cfg = ['route-map TO-FABRIC permit 10', ' match ip address prefix-list OWN', 'exit', 'router bgp 4200000001', ' neighbor TOR peer-group', ' !', ' address-family ipv4 unicast', '  network 10.0.3.1/32', '  neighbor TOR route-map TO-FABRIC out', '  neighbor eth1 route-map X in', ' exit-address-family', 'exit'].join('\n');
    expect(outboundRouteMaps(cfg)).toEqual([{ neighbor: 'TOR', map: 'TO-FABRIC' }]);
  });
});

/** Workshop faults, pure and against a recording fake runtime: element parsing, fault keys, isolate and flap records, heal selection. */
import './state-dir.js';
import { afterEach, describe, expect, it } from 'vitest';
import { failRequest } from '../../src/commands/fail.js';
import { failElement, faultFor, faultsOf, healElements } from '../../src/app/faults.js';
import { nodeEnds, parseElement, targetSessions } from '../../src/faults/element.js';
import { activeFaults, describeFault, faultKeys, flapFault, healAll, injectFault } from '../../src/faults/index.js';
import type { Lab } from '../../src/lab/model.js';
import { isBgplabError } from '../../src/util/errors.js';
import { fakeRuntime } from './fake-runtime.js';
import { clos } from './paths-fixture.js';

const lab = clos({ spines: 2, leaves: 2, servers: 2 });

function linkOf(text: string) {
  const t = parseElement(lab, text);
  if (t.kind !== 'link') throw new Error(`${text} is not a link`);
  return t;
}

function withParallel(l: Lab): Lab {
  const extra = { a: { node: 'leaf1', ifname: 'eth9' }, b: { node: 'spine1', ifname: 'eth9' } };
  return { ...l, links: [...l.links, extra] };
}

function thrown(fn: () => unknown): { code: string; message: string; hint?: string } {
  try {
    fn();
  } catch (e) {
    if (isBgplabError(e)) return { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
    throw e;
  }
  throw new Error('did not throw');
}

describe('parseElement', () => {
  it('resolves node, node:ifname and a--b with the named end first', () => {
    expect(parseElement(lab, 'spine1')).toEqual({ kind: 'node', node: 'spine1' });
    const l = lab.links.find((x) => x.a.node === 'leaf1' && x.b.node === 'spine1') ?? lab.links.find((x) => x.b.node === 'leaf1' && x.a.node === 'spine1')!;
    const leafEnd = l.a.node === 'leaf1' ? l.a : l.b;
    const spineEnd = l.a.node === 'leaf1' ? l.b : l.a;
    expect(parseElement(lab, 'leaf1--spine1')).toEqual({ kind: 'link', a: leafEnd, b: spineEnd });
    expect(parseElement(lab, 'spine1--leaf1')).toEqual({ kind: 'link', a: spineEnd, b: leafEnd });
    expect(parseElement(lab, `${spineEnd.node}:${spineEnd.ifname}`)).toEqual({ kind: 'link', a: spineEnd, b: leafEnd });
  });

  it('an unknown name lists what exists', () => {
    const n = thrown(() => parseElement(lab, 'lef1'));
    expect(n.code).toBe('E_FAILOVER_TARGET');
    expect(n.message).toContain('no node "lef1"');
    for (const x of lab.nodes) expect(n.hint).toContain(x.name);
    const i = thrown(() => parseElement(lab, 'leaf1:eth77'));
    expect(i.message).toContain('no fabric interface "eth77"');
    for (const x of lab.nodes.find((y) => y.name === 'leaf1')!.interfaces) expect(i.hint).toContain(x);
    const b = thrown(() => parseElement(lab, 'leaf1--leaf2'));
    expect(b.message).toContain('no link between leaf1 and leaf2');
    expect(b.hint).toContain('spine1');
    expect(thrown(() => parseElement(lab, 'a--b--c')).code).toBe('E_FAILOVER_TARGET');
    expect(thrown(() => parseElement(lab, '')).code).toBe('E_FAILOVER_TARGET');
  });

  it('parallel links: a--b asks for an interface, a:if--b picks one', () => {
    const p = withParallel(lab);
    const e = thrown(() => parseElement(p, 'leaf1--spine1'));
    expect(e.message).toContain('2 parallel links');
    expect(e.hint).toContain('leaf1:eth9--spine1:eth9');
    expect(parseElement(p, 'leaf1:eth9--spine1')).toEqual({ kind: 'link', a: { node: 'leaf1', ifname: 'eth9' }, b: { node: 'spine1', ifname: 'eth9' } });
    expect(parseElement(p, 'leaf1--spine1:eth9')).toMatchObject({ a: { ifname: 'eth9' } });
  });

  it('the sessions an element carries: both directions of a link, every session of a node', () => {
    const t = linkOf('leaf1--spine1');
    const ss = targetSessions(lab, t);
    expect(ss.map((s) => `${s.node}>${s.peer}`).sort()).toEqual(['leaf1>spine1', 'spine1>leaf1']);
    const n = targetSessions(lab, parseElement(lab, 'leaf1'));
    expect(n.length).toBe(2 * lab.sessions.filter((s) => s.node === 'leaf1').length);
    expect(nodeEnds(lab, 'leaf1').map((e) => e.node)).toEqual(lab.nodes.find((x) => x.name === 'leaf1')!.interfaces.map(() => 'leaf1'));
  });
});

describe('fault requests and records', () => {
  it('options become one request; two kinds, bad numbers and a bad flap are usage errors', () => {
    expect(failRequest({ element: 'x' })).toEqual({ element: 'x', mode: 'down' });
    expect(failRequest({ element: 'x', loss: '30' })).toMatchObject({ mode: 'loss', lossPct: 30 });
    expect(failRequest({ element: 'x', flap: '3' }).flap).toEqual({ count: 3, periodMs: 4000 });
    expect(failRequest({ element: 'x', flap: '5:1.5' }).flap).toEqual({ count: 5, periodMs: 1500 });
    for (const o of [{ cut: true, isolate: true }, { loss: '101' }, { loss: 'x' }, { delay: '-1' }, { flap: '0' }, { flap: '2:x' }]) {
      expect(thrown(() => failRequest({ element: 'x', ...o })).code).toBe('E_USAGE');
    }
  });

  it('node faults: down stops routing, --isolate is every link of it in one fault; link options on a node are refused', () => {
    const node = parseElement(lab, 'leaf1');
    expect(faultFor(lab, node, { element: 'leaf1', mode: 'down' })).toMatchObject({ kind: 'node-down', node: 'leaf1' });
    const iso = faultFor(lab, node, { element: 'leaf1', mode: 'isolate' });
    expect(iso.kind).toBe('isolate');
    expect(iso.ends!.length).toBe(lab.nodes.find((n) => n.name === 'leaf1')!.interfaces.length);
    expect(faultKeys(iso)).toContain('node leaf1');
    expect(faultKeys(iso)).toContain(`link leaf1:${iso.ends![0]!.ifname}`);
    expect(thrown(() => faultFor(lab, node, { element: 'leaf1', mode: 'cut' })).code).toBe('E_USAGE');
    expect(thrown(() => faultFor(lab, parseElement(lab, 'leaf1--spine1'), { element: 'leaf1--spine1', mode: 'isolate' })).code).toBe('E_USAGE');
    expect(describeFault({ ...iso, since: '' })).toMatch(/^isolate leaf1 \(\d links down/);
  });

  it('a link fault occupies both ends: failing it from the other side is refused', () => {
    const t = linkOf('leaf1--spine1');
    const f = faultFor(lab, t, { element: 'leaf1--spine1', mode: 'down' });
    expect(faultKeys(f)).toEqual([`link ${t.a.node}:${t.a.ifname}`, `link ${t.b.node}:${t.b.ifname}`]);
  });
});

describe('inject, flap and heal through a runtime', () => {
  const calls: string[] = [];
  const rt = fakeRuntime({
    setLink: async (_l, n, i, up) => void calls.push(`${n}:${i} ${up ? 'up' : 'down'}`),
    stopRouting: async (_l, n) => void calls.push(`stop ${n}`),
    startRouting: async (_l, n) => void calls.push(`start ${n}`),
    impairLink: async (_l, n, i, imp) => void calls.push(`${n}:${i} ${imp ? `loss ${imp.lossPct ?? 0}` : 'clear'}`),
    vtysh: async () => '{}',
  });
  const L = 'wsunit';
  afterEach(async () => {
    await healAll(rt, L);
    calls.length = 0;
  });

  it('isolate sets every link of the node down as one record; a link fault on one of them clashes; heal brings them up', async () => {
    const iso = faultFor(lab, parseElement(lab, 'leaf1'), { element: 'leaf1', mode: 'isolate' });
    await injectFault(rt, L, iso);
    expect(calls.sort()).toEqual(iso.ends!.map((e) => `leaf1:${e.ifname} down`).sort());
    expect((await activeFaults(L)).length).toBe(1);
    const other = faultFor(lab, parseElement(lab, 'spine1--leaf1'), { element: 'spine1--leaf1', mode: 'cut' });
    await expect(injectFault(rt, L, other)).rejects.toMatchObject({ code: 'E_FAULT' });
    calls.length = 0;
    await healAll(rt, L);
    expect(calls.sort()).toEqual(iso.ends!.map((e) => `leaf1:${e.ifname} up`).sort());
    expect(await activeFaults(L)).toEqual([]);
  });

  it('flap: down/up COUNT times, recorded while it flaps, unrecorded after, link up at the end', async () => {
    const t = linkOf('leaf1--spine1');
    const f = faultFor(lab, t, { element: 'x', mode: 'flap', flap: { count: 3, periodMs: 40 } });
    let recorded = 0;
    await flapFault(rt, L, { ...f, flap: f.flap! }, { onCycle: async () => void (recorded = Math.max(recorded, (await activeFaults(L)).length)) });
    const end = `${t.a.node}:${t.a.ifname}`;
    expect(calls).toEqual([`${end} down`, `${end} up`, `${end} down`, `${end} up`, `${end} down`, `${end} up`, `${end} up`]);
    expect(recorded).toBe(1);
    expect(await activeFaults(L)).toEqual([]);
  });

  it('an interrupted flap puts the link back up and unrecords it', async () => {
    const t = linkOf('leaf1--spine1');
    const f = faultFor(lab, t, { element: 'x', mode: 'flap', flap: { count: 100, periodMs: 1000 } });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    await expect(flapFault(rt, L, { ...f, flap: f.flap! }, { signal: ac.signal })).rejects.toMatchObject({ code: 'E_INTERRUPTED' });
    expect(calls.at(-1)).toBe(`${t.a.node}:${t.a.ifname} up`);
    expect(await activeFaults(L)).toEqual([]);
  });

  it('heal selection: a node selects every fault touching it, a link either end; nothing active is a no-op', async () => {
    const ln = { ...lab, name: L };
    await failElement(rt, ln, { element: 'leaf1--spine1', mode: 'loss', lossPct: 30 });
    await failElement(rt, ln, { element: 'leaf2', mode: 'down' });
    const all = await activeFaults(L);
    expect(faultsOf(ln, all, 'spine1').map((f) => f.kind)).toEqual(['loss']);
    expect(faultsOf(ln, all, 'spine1--leaf1').map((f) => f.kind)).toEqual(['loss']);
    expect(faultsOf(ln, all, 'leaf2').map((f) => f.kind)).toEqual(['node-down']);
    expect(faultsOf(ln, all, 'spine2--leaf1')).toEqual([]);
    await healAll(rt, L);
    const r = await healElements(rt, ln, undefined);
    expect(r).toEqual({ healed: [], errors: [], left: [] });
  });
});

/**
 * No input yields a stack trace: random mutations of the shipped labs (seeded, so a failure
 * is reproducible; bounded in time) are each either a valid lab whose configs render, or
 * problems that all have a location and read like messages for a person.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatProblem, loadLabText } from '../../src/lab/load.js';
import { renderLab } from '../../src/render/index.js';

/** mulberry32: a small seeded PRNG */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SNIPPETS = [
  ':', '-', '[', ']', '{', '}', ',', '"', "'", '&a', '*a', '!!str', '#', '\t', '\n', '  ', '---', '? ', '|', '>',
  '0', '-1', '4294967295', '23456', '1e400', '.nan', '0x10', 'null', '~', 'true', '😀', 'é', '\u00a0', '\ufeff',
  '0.0.0.0', '255.255.255.255', '224.0.0.0/4', '0.0.0.0/0', '::/0', 'ff02::1', '10.0.0.0/8', '/33',
  'pods: 2', 'super_spines: 3', 'spines: 64', 'leaves: 512', 'servers: 2048', 'role: lef', 'role: border',
  'announce: [10.0.1.0/24]', 'loopback: 10.0.2.1', 'asn: 65000', 'asn: {leaf: 4294967290}', '[a:eth1, b:eth1]',
  '&x [*x]', '<<: *a', '__proto__: 1', 'constructor: {}',
];

type Mutator = (text: string, r: () => number) => string;
const pick = <T,>(xs: T[], r: () => number): T => xs[Math.floor(r() * xs.length)]!;
const at = (text: string, r: () => number) => Math.floor(r() * (text.length + 1));
const MUTATORS: Mutator[] = [
  (t, r) => {
    const i = at(t, r);
    return t.slice(0, i) + pick(SNIPPETS, r) + t.slice(i);
  },
  (t, r) => {
    const i = at(t, r);
    return t.slice(0, i) + t.slice(i + 1 + Math.floor(r() * 8));
  },
  (t, r) => t.slice(0, at(t, r)),
  (t, r) => {
    const lines = t.split('\n');
    const i = Math.floor(r() * lines.length);
    lines.splice(Math.floor(r() * lines.length), 0, lines[i]!);
    return lines.join('\n');
  },
  (t, r) => {
    const lines = t.split('\n');
    const i = Math.floor(r() * lines.length);
    const j = Math.floor(r() * lines.length);
    [lines[i], lines[j]] = [lines[j]!, lines[i]!];
    return lines.join('\n');
  },
  (t, r) => t.replace(/\d+/g, (m) => (r() < 0.3 ? pick(['0', '1', '65535', '4294967294', '99999999999', '-3', m + m], r) : m)),
  (t, r) => t.replace(/\n( *)/g, (m, sp: string) => (r() < 0.1 ? `\n${sp}${r() < 0.5 ? ' ' : ''}` : r() < 0.05 ? '\n' + sp.slice(1) : m)),
];

const BAD_TEXT = /undefined|NaN|\[object |Maximum call stack|Excessive alias|This should not happen|is not a function|Cannot read prop/;

describe('fuzz: mutated shipped labs never crash', () => {
  const labs = readdirSync('labs').filter((f) => f.endsWith('.yml')).map((f) => readFileSync(`labs/${f}`, 'utf8'));
  const seed = Number(process.env.BGPLAB_FUZZ_SEED ?? 20260401);
  const budgetMs = Number(process.env.BGPLAB_FUZZ_MS ?? 4000);

  it(`seed ${seed}, ${budgetMs} ms: every result is a lab or located problems`, () => {
    const r = rng(seed);
    const t0 = performance.now();
    let n = 0;
    let valid = 0;
    while (performance.now() - t0 < budgetMs && n < 20_000) {
      let text = pick(labs, r);
      const rounds = 1 + Math.floor(r() * 3);
      for (let k = 0; k < rounds; k++) text = pick(MUTATORS, r)(text, r);
      n++;
      const ctx = `mutation #${n} (seed ${seed}) of:\n${text}`;
      let res;
      try {
        res = loadLabText(text, 'fuzz.yml');
      } catch (e) {
        throw new Error(`loadLabText threw ${(e as Error).stack}\n${ctx}`);
      }
      if (res.lab) {
        valid++;
        expect(res.problems, ctx).toEqual([]);
        expect(() => renderLab(res.lab!), ctx).not.toThrow();
        continue;
      }
      expect(res.problems.length, ctx).toBeGreaterThan(0);
      const lines = text.split('\n').length;
      for (const p of res.problems) {
        expect(p.line, ctx).toBeGreaterThanOrEqual(1);
        expect(p.line, ctx).toBeLessThanOrEqual(lines + 1);
        expect(p.col, ctx).toBeGreaterThanOrEqual(1);
        expect(formatProblem(p), ctx).not.toMatch(BAD_TEXT);
      }
    }
    // the generator must reach both outcomes, else it tests nothing
    expect(n).toBeGreaterThan(200);
    expect(valid).toBeGreaterThan(0);
    expect(valid).toBeLessThan(n);
  }, 60_000);
});

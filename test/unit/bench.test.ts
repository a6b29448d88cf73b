import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { brokeOnNeighbourTable, fabricLabText, LEAF_ASN_4BYTE, linksOf, nodesOf, renameLabText, scaleSizes } from '../../src/bench/labs.js';
import { median, summarize, ratio } from '../../src/bench/stats.js';
import { kbField, parseNdiscCache, statFields } from '../../src/bench/proc.js';
import { renderMarkdown, targets } from '../../src/bench/report.js';
import type { BenchReport, SizeResult } from '../../src/bench/types.js';
import { loadLabText } from '../../src/lab/load.js';

const load = (text: string) => {
  const r = loadLabText(text, 'bench.yml');
  if (!r.lab) throw new Error(r.problems.map((p) => `${p.message}`).join('; '));
  return r.lab;
};

describe('bench labs', () => {
  it('generates every scale size as a valid lab with the node count it claims', () => {
    const sizes = scaleSizes(1000);
    expect(sizes.map(nodesOf)).toEqual([100, 200, 400, 600, 800, 1000]);
    expect(sizes.map(linksOf)).toEqual([256, 768, 430, 630, 830, 1030]);
    for (const s of sizes) {
      const lab = load(fabricLabText(`bn${nodesOf(s)}`, s));
      expect(lab.nodes).toHaveLength(nodesOf(s));
      expect(lab.links).toHaveLength(linksOf(s));
      expect(new Set(lab.nodes.map((n) => n.loopback)).size).toBe(lab.nodes.length);
      expect(new Set(lab.nodes.filter((n) => n.role !== 'spine').map((n) => n.asn)).size).toBe(lab.nodes.length - s.spines);
    }
  });

  it('moves leaves to a 4-byte ASN base only when they overflow the 2-byte private range', () => {
    expect(fabricLabText('bnx', { spines: 8, leaves: 128, servers: 264 })).not.toMatch(/asn:/);
    const big = load(fabricLabText('bnx', { spines: 8, leaves: 500, servers: 1000 }));
    const leaves = big.nodes.filter((n) => n.role === 'leaf').map((n) => n.asn);
    expect(Math.min(...leaves)).toBe(LEAF_ASN_4BYTE);
  });

  it('renames the shipped lab and swaps in a BFD variant', () => {
    const base = readFileSync('labs/clos.yml', 'utf8');
    const lab = load(renameLabText(base, 'bnfo2', { kind: 'timers', intervalMs: 100, multiplier: 3 }));
    expect(lab.name).toBe('bnfo2');
    expect(lab.nodes.every((n) => n.bfd.enabled && n.bfd.intervalMs === 100 && n.bfd.multiplier === 3)).toBe(true);
    const off = load(renameLabText(renameLabText(base, 'bnx', { kind: 'default' }), 'bny', { kind: 'off' }));
    expect(off.nodes.some((n) => n.bfd.enabled)).toBe(false);
  });
});

describe('bench stats and /proc parsing', () => {
  it('takes medians, ignoring missing samples', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBeUndefined();
    expect(summarize([5, undefined, 1, 3])).toEqual({ median: 3, min: 1, max: 5, n: 3 });
    expect(ratio(3, 0)).toBeUndefined();
  });

  it('reads /proc fields even when comm holds spaces and parens', () => {
    const f = statFields('123 (a (b) c) S 1 2 3 4 5 6 7 8 9 10 111 222 13 14');
    expect(f[0]).toBe('S');
    expect(f[11]).toBe('111');
    expect(f[12]).toBe('222');
    expect(kbField('Name:\tzebra\nVmRSS:\t   12724 kB\n', 'VmRSS')).toBe(12724);
  });
});

describe('bench report', () => {
  const size = (label: string, nodes: number, runtime: 'netns' | 'clab', up: number, down: number, rssKiB: number): SizeResult => ({
    label,
    nodes,
    links: 0,
    sessions: 0,
    runtime,
    samples: [{ ok: true, upMs: up, downMs: down }],
    summary: {
      upMs: { median: up, min: up, max: up, n: 1 },
      downMs: { median: down, min: down, max: down, n: 1 },
      rssKiBPerNode: { median: rssKiB, min: rssKiB, max: rssKiB, n: 1 },
    },
  });
  const report = (def: SizeResult[], scale: SizeResult[]): BenchReport => ({
    version: 1,
    startedAt: '2026-01-01T00:00:00.000Z',
    machine: { cpus: 2, memGiB: 24, kernel: 'k', frr: 'f', node: 'v20', docker: false },
    options: {} as BenchReport['options'],
    default: def,
    failover: [],
    scale,
    notes: [],
  });

  it('judges the targets from the measured medians', () => {
    const r = report([size('default lab', 10, 'netns', 2500, 400, 20_000)], [size('8×128×264', 400, 'netns', 70_000, 9000, 30_000)]);
    const t = targets(r);
    expect(t.find((x) => x.target.includes('default lab up'))?.met).toBe(true);
    expect(t.find((x) => x.target.includes('down'))?.met).toBe(true);
    expect(t.find((x) => x.target.includes('up ≤ 60 s'))?.met).toBe(false);
    expect(t.find((x) => x.target.includes('25 MiB'))?.met).toBe(false);
    expect(renderMarkdown(r)).toContain('| default lab | 10 | 0 | netns | 1/1 |');
  });

  it('says "not measured" rather than guessing when a size is missing', () => {
    const t = targets(report([], []));
    expect(t.find((x) => x.target.startsWith('400-node'))?.measured).toBe('not measured');
    expect(t.find((x) => x.target.includes('default lab up'))?.met).toBeUndefined();
  });
});

describe('neighbour table', () => {
  it('reads entries (global) and sums table_fulls over CPUs from /proc/net/stat/ndisc_cache', () => {
    const text = [
      'entries  allocs   destroys hash_grows lookups  hits     res_failed rcv_probes_mcast rcv_probes_ucast periodic_gc_runs forced_gc_runs unresolved_discards table_fulls',
      '00000401 0000b456 0000a8ed 00000004   0000ed0f 0000d3dd 00000195   00000940         0000027f         00000000         00046551       00000000            00045fa6',
      '00000401 0000c160 0000c8c8 00000004   0000e08d 0000c6f4 000001ab   0000091b         000002ab         00000130         0004d1f6       00000000            0004cc9f',
    ].join('\n');
    expect(parseNdiscCache(text)).toEqual({ entries: 1025, tableFulls: 0x45fa6 + 0x4cc9f });
  });
});

describe('bench scale: which break lets sparser fabrics still run', () => {
  it('a neighbour-table overflow or an up-front E_HOST_LIMIT refusal keeps going; anything else stops', () => {
    // as `make bench` logged it on 2026-12-02: the 768-link fabric refused before deploy,
    // which used to stop the scale before the 400-node (430-link) fabric
    const refused = 'E_HOST_LIMIT: lab "bn200" (200 nodes, 1536 interfaces) does not fit this machine: nothing was created';
    expect(brokeOnNeighbourTable({ error: refused })).toBe(true);
    expect(brokeOnNeighbourTable({ error: 'E_WAIT_TIMEOUT: 3 sessions down', neighTableFulls: 1200 })).toBe(true);
    expect(brokeOnNeighbourTable({ error: 'E_WAIT_TIMEOUT: 3 sessions down', neighTableFulls: 0 })).toBe(false);
    expect(brokeOnNeighbourTable({ error: 'E_DAEMON_DIED: node leaf3: bgpd died at start' })).toBe(false);
  });
});

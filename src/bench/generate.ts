#!/usr/bin/env node
/**
 * bgplab bench-generate: how long `bgplab generate --target clabernetes` takes for fabrics
 * bigger than one machine, and how big the resources are against Kubernetes' limits.
 * No root, nothing brought up: `make bench-generate` (node dist/bench/generate.js [--runs N]).
 *
 * Per size, in-process and as a user runs it: load+validate+expand of the lab text (the
 * Kubernetes-name rules included), the render to one YAML stream, and the whole CLI command
 * as a separate process (Node start-up and the file write included). Medians of --runs runs
 * (default 5), after one warm-up run in-process.
 *
 * Writes bench/results/generate-latest.{json,md} and prints the table.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { loadLabText } from '../lab/load.js';
import { rulesForTarget } from '../lab/k8s-names.js';
import { clabernetesObjects, renderClabernetes } from '../render/clabernetes.js';
import { run } from '../util/process.js';
import { fabricLabText, linksOf, nodesOf, sizeLabel, type FabricSize } from './labs.js';
import { fmtMs, summarize, type Summary } from './stats.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** 2 tiers, dual-homed servers: 16 spines x 128 leaves x 1,856 servers = 2,000 nodes, 5,760 links. */
export const GENERATE_SIZES: FabricSize[] = [
  { spines: 2, leaves: 4, servers: 4 },
  { spines: 4, leaves: 32, servers: 64 },
  { spines: 8, leaves: 64, servers: 428 },
  { spines: 16, leaves: 128, servers: 1856 },
];

export interface GenerateSample {
  size: string;
  nodes: number;
  links: number;
  load: Summary;
  render: Summary;
  cli?: Summary;
  yamlBytes: number;
  topologyBytes: number;
  largestConfigMapBytes: number;
}

const time = <T>(f: () => T): [T, number] => {
  const t0 = performance.now();
  const v = f();
  return [v, performance.now() - t0];
};

export async function measureGenerate(s: FabricSize, runs: number, cli: boolean): Promise<GenerateSample> {
  const name = `bg${nodesOf(s)}`;
  const text = fabricLabText(name, s);
  const rules = rulesForTarget('clabernetes');
  const loads: number[] = [];
  const renders: number[] = [];
  let yaml = '';
  for (let i = 0; i <= runs; i++) {
    const [r, tl] = time(() => loadLabText(text, `${name}.yml`, rules));
    if (!r.lab) throw new Error(`${sizeLabel(s)}: ${r.problems.map((p) => p.message).join('; ')}`);
    const [out, tr] = time(() => renderClabernetes(r.lab!));
    yaml = out;
    if (i > 0) {
      loads.push(tl);
      renders.push(tr);
    }
  }
  const lab = loadLabText(text, `${name}.yml`).lab!;
  const objs = clabernetesObjects(lab);
  const sizes = objs.map((o) => ({ kind: o.kind, bytes: Buffer.byteLength(JSON.stringify(o)) }));
  const sample: GenerateSample = {
    size: sizeLabel(s),
    nodes: nodesOf(s),
    links: linksOf(s),
    load: summarize(loads)!,
    render: summarize(renders)!,
    yamlBytes: Buffer.byteLength(yaml),
    topologyBytes: sizes.find((x) => x.kind === 'Topology')!.bytes,
    largestConfigMapBytes: Math.max(...sizes.filter((x) => x.kind === 'ConfigMap').map((x) => x.bytes)),
  };
  if (cli) {
    const dir = await mkdtemp(join(tmpdir(), 'bgplab-bench-gen-'));
    const file = join(dir, `${name}.yml`);
    await writeFile(file, text);
    const walls: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await run(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'generate', file, '--target', 'clabernetes', '-o', dir], { check: true });
      walls.push(performance.now() - t0);
    }
    sample.cli = summarize(walls);
    await rm(dir, { recursive: true, force: true });
  }
  return sample;
}

const fmtBytes = (b: number) => (b >= 1024 * 1024 ? `${(b / 1024 / 1024).toFixed(2)} MiB` : `${(b / 1024).toFixed(1)} KiB`);
const fmtS = (s: Summary | undefined) => (s ? `${fmtMs(s.median)} (${fmtMs(s.min)}–${fmtMs(s.max)})` : '—');

export function generateMarkdown(samples: GenerateSample[], runs: number): string {
  const lines = [
    `## bgplab generate --target clabernetes, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `${cpus().length} CPUs, Node ${process.version}. Medians (min–max) of ${runs} runs.`,
    '',
    '| fabric | nodes | links | load+validate | render | **CLI, whole command** | YAML | Topology object | largest ConfigMap |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...samples.map(
      (s) =>
        `| ${s.size} | ${s.nodes} | ${s.links} | ${fmtS(s.load)} | ${fmtS(s.render)} | **${fmtS(s.cli)}** | ${fmtBytes(s.yamlBytes)} | ${fmtBytes(s.topologyBytes)} | ${fmtBytes(s.largestConfigMapBytes)} |`,
    ),
    '',
    '*Topology object*: its JSON size, which etcd stores; etcd refuses a request over 1.5 MiB by default (`--max-request-bytes`). ConfigMaps: at most 1 MiB of data each.',
    '',
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '5' }, 'no-cli': { type: 'boolean', default: false }, out: { type: 'string', default: 'bench/results' } },
  });
  const runs = Number(values.runs);
  const samples: GenerateSample[] = [];
  for (const s of GENERATE_SIZES) {
    samples.push(await measureGenerate(s, runs, !values['no-cli']));
    process.stderr.write(`  ${sizeLabel(s)}: render ${fmtMs(samples.at(-1)!.render.median)}\n`);
  }
  const md = generateMarkdown(samples, runs);
  await mkdir(values.out!, { recursive: true });
  await writeFile(join(values.out!, 'generate-latest.json'), JSON.stringify({ runs, samples }, null, 2) + '\n');
  await writeFile(join(values.out!, 'generate-latest.md'), md);
  process.stdout.write(md);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exitCode = 1;
  });
}

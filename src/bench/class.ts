#!/usr/bin/env node
/**
 * The class benchmark: N students' default labs at once on one machine, each its own
 * `bgplab up labs/clos.yml --name <prefix>N --runtime netns` process, as a workshop runs
 * them. Reports the time until the last has converged, CPU and memory per lab, the peak of
 * the machine's IPv6 neighbour table, and whether each lab then passes
 * `check --only sessions,routes`. With --tune it runs `bgplab host tune --nodes N×nodes`
 * first and ALWAYS `host tune --revert` afterwards (only when it did the tuning).
 *
 *   node dist/bench/class.js --labs 10            (root; make bench-class runs 10, then 30 tuned)
 *   node dist/bench/class.js --labs 30 --tune --prefix st
 *
 * Writes bench/results/class-<N>.{json,md}.
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadLab } from '../lab/load.js';
import { nsName } from '../runtime/netns/index.js';
import { netnsInode } from '../runtime/netns/proc.js';
import { readTuneRecord } from '../runtime/host-tune.js';
import { readState } from '../runtime/state.js';
import { childrenCpuSeconds, cpuOf, footprint, frrDaemonsByNode, machineJiffies, neighbourTable } from './proc.js';
import { median } from './stats.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');

interface Proc {
  code: number;
  out: string;
  ms: number;
}

/** The CLI as a student runs it: a process of its own. */
function cli(args: string[]): Promise<Proc> {
  const t0 = performance.now();
  return new Promise((res) => {
    const p = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('close', (code) => res({ code: code ?? 1, out, ms: performance.now() - t0 }));
  });
}

const log = (m: string) => process.stderr.write(`[class] ${m}\n`);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      labs: { type: 'string', default: '10' },
      tune: { type: 'boolean', default: false },
      prefix: { type: 'string', default: 'bncls' },
      lab: { type: 'string', default: 'labs/clos.yml' },
      timeout: { type: 'string', default: '300' },
      out: { type: 'string', default: 'bench/results' },
    },
  });
  const n = Number(values.labs);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--labs must be a positive whole number, got ${values.labs}`);
  const names = Array.from({ length: n }, (_, i) => `${values.prefix}${i + 1}`);
  const labfile = resolve(ROOT, values.lab!);
  const nodesPerLab = (await loadLab(labfile)).nodes.length;
  let tunedHere = false;
  const notes: string[] = [];
  try {
    if (values.tune) {
      if (await readTuneRecord()) notes.push('host already tuned by someone: not tuned (nor reverted) here');
      else {
        const t = await cli(['host', 'tune', '--nodes', String(Math.max(100, n * nodesPerLab))]);
        if (t.code !== 0) throw new Error(`host tune failed: ${t.out}`);
        tunedHere = true;
        log(t.out.trim());
      }
    }
    for (const name of names) await cli(['down', name]);
    const nb0 = await neighbourTable();
    let peak = nb0?.entries ?? 0;
    const sampler = setInterval(() => {
      void neighbourTable().then((t) => (peak = Math.max(peak, t?.entries ?? 0)));
    }, 250);
    const child0 = await childrenCpuSeconds();
    const j0 = await machineJiffies();
    const t0 = performance.now();
    log(`${n} × ${values.lab} at once: ${names[0]} … ${names[n - 1]}`);
    const ups = await Promise.all(names.map((name) => cli(['up', labfile, '--name', name, '--runtime', 'netns', '--timeout', values.timeout!])));
    const allMs = performance.now() - t0;
    clearInterval(sampler);
    const j1 = await machineJiffies();
    const helpersCpu = (await childrenCpuSeconds()) - child0;
    const ok = ups.map((u) => u.code === 0);
    log(`${ok.filter(Boolean).length}/${n} converged; the last after ${(allMs / 1000).toFixed(1)} s`);
    for (const [i, u] of ups.entries()) if (u.code !== 0) notes.push(`${names[i]}: ${u.out.trim().split('\n').slice(-3).join(' | ')}`);
    // memory and the daemons' CPU, per lab
    const perLab: { pssMiB: number; daemonCpu: number }[] = [];
    for (const name of names) {
      const inodes = new Map<string, number>();
      for (const x of (await readState(name))?.nodes ?? []) {
        const i = await netnsInode(nsName(name, x.name));
        if (i !== undefined) inodes.set(x.name, i);
      }
      const per = await frrDaemonsByNode(inodes);
      const fp = await footprint(per);
      perLab.push({ pssMiB: fp.pssKiBPerNode.reduce((a, b) => a + b, 0) / 1024, daemonCpu: await cpuOf(per.flatMap((p) => p.pids)) });
    }
    const checks = await Promise.all(names.map(async (name, i) => (ok[i] ? (await cli(['check', name, '--only', 'sessions,routes'])).code === 0 : false)));
    const nb1 = await neighbourTable();
    for (const name of names) await cli(['down', name]);
    const daemonsCpu = perLab.reduce((a, b) => a + b.daemonCpu, 0);
    const result = {
      at: new Date().toISOString(),
      machine: { cpus: cpus().length, memGiB: Math.round(totalmem() / 2 ** 30) },
      labs: n,
      lab: values.lab,
      tuned: values.tune,
      converged: ok.filter(Boolean).length,
      checksPassed: checks.filter(Boolean).length,
      allConvergedMs: Math.round(allMs),
      upMsMedian: Math.round(median(ups.map((u) => u.ms)) ?? 0),
      cpuPerLabSec: (daemonsCpu + helpersCpu) / n,
      cpuDaemonsPerLabSec: daemonsCpu / n,
      cpuBgplabAndHelpersPerLabSec: helpersCpu / n,
      pssMiBPerLab: median(perLab.map((p) => p.pssMiB)) ?? 0,
      machineBusyPct: j1.total > j0.total ? (100 * (j1.busy - j0.busy)) / (j1.total - j0.total) : undefined,
      neighbour: { before: nb0?.entries, peak, gcThresh3: nb1?.gcThresh3, tableFullsDuring: nb0 && nb1 ? nb1.tableFulls - nb0.tableFulls : undefined },
      notes,
    };
    const md = [
      `## bgplab class benchmark, ${result.at.slice(0, 16).replace('T', ' ')} UTC`,
      '',
      `${result.machine.cpus} CPUs, ${result.machine.memGiB} GiB; ${n} × ${values.lab} at once, each its own \`bgplab up --name\` process${values.tune ? ', after `bgplab host tune`' : ''}. One run (the machine is shared: see machine busy).`,
      '',
      '| labs | converged | checks passed | all converged after | up, median lab | CPU per lab (daemons + bgplab/helpers) | PSS per lab | neighbour table peak / gc_thresh3 | table full | machine busy |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      `| ${n} | ${result.converged}/${n} | ${result.checksPassed}/${n} | **${(allMs / 1000).toFixed(1)} s** | ${(result.upMsMedian / 1000).toFixed(1)} s | ${result.cpuPerLabSec.toFixed(2)} s (${result.cpuDaemonsPerLabSec.toFixed(2)} + ${result.cpuBgplabAndHelpersPerLabSec.toFixed(2)}) | ${result.pssMiBPerLab.toFixed(0)} MiB | ${peak} / ${nb1?.gcThresh3 ?? '?'} | ${result.neighbour.tableFullsDuring ?? '?'} | ${result.machineBusyPct?.toFixed(0) ?? '?'} % |`,
      '',
      ...notes.map((x) => `- ${x}`),
      '',
    ].join('\n');
    const outDir = resolve(ROOT, values.out!);
    await mkdir(outDir, { recursive: true });
    await writeFile(join(outDir, `class-${n}.json`), JSON.stringify(result, null, 2) + '\n');
    await writeFile(join(outDir, `class-${n}.md`), md);
    process.stdout.write(md);
  } finally {
    for (const name of names) await cli(['down', name]);
    if (tunedHere) {
      const r = await cli(['host', 'tune', '--revert']);
      log(r.out.trim());
    }
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`class bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});

#!/usr/bin/env node
/**
 * bgplab bench: how fast a lab comes up, how much it costs, how long traffic stops when
 * something breaks, and how far it scales. Run as root: `make bench` (or `make bench-quick`).
 *
 * Everything goes through the code `bgplab up` / `down` / `check` run (bringUp, downLab,
 * runFailover), so the figures are the tool's, not a re-implementation's. Per run:
 *   - up: validate+generate, deploy, sessions Established, every loopback route (phases of bringUp)
 *   - memory: RSS and PSS of each node's FRR daemons, from /proc, once converged and idle
 *   - CPU: the daemons' CPU during bring-up and at idle; bgplab's own CPU and its helpers'
 *     (ip, vtysh, the daemons' start-up before they detach)
 *   - down: downLab
 * Then the failover scenarios (the failover check's probe), and the sizes up to where it
 * breaks. Every figure is a median of several runs; ratios are against a baseline measured
 * in the same run (bare namespaces + veths; netns vs containerlab).
 *
 * Writes bench/results/latest.{json,md} (quick: quick-latest.*) and prints the table.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bringUp } from '../app/up.js';
import { downLab } from '../app/down.js';
import { defaultScenarios, runFailover } from '../checks/failover.js';
import type { CheckResult } from '../checks/types.js';
import { FRR_VERSIONS, type FailoverScenario, type FrrVersion, type Lab } from '../lab/model.js';
import { loadLabText } from '../lab/load.js';
import { netnsInode, listNetns } from '../runtime/netns/proc.js';
import { nsName } from '../runtime/netns/index.js';
import { dockerAnswers, loadClabRuntime } from '../runtime/select.js';
import type { RuntimeKind } from '../runtime/runtime.js';
import { run } from '../util/process.js';
import { sleep } from '../util/pool.js';
import { isBgplabError } from '../util/errors.js';
import { fabricLabText, linksOf, nodesOf, renameLabText, scaleSizes, sizeLabel, withFrrText, type BfdVariant } from './labs.js';
import {
  childrenCpuSeconds,
  cpuOf,
  footprint,
  frrDaemonsByNode,
  listProcesses,
  loadAverage,
  machineJiffies,
  memAvailableKiB,
  cpuSeconds,
  neighbourTable,
} from './proc.js';
import { median, summarize, type Summary } from './stats.js';
import { renderMarkdown } from './report.js';
import { checksBench, renderChecksMarkdown } from './checks.js';
import type { BaselineResult, BenchOptions, BenchReport, CliResult, FailoverResult, FailoverSample, Noise, SizeResult, UpSample } from './types.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
/** Ctrl-C: finish the current run, take its lab down, skip the rest, write what was measured */
let interrupted = false;
/** Prefix of every lab and namespace the bench creates (--prefix, or BGPLAB_BENCH_PREFIX): two benches on one machine never collide */
let PREFIX = 'bn';

// ---------------------------------------------------------------------------
// options

function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      lab: { type: 'string', default: 'labs/clos.yml' },
      runs: { type: 'string' },
      'large-runs': { type: 'string' },
      'beyond-runs': { type: 'string' },
      'cli-runs': { type: 'string' },
      'failover-runs': { type: 'string' },
      'hold-runs': { type: 'string' },
      'max-nodes': { type: 'string' },
      'no-scale': { type: 'boolean', default: false },
      'no-failover': { type: 'boolean', default: false },
      'no-checks': { type: 'boolean', default: false },
      checks: { type: 'boolean', default: false },
      failover: { type: 'boolean', default: false },
      'no-default': { type: 'boolean', default: false },
      sizes: { type: 'string' },
      clab: { type: 'string', default: 'auto' },
      'clab-max-nodes': { type: 'string' },
      idle: { type: 'string' },
      'quiet-wait': { type: 'string' },
      'time-budget': { type: 'string' },
      out: { type: 'string', default: 'bench/results' },
      prefix: { type: 'string', default: process.env['BGPLAB_BENCH_PREFIX'] ?? 'bn' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      [
        'usage: node dist/bench/main.js [--quick] [options]   (root)',
        '  --quick               default lab only, 3 runs (netns, and containerlab when Docker answers); no failover, no scale',
        '  --lab FILE            the default lab (labs/clos.yml)',
        '  --runs N              runs of the default lab per runtime (5; quick 3)',
        '  --large-runs N        runs per generated fabric up to 400 nodes (3); --beyond-runs N past 400 (1)',
        '  --cli-runs N          `bgplab up`/`down` as separate processes, wall clock (3; quick 1)',
        '  --failover-runs N     runs per failover scenario (5; quick 1); --hold-runs N for the hold-timer cut (3; quick 1)',
        '  --max-nodes N         scale up to this many nodes, stopping at the first failure (1000)',
        '  --no-scale, --no-failover, --no-checks, --no-default (skip the default lab), --failover / --checks (with --quick)',
        '  --sizes 100,400       only the generated fabrics of these node counts',
        '  --clab auto|on|off    the containerlab runtime side by side (auto: when Docker answers)',
        '  --clab-max-nodes N    largest fabric to run on containerlab too (0: default lab only)',
        '  --idle S              seconds of idle after convergence for the idle CPU figure (5)',
        '  --quiet-wait S        total seconds to wait for other labs to finish before measuring (600; quick 0)',
        '  --time-budget MIN     stop scaling past 400 nodes after this many minutes in all (60)',
        '  --out DIR             results directory (bench/results)',
        '  --prefix P            lab names start with P (bn): give each developer sharing the machine their own',
        '',
      ].join('\n'),
    );
    process.exit(0);
  }
  const quick = values.quick === true;
  const num = (v: string | undefined, d: number) => {
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`not a number: ${v}`);
    return n;
  };
  const clab = values.clab as string;
  if (!['auto', 'on', 'off'].includes(clab)) throw new Error('--clab auto|on|off');
  return {
    quick,
    lab: values.lab as string,
    runs: num(values.runs, quick ? 3 : 5),
    largeRuns: num(values['large-runs'], 3),
    beyondRuns: num(values['beyond-runs'], 1),
    cliRuns: num(values['cli-runs'], quick ? 1 : 3),
    failoverRuns: num(values['failover-runs'], quick ? 1 : 5),
    holdRuns: num(values['hold-runs'], quick ? 1 : 3),
    maxNodes: num(values['max-nodes'], 1000),
    scale: (!quick || values.sizes !== undefined) && values['no-scale'] !== true,
    failover: values['no-failover'] !== true && (!quick || values.failover === true),
    checks: values['no-checks'] !== true && (!quick || values.checks === true),
    runDefault: values['no-default'] !== true,
    sizes: values.sizes ? String(values.sizes).split(',').map(Number) : undefined,
    clab: clab as BenchOptions['clab'],
    clabMaxNodes: num(values['clab-max-nodes'], 0),
    idleSec: num(values.idle, quick ? 3 : 5),
    quietWaitSec: num(values['quiet-wait'], quick ? 0 : 600),
    out: values.out as string,
    prefix: values.prefix as string,
    timeBudgetMin: num(values['time-budget'], 60),
  };
}

// ---------------------------------------------------------------------------
// helpers

function log(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

const errText = (e: unknown): string => {
  if (isBgplabError(e)) return `${e.code}: ${e.message}${e.details.length ? ` (${e.details.slice(0, 3).join(' | ')})` : ''}`;
  return e instanceof Error ? e.message : String(e);
};

const ours = (name: string) => name.startsWith(`clab-${PREFIX}`) || name.startsWith(`${PREFIX}bare-`);

/** Other people's labs on this machine: namespaces, zebras and containers that are not ours. */
async function noise(): Promise<Noise> {
  const nsList = await listNetns();
  const ourInodes = new Set<number>();
  for (const ns of nsList.filter(ours)) {
    const i = await netnsInode(ns);
    if (i !== undefined) ourInodes.add(i);
  }
  const procs = await listProcesses();
  let containers: string[] = [];
  try {
    const r = await run('docker', ['ps', '--format', '{{.Names}}'], { check: false, timeoutMs: 5000 });
    containers = r.exitCode === 0 ? r.stdout.split('\n').filter(Boolean) : [];
  } catch {
    containers = [];
  }
  const ourContainerInodes = new Set<number>();
  // zebras inside our containers are ours too
  for (const c of containers.filter(ours)) {
    try {
      const pid = (await run('docker', ['inspect', '-f', '{{.State.Pid}}', c], { check: false, timeoutMs: 5000 })).stdout.trim();
      const m = /\[(\d+)\]/.exec(await readlink(`/proc/${pid}/ns/net`));
      if (m) ourContainerInodes.add(Number(m[1]));
    } catch {
      /* gone */
    }
  }
  return {
    foreignNamespaces: nsList.filter((n) => !ours(n)).length,
    foreignZebras: procs.filter((p) => p.comm === 'zebra' && !ourInodes.has(p.netns) && !ourContainerInodes.has(p.netns)).length,
    foreignContainers: containers.filter((c) => !ours(c)).length,
    load: await loadAverage(),
  };
}

const quietNow = (n: Noise) => n.foreignNamespaces === 0 && n.foreignZebras === 0 && n.foreignContainers === 0;

/** Wait (from a budget shared by the whole run) until nobody else's lab is running. */
class QuietGate {
  private leftMs: number;
  constructor(budgetSec: number) {
    this.leftMs = budgetSec * 1000;
  }
  async wait(what: string): Promise<Noise> {
    let n = await noise();
    if (quietNow(n) || this.leftMs <= 0) return n;
    log(`before ${what}: others are running (${n.foreignNamespaces} namespaces, ${n.foreignZebras} zebras, ${n.foreignContainers} containers, load ${n.load}); waiting up to ${Math.round(this.leftMs / 1000)} s`);
    while (this.leftMs > 0) {
      await sleep(10_000);
      this.leftMs -= 10_000;
      n = await noise();
      if (quietNow(n)) {
        log('quiet now');
        return n;
      }
    }
    log(`still busy (${n.foreignNamespaces} namespaces, ${n.foreignZebras} zebras, ${n.foreignContainers} containers): measuring anyway, noted as noise`);
    return n;
  }
}

/** Each node's network namespace inode: the netns file, or the container's init process. */
async function nodeInodes(lab: Lab, runtime: RuntimeKind): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (runtime === 'netns') {
    for (const n of lab.nodes) {
      const i = await netnsInode(nsName(lab.name, n.name));
      if (i !== undefined) out.set(n.name, i);
    }
    return out;
  }
  const { nodeContainer, containerPid } = await import('../runtime/clab/docker.js');
  for (const n of lab.nodes) {
    try {
      const c = await nodeContainer(lab.name, n.name);
      const pid = await containerPid(c.id);
      const m = /\[(\d+)\]/.exec(await readlink(`/proc/${pid}/ns/net`));
      if (m) out.set(n.name, Number(m[1]));
    } catch {
      /* not there */
    }
  }
  return out;
}

const DOCKER_COMMS = new Set(['dockerd', 'containerd', 'containerd-shim', 'containerd-shim-runc-v2']);

/** CPU seconds of Docker's own processes (daemons and per-container shims), by pid. */
async function dockerCpu(): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const p of await listProcesses()) {
    if (!DOCKER_COMMS.has(p.comm)) continue;
    const c = await cpuSeconds(p.pid);
    if (c !== undefined) out.set(p.pid, c);
  }
  return out;
}

function dockerCpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let s = 0;
  for (const [pid, c] of after) s += c - (before.get(pid) ?? 0);
  return s;
}

interface LabSpec {
  name: string;
  label: string;
  text: string;
  file: string;
  out: string;
}

async function writeLab(work: string, name: string, label: string, text: string): Promise<LabSpec> {
  const file = join(work, `${name}.yml`);
  await writeFile(file, text);
  return { name, label, text, file, out: join(work, `out-${name}`) };
}

function labOf(spec: LabSpec): Lab {
  const r = loadLabText(spec.text, spec.file);
  if (!r.lab) throw new Error(`bench lab ${spec.name} does not validate: ${r.problems.map((p) => p.message).join('; ')}`);
  return r.lab;
}

// ---------------------------------------------------------------------------
// one bring-up

async function upRun(spec: LabSpec, runtime: RuntimeKind, opts: { idleSec: number; timeoutSec: number; n: Noise }): Promise<UpSample> {
  await downLab(spec.name, runtime).catch(() => {});
  const mem0 = await memAvailableKiB();
  const j0 = await machineJiffies();
  const child0 = await childrenCpuSeconds();
  const self0 = process.cpuUsage();
  const dock0 = runtime === 'clab' ? await dockerCpu() : new Map<number, number>();
  const nb0 = await neighbourTable();
  const fulls = async () => {
    const nb1 = await neighbourTable();
    return nb0 && nb1 ? nb1.tableFulls - nb0.tableFulls : undefined;
  };
  let r: Awaited<ReturnType<typeof bringUp>>;
  try {
    r = await bringUp({ labfile: spec.file, runtime, out: spec.out, timeoutSec: opts.timeoutSec });
  } catch (e) {
    const error = errText(e);
    const neighTableFulls = await fulls();
    const t = performance.now();
    await downLab(spec.name, runtime).catch(() => {});
    return { ok: false, error, neighTableFulls, downMs: Math.round(performance.now() - t), noise: opts.n };
  }
  const self1 = process.cpuUsage(self0);
  const child1 = await childrenCpuSeconds();
  const j1 = await machineJiffies();
  const dock1 = runtime === 'clab' ? await dockerCpu() : new Map<number, number>();
  const ph = new Map(r.timings.map((t) => [t.key, t.ms]));
  const s: UpSample = {
    ok: true,
    validateMs: ph.get('validate'),
    generateMs: ph.get('generate'),
    deployMs: ph.get('deploy'),
    sessionsMs: ph.get('sessions'),
    routesMs: ph.get('routes'),
    upMs: r.timings.reduce((a, t) => a + t.ms, 0),
    cpuBgplabSec: (self1.user + self1.system) / 1e6,
    cpuChildrenSec: child1 - child0,
    machineBusyPct: j1.total > j0.total ? (100 * (j1.busy - j0.busy)) / (j1.total - j0.total) : undefined,
    neighTableFulls: await fulls(),
    noise: opts.n,
  };
  if (runtime === 'clab') s.cpuDockerSec = dockerCpuDelta(dock0, dock1);
  try {
    const per = await frrDaemonsByNode(await nodeInodes(r.lab, runtime));
    const pids = per.flatMap((p) => p.pids);
    s.cpuDaemonsUpSec = await cpuOf(pids);
    const c0 = s.cpuDaemonsUpSec;
    const t0 = performance.now();
    await sleep(opts.idleSec * 1000);
    const c1 = await cpuOf(pids);
    s.idleCpuPct = (100 * (c1 - c0)) / ((performance.now() - t0) / 1000);
    const fp = await footprint(per);
    s.daemons = fp.daemons;
    s.rssKiBPerNode = median(fp.rssKiBPerNode);
    s.rssKiBPerNodeMax = Math.max(...fp.rssKiBPerNode);
    s.pssKiBPerNode = median(fp.pssKiBPerNode);
    s.hostKiBPerNode = (mem0 - (await memAvailableKiB())) / r.lab.nodes.length;
  } catch (e) {
    s.error = `footprint: ${errText(e)}`;
  }
  const t = performance.now();
  try {
    await downLab(spec.name, runtime);
    s.downMs = Math.round(performance.now() - t);
  } catch (e) {
    s.ok = false;
    s.error = `down: ${errText(e)}`;
  }
  return s;
}

const SUMMARY_KEYS = [
  'validateMs',
  'generateMs',
  'deployMs',
  'sessionsMs',
  'routesMs',
  'upMs',
  'downMs',
  'rssKiBPerNode',
  'rssKiBPerNodeMax',
  'pssKiBPerNode',
  'hostKiBPerNode',
  'cpuDaemonsUpSec',
  'cpuBgplabSec',
  'cpuChildrenSec',
  'cpuDockerSec',
  'idleCpuPct',
  'machineBusyPct',
] as const;

function summarizeSamples(samples: UpSample[]): Record<string, Summary | undefined> {
  const ok = samples.filter((s) => s.ok);
  const out: Record<string, Summary | undefined> = {};
  for (const k of SUMMARY_KEYS) out[k] = summarize(ok.map((s) => s[k]));
  return out;
}

async function sizeRuns(
  spec: LabSpec,
  runtime: RuntimeKind,
  runs: number,
  o: { idleSec: number; timeoutSec: number; gate: QuietGate; stopOnFailure: boolean },
): Promise<SizeResult> {
  const lab = labOf(spec);
  const res: SizeResult = {
    label: spec.label,
    nodes: lab.nodes.length,
    links: lab.links.length,
    sessions: lab.sessions.length / 2,
    runtime,
    samples: [],
    summary: {},
  };
  for (let i = 0; i < runs && !interrupted; i++) {
    const n = await o.gate.wait(`${spec.label} on ${runtime} run ${i + 1}`);
    log(`${spec.label} (${res.nodes} nodes) on ${runtime}: run ${i + 1}/${runs}`);
    const s = await upRun(spec, runtime, { idleSec: o.idleSec, timeoutSec: o.timeoutSec, n });
    res.samples.push(s);
    log(
      s.ok
        ? `  up ${s.upMs} ms (deploy ${s.deployMs}, sessions ${s.sessionsMs}, routes ${s.routesMs}), down ${s.downMs} ms, ${((s.rssKiBPerNode ?? 0) / 1024).toFixed(1)} MiB RSS/node, idle ${s.idleCpuPct?.toFixed(1)} % CPU`
        : `  FAILED: ${s.error}`,
    );
    if (!s.ok && o.stopOnFailure) break;
  }
  res.summary = summarizeSamples(res.samples);
  return res;
}

// ---------------------------------------------------------------------------
// baselines

/** Bare `ip -batch` namespaces + veth pairs of the same shape: the floor under any deploy. */
async function bareBaseline(lab: Lab, runs: number): Promise<BaselineResult> {
  const idx = new Map(lab.nodes.map((n, i) => [n.name, i]));
  const ns = (node: string) => `${PREFIX}bare-${idx.get(node)}`;
  const create: number[] = [];
  const del: number[] = [];
  for (let r = 0; r < runs; r++) {
    const count = new Map<string, number>();
    const ifn = (node: string) => {
      const k = (count.get(node) ?? 0) + 1;
      count.set(node, k);
      return `e${k}`;
    };
    const t0 = performance.now();
    await run('ip', ['-batch', '-'], { input: lab.nodes.map((n) => `netns add ${ns(n.name)}`).join('\n') + '\n' });
    await run('ip', ['-batch', '-'], {
      input: lab.links.map((l) => `link add ${ifn(l.a.node)} netns ${ns(l.a.node)} type veth peer name ${ifn(l.b.node)} netns ${ns(l.b.node)}`).join('\n') + '\n',
    });
    create.push(performance.now() - t0);
    const t1 = performance.now();
    await run('ip', ['-force', '-batch', '-'], { input: lab.nodes.map((n) => `netns del ${ns(n.name)}`).join('\n') + '\n', check: false });
    del.push(performance.now() - t1);
  }
  return { nodes: lab.nodes.length, links: lab.links.length, createMs: summarize(create), deleteMs: summarize(del) };
}

/** `bgplab up` and `bgplab down` as the user runs them: separate processes, wall clock. */
async function cliRuns(spec: LabSpec, runs: number): Promise<CliResult> {
  const up: number[] = [];
  const down: number[] = [];
  const errors: string[] = [];
  const exec = (args: string[]) =>
    new Promise<{ code: number; ms: number; err: string }>((res) => {
      const t0 = performance.now();
      const p = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, BGPLAB_QUIET: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      p.stderr.on('data', (d: Buffer) => (err += d.toString()));
      p.on('close', (code) => res({ code: code ?? 1, ms: performance.now() - t0, err }));
    });
  for (let i = 0; i < runs; i++) {
    await downLab(spec.name, 'netns').catch(() => {});
    log(`bgplab up ${spec.label} (CLI): run ${i + 1}/${runs}`);
    const u = await exec(['up', spec.file, '--runtime', 'netns', '-o', spec.out, '--timeout', '60']);
    if (u.code !== 0) {
      errors.push(`up: exit ${u.code}: ${u.err.trim().split('\n').slice(0, 2).join(' ')}`);
      await downLab(spec.name, 'netns').catch(() => {});
      continue;
    }
    up.push(u.ms);
    const d = await exec(['down', spec.name, '--runtime', 'netns']);
    if (d.code !== 0) errors.push(`down: exit ${d.code}: ${d.err.trim().split('\n')[0]}`);
    else down.push(d.ms);
    log(`  ${Math.round(u.ms)} ms up, ${Math.round(d.ms)} ms down`);
  }
  return { upMs: summarize(up), downMs: summarize(down), errors };
}

// ---------------------------------------------------------------------------
// failover

interface FailoverPlan {
  variant: BfdVariant;
  bfdLabel: string;
  kinds: FailoverScenario['kind'][];
}

const FAILOVER_PLANS: FailoverPlan[] = [
  { variant: { kind: 'off' }, bfdLabel: 'off', kinds: ['link-down', 'node-down', 'link-cut'] },
  { variant: { kind: 'default' }, bfdLabel: '300 ms × 3', kinds: ['link-cut'] },
  { variant: { kind: 'timers', intervalMs: 100, multiplier: 3 }, bfdLabel: '100 ms × 3', kinds: ['link-cut'] },
];

async function failoverSuite(baseText: string, work: string, o: BenchOptions, gate: QuietGate, frr: FrrVersion): Promise<FailoverResult[]> {
  const out: FailoverResult[] = [];
  const tag = frr === '10' ? '10' : '';
  for (const [i, plan] of FAILOVER_PLANS.entries()) {
    if (interrupted) break;
    const name = `${PREFIX}fo${tag}${i}`;
    const spec = await writeLab(work, name, `failover, BFD ${plan.bfdLabel}, FRR ${frr}`, withFrrText(renameLabText(baseText, name, plan.variant), frr));
    const lab = labOf(spec);
    const all = defaultScenarios(lab);
    const scenarios = plan.kinds.flatMap((k) => all.filter((s) => s.kind === k));
    const results: FailoverResult[] = scenarios.map((s) => ({ scenario: s.name, frr, kind: s.kind, bfd: plan.bfdLabel, target: s.target, samples: [] }));
    await gate.wait(`failover (BFD ${plan.bfdLabel})`);
    log(`failover, BFD ${plan.bfdLabel}: bringing ${spec.name} up`);
    await downLab(spec.name, 'netns').catch(() => {});
    try {
      const up = await bringUp({ labfile: spec.file, runtime: 'netns', out: spec.out, timeoutSec: 120 });
      const ctx = { lab: up.lab, runtime: up.selected.runtime };
      for (const [k, s] of scenarios.entries()) {
        const runs = s.kind === 'link-cut' && plan.variant.kind === 'off' ? o.holdRuns : o.failoverRuns;
        for (let r = 0; r < runs && !interrupted; r++) {
          log(`  ${s.name} (BFD ${plan.bfdLabel}): run ${r + 1}/${runs}`);
          let cr: CheckResult | undefined;
          try {
            [cr] = await runFailover(ctx, {}, [s]);
          } catch (e) {
            results[k]!.samples.push({ status: 'error', message: errText(e) });
            continue;
          }
          if (!cr) continue;
          const m = cr.measured ?? {};
          const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
          results[k]!.thresholdMs = num(m['thresholdMs']);
          const sample: FailoverSample = {
            outageMs: num(m['outageMs']),
            sessionsDownMs: num(m['sessionsDownMs']),
            status: cr.status,
            message: cr.message,
            detection: typeof m['detection'] === 'string' ? m['detection'] : undefined,
            resetReason: Array.isArray(m['resetReason']) ? m['resetReason'].join('; ') : undefined,
          };
          results[k]!.samples.push(sample);
          log(`    ${cr.status}: outage ${sample.outageMs ?? '?'} ms, sessions down after ${sample.sessionsDownMs ?? '?'} ms`);
        }
      }
    } catch (e) {
      for (const r of results) r.error = errText(e);
      log(`  failed: ${errText(e)}`);
    } finally {
      await downLab(spec.name, 'netns').catch(() => {});
    }
    for (const r of results) {
      r.outage = summarize(r.samples.map((s) => s.outageMs));
      r.detect = summarize(r.samples.map((s) => s.sessionsDownMs));
    }
    out.push(...results);
  }
  return out;
}

// ---------------------------------------------------------------------------
// main

async function frrVersion(): Promise<string> {
  try {
    const r = await run('dpkg-query', ['-W', '-f', '${Version}', 'frr'], { check: false });
    return r.stdout.trim() || 'unknown';
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  PREFIX = o.prefix;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    process.stderr.write('bench needs root (namespaces, FRR daemons): sudo make bench\n');
    process.exit(2);
  }
  // the bench prints its own progress: bringUp is called without an event handler
  const outDir = resolve(ROOT, o.out);
  await mkdir(outDir, { recursive: true });
  const work = await mkdtemp(join(tmpdir(), 'bgplab-bench-'));
  let docker = o.clab === 'off' ? false : await dockerAnswers(3000);
  if (o.clab === 'on' && !docker) throw new Error('--clab on, but Docker does not answer');
  let clabWhyNot = docker ? '' : 'Docker does not answer (or --clab off)';
  if (docker) {
    // loaded once, now: the module then stays in memory for every run of the bench
    try {
      await loadClabRuntime();
    } catch (e) {
      docker = false;
      clabWhyNot = errText(e);
    }
  }
  const report: BenchReport = {
    version: 1,
    startedAt: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      memGiB: Math.round(totalmem() / 2 ** 30),
      kernel: (await readFile('/proc/sys/kernel/osrelease', 'utf8')).trim(),
      frr: await frrVersion(),
      node: process.version,
      docker,
    },
    options: o,
    default: [],
    failover: [],
    scale: [],
    notes: [],
  };
  const save = async () => {
    const json = JSON.stringify(report, null, 2) + '\n';
    const md = renderMarkdown(report) + renderChecksMarkdown(report.checks);
    await writeFile(join(outDir, o.quick ? 'quick-latest.json' : 'latest.json'), json);
    await writeFile(join(outDir, o.quick ? 'quick-latest.md' : 'latest.md'), md);
    return md;
  };
  const gate = new QuietGate(o.quietWaitSec);
  process.on('SIGINT', () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log('interrupted: finishing the current run, then writing what was measured (Ctrl-C again to exit now)');
  });
  try {
    // 1. the default lab, netns, then containerlab
    const baseText = await readFile(resolve(ROOT, o.lab), 'utf8');
    const def = await writeLab(work, `${PREFIX}clos`, 'default lab', renameLabText(baseText, `${PREFIX}clos`));
    const defLab = labOf(def);
    if (o.runDefault) {
      await gate.wait('the default lab');
      report.baseline = await bareBaseline(defLab, o.runs);
      log(`bare baseline: ${defLab.nodes.length} namespaces + ${defLab.links.length} veths in ${Math.round(report.baseline.createMs?.median ?? 0)} ms`);
      // both FRR versions side by side, in the same run (FRR 10: netns from the trixie rootfs, clab bgplab/frr:10)
      for (const frr of FRR_VERSIONS) {
        if (interrupted) break;
        const spec = frr === '8.4' ? def : await writeLab(work, `${PREFIX}10clos`, 'default lab', withFrrText(renameLabText(baseText, `${PREFIX}10clos`), frr));
        const tagged = (r: SizeResult): SizeResult => ({ ...r, frr, label: `${r.label}, FRR ${frr}` });
        report.default.push(tagged(await sizeRuns(spec, 'netns', o.runs, { idleSec: o.idleSec, timeoutSec: 60, gate, stopOnFailure: false })));
        if (docker && !interrupted) {
          report.default.push(tagged(await sizeRuns(spec, 'clab', o.runs, { idleSec: o.idleSec, timeoutSec: 120, gate, stopOnFailure: false })));
        }
      }
      if (!docker) report.notes.push(`containerlab runtime not measured: ${clabWhyNot}`);
      await save();
      if (o.cliRuns > 0 && !interrupted) report.cli = await cliRuns(def, o.cliRuns);
      await save();
    }

    // 2. failover
    if (o.failover) {
      for (const frr of FRR_VERSIONS) if (!interrupted) report.failover.push(...(await failoverSuite(baseText, work, o, gate, frr)));
    }
    await save();

    // 2b. the checks: a healthy `bgplab test`, false alarms, seeded faults (src/bench/checks.ts)
    if (o.checks && !interrupted) {
      await gate.wait('the checks');
      const spec = await writeLab(work, `${PREFIX}chk`, 'checks lab', renameLabText(baseText, `${PREFIX}chk`));
      report.checks = await checksBench(spec.file, `${PREFIX}chk`, { testRuns: o.quick ? 1 : 3, falseAlarmRuns: o.quick ? 2 : 10, log });
    }
    await save();

    // 3. scale: sizes until it breaks, and why
    if (o.scale) {
      const started = Date.now();
      let lastPss: number | undefined;
      /** links of the smallest fabric that broke: larger ones are skipped, sparser ones still run */
      let brokeAtLinks: number | undefined;
      for (const size of scaleSizes(Math.max(o.maxNodes, ...(o.sizes ?? [0])))) {
        if (interrupted) break;
        const n = nodesOf(size);
        const links = linksOf(size);
        const beyond = n > 400;
        if (o.sizes && !o.sizes.includes(n)) continue;
        if (brokeAtLinks !== undefined && links >= brokeAtLinks) {
          report.notes.push(`${sizeLabel(size)} (${n} nodes, ${links} links) not run: a fabric with ${brokeAtLinks} links already broke`);
          continue;
        }
        if (beyond && Date.now() - started > o.timeBudgetMin * 60_000) {
          report.notes.push(`scaling stopped before ${n} nodes: time budget of ${o.timeBudgetMin} min used`);
          break;
        }
        // never push the shared machine into the OOM killer: project memory first
        const avail = await memAvailableKiB();
        if (lastPss !== undefined && lastPss * n * 1.5 > avail * 0.8) {
          report.notes.push(
            `scaling stopped before ${n} nodes: projected ${((lastPss * n * 1.5) / 2 ** 20).toFixed(1)} GiB (PSS per node × 1.5 for kernel state) > 80 % of the ${(avail / 2 ** 20).toFixed(1)} GiB available`,
          );
          break;
        }
        // each link needs an IPv6 neighbour entry at both ends, in one table for the whole machine
        const nb = await neighbourTable();
        const need = 2 * links;
        const budget = nb ? nb.gcThresh3 - nb.entries : undefined;
        const fits = budget === undefined || need <= budget;
        const name = `${PREFIX}${n}`;
        const spec = await writeLab(work, name, sizeLabel(size), fabricLabText(name, size));
        // a fabric predicted not to fit gets one run and a shorter wait: it is there to show the break
        const timeoutSec = fits ? Math.max(120, n) : 90;
        const runs = !fits ? 1 : beyond ? o.beyondRuns : o.largeRuns;
        if (!fits) log(`${sizeLabel(size)}: needs ~${need} IPv6 neighbour entries, the kernel table has room for ${budget} (gc_thresh3 ${nb?.gcThresh3}): expected to break`);
        const r = await sizeRuns(spec, 'netns', runs, { idleSec: Math.max(o.idleSec, 10), timeoutSec, gate, stopOnFailure: true });
        if (nb) r.neighbour = { need, budget: budget!, gcThresh3: nb.gcThresh3 };
        report.scale.push(r);
        if (docker && n <= o.clabMaxNodes && fits && !interrupted) {
          report.scale.push(await sizeRuns(spec, 'clab', runs, { idleSec: Math.max(o.idleSec, 10), timeoutSec: timeoutSec * 3, gate, stopOnFailure: true }));
        }
        await save();
        lastPss = r.summary['pssKiBPerNode']?.median ?? lastPss;
        const failed = r.samples.find((s) => !s.ok);
        if (failed) {
          const why =
            (failed.neighTableFulls ?? 0) > 0
              ? /neighbour table/.test(failed.error ?? '')
                ? ` (a ${links}-link fabric needs ~${need} entries; ${nb?.entries} were in use before it)`
                : `: the kernel's IPv6 neighbour table was full ${failed.neighTableFulls} times during the run (a ${links}-link fabric needs ~${need} entries; net.ipv6.neigh.default.gc_thresh3 = ${nb?.gcThresh3} for all namespaces of the machine, ${nb?.entries} already in use; raising it is a host sysctl bgplab does not touch)`
              : '';
          r.breaks = `${failed.error}${why}`;
          report.notes.push(`breaks at ${n} nodes (${sizeLabel(size)}, ${links} links): ${r.breaks}`);
          brokeAtLinks = Math.min(brokeAtLinks ?? Infinity, links);
          if (!((failed.neighTableFulls ?? 0) > 0)) break; // something else broke: stop here
        }
      }
    }
  } finally {
    report.finishedAt = new Date().toISOString();
    const md = await save();
    await rm(work, { recursive: true, force: true });
    process.stdout.write('\n' + md);
    log(`results: ${join(o.out, o.quick ? 'quick-latest' : 'latest')}.{json,md}`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});


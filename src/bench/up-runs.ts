/**
 * One lab brought up and down through the code `bgplab up` / `down` run (bringUp, downLab), with
 * its phases, CPU (daemons, bgplab, helpers, Docker), memory per node and idle CPU; the runs of
 * one size; the floors under them (bare namespaces + veths, the CLI as a user runs it).
 */
import { spawn } from 'node:child_process';
import { readlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bringUp } from '../app/up.js';
import { downLab } from '../app/down.js';
import type { Lab } from '../lab/model.js';
import { loadLabText } from '../lab/load.js';
import { netnsInode } from '../runtime/netns/proc.js';
import { nsName } from '../runtime/netns/index.js';
import type { RuntimeKind } from '../runtime/runtime.js';
import { run } from '../util/process.js';
import { sleep } from '../util/pool.js';
import { bench, errText, log } from './context.js';
import type { QuietGate } from './noise.js';
import {
  childrenCpuSeconds,
  cpuOf,
  footprint,
  frrDaemonsByNode,
  listProcesses,
  machineJiffies,
  memAvailableKiB,
  cpuSeconds,
  neighbourTable,
} from './proc.js';
import { median, summarize, type Summary } from './stats.js';
import type { BaselineResult, CliResult, Noise, SizeResult, UpSample } from './types.js';

const CLI = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'), 'dist', 'cli.js');

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

export interface LabSpec {
  name: string;
  label: string;
  text: string;
  file: string;
  out: string;
}

export async function writeLab(work: string, name: string, label: string, text: string): Promise<LabSpec> {
  const file = join(work, `${name}.yml`);
  await writeFile(file, text);
  return { name, label, text, file, out: join(work, `out-${name}`) };
}

export function labOf(spec: LabSpec): Lab {
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

export async function sizeRuns(
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
  for (let i = 0; i < runs && !bench.interrupted; i++) {
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
export async function bareBaseline(lab: Lab, runs: number): Promise<BaselineResult> {
  const idx = new Map(lab.nodes.map((n, i) => [n.name, i]));
  const ns = (node: string) => `${bench.prefix}bare-${idx.get(node)}`;
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
export async function cliRuns(spec: LabSpec, runs: number): Promise<CliResult> {
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

import type { ChecksBench } from './checks.js';
/** Shapes of the benchmark results (bench/results/*.json). */
import type { RuntimeKind } from '../runtime/runtime.js';
import type { Summary } from './stats.js';

export interface BenchOptions {
  quick: boolean;
  /** lab names start with it (default bn) */
  prefix: string;
  lab: string;
  runs: number;
  largeRuns: number;
  beyondRuns: number;
  cliRuns: number;
  failoverRuns: number;
  holdRuns: number;
  maxNodes: number;
  scale: boolean;
  failover: boolean;
  /** the checks: healthy test time, false alarms, seeded faults (src/bench/checks.ts) */
  checks: boolean;
  runDefault: boolean;
  sizes?: number[];
  clab: 'auto' | 'on' | 'off';
  clabMaxNodes: number;
  idleSec: number;
  quietWaitSec: number;
  out: string;
  timeBudgetMin: number;
}


export interface UpSample {
  ok: boolean;
  error?: string;
  /** phases of bringUp, ms */
  validateMs?: number;
  generateMs?: number;
  deployMs?: number;
  sessionsMs?: number;
  routesMs?: number;
  /** start of bringUp to every session Established and every loopback route */
  upMs?: number;
  downMs?: number;
  /** per node, sum of its FRR daemons, KiB: converged+idle */
  rssKiBPerNode?: number;
  rssKiBPerNodeMax?: number;
  pssKiBPerNode?: number;
  /** drop of the machine's MemAvailable per node while the lab was up (kernel included; noisy) */
  hostKiBPerNode?: number;
  daemons?: number;
  /** CPU seconds during bring-up: the daemons (after they detached), bgplab itself, its children (ip, vtysh, daemon start-up), docker's daemons and shims */
  cpuDaemonsUpSec?: number;
  cpuBgplabSec?: number;
  cpuChildrenSec?: number;
  cpuDockerSec?: number;
  /** daemons' CPU at idle: percent of one core, whole lab */
  idleCpuPct?: number;
  /** how busy the machine was during bring-up (all CPUs, everybody), percent */
  machineBusyPct?: number;
  /** times the kernel's IPv6 neighbour table was full during the run */
  neighTableFulls?: number;
  noise?: Noise;
}

export interface Noise {
  foreignNamespaces: number;
  foreignZebras: number;
  foreignContainers: number;
  load: number;
}

export interface SizeResult {
  label: string;
  /** FRR version of the lab (absent in reports written before versions were compared: 8.4) */
  frr?: string;
  nodes: number;
  links: number;
  sessions: number;
  runtime: RuntimeKind;
  samples: UpSample[];
  summary: Record<string, Summary | undefined>;
  /** why this size stopped the scaling (a failure, the time budget, memory) */
  breaks?: string;
  /** IPv6 neighbour entries the fabric needs (2 per link) vs room in the machine-wide table */
  neighbour?: { need: number; budget: number; gcThresh3: number };
}

export interface FailoverSample {
  outageMs?: number;
  sessionsDownMs?: number;
  status: string;
  message: string;
  detection?: string;
  resetReason?: string;
}

export interface FailoverResult {
  scenario: string;
  /** FRR version of the lab (absent in reports written before versions were compared: 8.4) */
  frr?: string;
  kind: string;
  bfd: string;
  target: string;
  thresholdMs?: number;
  samples: FailoverSample[];
  outage?: Summary;
  detect?: Summary;
  error?: string;
}

export interface BaselineResult {
  nodes: number;
  links: number;
  createMs: Summary | undefined;
  deleteMs: Summary | undefined;
}

export interface CliResult {
  upMs?: Summary;
  downMs?: Summary;
  errors: string[];
}

export interface BenchReport {
  version: 1;
  startedAt: string;
  finishedAt?: string;
  machine: { cpus: number; memGiB: number; kernel: string; frr: string; node: string; docker: boolean };
  options: BenchOptions;
  default: SizeResult[];
  baseline?: BaselineResult;
  cli?: CliResult;
  failover: FailoverResult[];
  scale: SizeResult[];
  checks?: ChecksBench;
  notes: string[];
}


/**
 * The benchmark's markdown: bring-up/down table, failover table, targets. Pure: a
 * BenchReport in, text out. Medians everywhere; ranges where the spread matters.
 */
import type { BenchReport, FailoverResult, SizeResult } from './types.js';
import { fmtMiB, fmtMs, fmtRatio, ratio, type Summary } from './stats.js';

const med = (s: Summary | undefined) => s?.median;
const range = (s: Summary | undefined, f: (x: number) => string) => (s && s.n > 1 ? ` (${f(s.min)}–${f(s.max)})` : '');
const sec = (x: number | undefined) => (x === undefined ? '—' : `${x.toFixed(x >= 10 ? 0 : 1)} s`);
const pct = (x: number | undefined) => (x === undefined ? '—' : `${x.toFixed(1)} %`);

/**
 * Everything bring-up cost, per node: the daemons, bgplab, its helpers (ip, vtysh, the
 * daemons' start-up before they detach) and Docker's, medians summed, over the node count.
 */
export function cpuPerNode(r: SizeResult): number | undefined {
  const s = r.summary;
  const parts = ['cpuDaemonsUpSec', 'cpuBgplabSec', 'cpuChildrenSec', 'cpuDockerSec'].map((k) => med(s[k]));
  if (parts[0] === undefined || parts[2] === undefined || !r.nodes) return undefined;
  return parts.reduce<number>((a, b) => a + (b ?? 0), 0) / r.nodes;
}

function upRow(r: SizeResult): string {
  const s = r.summary;
  const ok = r.samples.filter((x) => x.ok).length;
  const gen = (med(s['validateMs']) ?? 0) + (med(s['generateMs']) ?? 0);
  const cpu = [med(s['cpuDaemonsUpSec']), med(s['cpuBgplabSec']), med(s['cpuChildrenSec'])].map(sec).join(' / ');
  const dockerCpu = r.runtime === 'clab' ? ` + docker ${sec(med(s['cpuDockerSec']))}` : '';
  const perNode = cpuPerNode(r);
  return `| ${r.label} | ${r.nodes} | ${r.links} | ${r.runtime} | ${ok}/${r.samples.length} | ${ok ? fmtMs(gen) : '—'} | ${fmtMs(med(s['deployMs']))} | ${fmtMs(med(s['sessionsMs']))} | ${fmtMs(med(s['routesMs']))} | **${fmtMs(med(s['upMs']))}**${range(s['upMs'], fmtMs)} | ${fmtMs(med(s['downMs']))} | ${fmtMiB(med(s['rssKiBPerNode']))} / ${fmtMiB(med(s['pssKiBPerNode']))} | ${cpu}${dockerCpu} | ${perNode === undefined ? '—' : `**${perNode.toFixed(2)}**`} | ${pct(med(s['idleCpuPct']))} |`;
}

function failoverRow(f: FailoverResult): string {
  const ok = f.samples.filter((s) => s.status === 'pass').length;
  const det = [...new Set(f.samples.map((s) => s.detection).filter(Boolean))].join(', ') || '—';
  const outage = f.outage ? `**${fmtMs(f.outage.median)}**${range(f.outage, fmtMs)}` : f.error ? `failed: ${f.error.slice(0, 80)}` : '—';
  return `| ${f.scenario} | ${f.frr ?? '8.4'} | ${f.bfd} | ${det} | ${f.samples.length} | ${outage} | ${fmtMs(med(f.detect))} | ${ok}/${f.samples.length} |`;
}

export interface TargetRow {
  target: string;
  measured: string;
  met: boolean | undefined;
}

/** The issue's targets, judged against this run's medians. */
export function targets(r: BenchReport): TargetRow[] {
  const rows: TargetRow[] = [];
  const defNetns = r.default.find((d) => d.runtime === 'netns');
  const up = med(defNetns?.summary['upMs']);
  rows.push({ target: 'default lab up and converged (netns) ≤ 3 s', measured: fmtMs(up), met: up === undefined ? undefined : up <= 3000 });
  const down = med(defNetns?.summary['downMs']);
  rows.push({ target: '`bgplab down`, default lab ≤ 1 s', measured: fmtMs(down), met: down === undefined ? undefined : down <= 1000 });
  const big = [...r.scale].filter((s) => s.runtime === 'netns' && s.samples.some((x) => x.ok)).sort((a, b) => Math.abs(a.nodes - 400) - Math.abs(b.nodes - 400))[0];
  if (big && Math.abs(big.nodes - 400) <= 50) {
    const u = med(big.summary['upMs']);
    const rss = med(big.summary['rssKiBPerNode']);
    const pss = med(big.summary['pssKiBPerNode']);
    const c = cpuPerNode(big);
    rows.push({
      target: `${big.nodes}-node fabric (${big.label}) up ≤ 60 s`,
      measured: `${fmtMs(u)}${c === undefined ? '' : ` (${c.toFixed(2)} CPU-s per node)`}`,
      met: u === undefined ? undefined : u <= 60_000,
    });
    rows.push({
      target: `${big.nodes}-node fabric ≤ 25 MiB per node (RSS of the FRR daemons)`,
      measured: `${fmtMiB(rss)} RSS (${fmtMiB(pss)} PSS)`,
      met: rss === undefined ? undefined : rss <= 25 * 1024,
    });
  } else {
    rows.push({ target: '400-node fabric up ≤ 60 s, ≤ 25 MiB per node', measured: 'not measured', met: undefined });
  }
  const linkDown = r.failover.filter((f) => f.kind === 'link-down' && f.outage);
  if (linkDown.length) {
    const worst = Math.max(...linkDown.map((f) => f.outage!.median));
    rows.push({ target: 'link-down outage ≤ 50 ms', measured: linkDown.map((f) => `${f.scenario.replace(/ down .*/, '')} ${fmtMs(f.outage!.median)}`).join(', '), met: worst <= 50 });
  }
  const bfdDefault = r.failover.find((f) => f.kind === 'link-cut' && f.bfd.startsWith('300') && f.outage);
  if (bfdDefault) rows.push({ target: 'cut with default BFD (300 ms × 3) ≤ 1 s', measured: fmtMs(bfdDefault.outage!.median), met: bfdDefault.outage!.median <= 1000 });
  const bfdTight = r.failover.find((f) => f.kind === 'link-cut' && f.bfd.startsWith('100') && f.outage);
  if (bfdTight) {
    // "proportionally less": the 1 s budget scaled by the detection time, 300 ms × 3 → 100 ms × 3
    rows.push({ target: 'cut with BFD 100 ms × 3 ≤ 1 s × 300/900 ≈ 333 ms', measured: fmtMs(bfdTight.outage!.median), met: bfdTight.outage!.median <= 1000 / 3 });
  }
  return rows;
}

export function renderMarkdown(r: BenchReport): string {
  const m = r.machine;
  const L: string[] = [];
  L.push(`## bgplab bench, ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC`);
  L.push('');
  L.push(`${m.cpus} CPUs, ${m.memGiB} GiB, kernel ${m.kernel}, FRR ${m.frr}, Node ${m.node}${m.docker ? ', Docker' : ''}. Medians (min–max) of the runs shown.`);
  L.push('');
  const sizes = [...r.default, ...r.scale];
  if (sizes.length) {
    L.push('### Up and down');
    L.push('');
    L.push('| lab | nodes | links | runtime | runs ok | validate+generate | deploy | sessions | routes | **up** | down | RSS / PSS per node | CPU during up: daemons / bgplab / helpers | **CPU-s per node** | idle CPU (lab) |');
    L.push('|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const s of sizes) L.push(upRow(s));
    L.push('');
    L.push('*up*: start of `bringUp` (what `bgplab up` runs) until every session is Established and every node has every loopback route the model predicts. *sessions*, *routes*: measured after deploy. RSS/PSS: the FRR daemons of one node, converged and idle. *helpers*: `ip`, `vtysh` and the daemons\' start-up before they detach (children of bgplab).');
    L.push('');
  }
  const lines: string[] = [];
  const netns = r.default.find((d) => d.runtime === 'netns');
  const clab = r.default.find((d) => d.runtime === 'clab');
  if (netns && clab) {
    lines.push(
      `- containerlab vs netns, default lab: up ${fmtRatio(ratio(med(clab.summary['upMs']), med(netns.summary['upMs'])))} slower, down ${fmtRatio(ratio(med(clab.summary['downMs']), med(netns.summary['downMs'])))}, deploy ${fmtRatio(ratio(med(clab.summary['deployMs']), med(netns.summary['deployMs'])))}, memory per node (PSS) ${fmtRatio(ratio(med(clab.summary['pssKiBPerNode']), med(netns.summary['pssKiBPerNode'])))}`,
    );
  }
  if (r.baseline && netns) {
    lines.push(
      `- bare baseline: \`ip -batch\` of ${r.baseline.nodes} namespaces + ${r.baseline.links} veth pairs takes ${fmtMs(med(r.baseline.createMs))} (deleting them ${fmtMs(med(r.baseline.deleteMs))}); the netns deploy is ${fmtRatio(ratio(med(netns.summary['deployMs']), med(r.baseline.createMs)))} that, the whole up ${fmtRatio(ratio(med(netns.summary['upMs']), med(r.baseline.createMs)))}`,
    );
  }
  if (r.cli) {
    lines.push(
      `- as a user runs them (separate processes, Node start-up included): \`bgplab up\` ${fmtMs(med(r.cli.upMs))}, \`bgplab down\` ${fmtMs(med(r.cli.downMs))}${r.cli.errors.length ? `; errors: ${r.cli.errors.join('; ')}` : ''}`,
    );
  }
  for (const s of sizes) {
    const bad = s.samples.filter((x) => !x.ok);
    // a size that broke the scaling is explained once, in the notes
    if (bad.length && !s.breaks) lines.push(`- ${s.label} on ${s.runtime}: ${bad.length} run(s) failed: ${bad[0]!.error}`);
  }
  const noisy = sizes.flatMap((s) => s.samples).filter((x) => x.noise && (x.noise.foreignZebras > 0 || x.noise.foreignContainers > 0));
  if (noisy.length) lines.push(`- noise: ${noisy.length} run(s) shared the machine with other labs (up to ${Math.max(...noisy.map((x) => x.noise!.foreignZebras))} foreign zebras, ${Math.max(...noisy.map((x) => x.noise!.foreignContainers))} containers)`);
  for (const n of r.notes) lines.push(`- ${n}`);
  if (lines.length) {
    L.push(...lines);
    L.push('');
  }
  if (r.failover.length) {
    L.push('### Failover outage (netns, default lab, the failover check\'s probe)');
    L.push('');
    L.push('| scenario | FRR | BFD | detected by | runs | outage | sessions down after | check passed |');
    L.push('|---|---|---|---|---:|---:|---:|---:|');
    for (const f of r.failover) L.push(failoverRow(f));
    L.push('');
    L.push('*outage*: the longest gap of any probe flow that crossed the failed element (16 flows each way, one datagram per 5 ms per flow).');
    L.push('');
  }
  const t = targets(r);
  L.push('### Targets');
  L.push('');
  L.push('| target | measured (median) | met |');
  L.push('|---|---|---|');
  for (const x of t) L.push(`| ${x.target} | ${x.measured} | ${x.met === undefined ? '—' : x.met ? 'yes' : '**no**'} |`);
  L.push('');
  return L.join('\n');
}

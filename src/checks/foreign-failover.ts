/**
 * Failover on a containerlab lab bgplab did not write: the side file's scenarios
 * (`checks.failover`: kind, target, max_outage_ms, the lab file's form). Per scenario: the
 * traffic probe (probe.ts) between every pair of hosts (or, with fewer than two hosts, of
 * router loopbacks), the fault injected and recorded (src/faults), the longest outage any
 * flow saw, the fault healed and the lab back to what its configs say (observe/foreign.ts)
 * before the next scenario. There is no path prediction for a lab bgplab did not plan:
 * flows the fault did not touch simply show no outage.
 */
import type { ForeignLab } from '../clab/foreign.js';
import { parseElement } from '../faults/element.js';
import { healAll, injectFault, type Fault } from '../faults/index.js';
import type { FailoverKind, FailoverScenario } from '../lab/model.js';
import { waitForeign, stuckLines } from '../observe/foreign.js';
import { errorText } from '../util/errors.js';
import { sleep } from '../util/pool.js';
import { scenarioFault } from './failover.js';
import { maxOutageMs, nowUs, startProbe, type ProbeEnd, type ProbeResult } from './probe.js';
import type { CheckContext, CheckResult } from './types.js';

/**
 * Default maximum outage per kind when the side file gives none. link-down: carrier loss is
 * seen at once by ospfd and bgpd (fast-external-failover), so routing reconverges in well
 * under a second on these labs; a cut keeps carrier and is only seen by the dead / hold
 * timer (OSPF 40 s, BGP traditional 180 s): give max_outage_ms for those.
 */
const DEFAULT_MAX: Record<FailoverKind, number> = { 'link-down': 3000, 'node-down': 3000, 'link-cut': 45_000 };
/** probing before the fault (failover.ts measured 0.5 s too short on a loaded machine) */
const WARMUP_MS = 800;
/** after the allowed outage, how long the probe goes on to see every flow back */
const TAIL_MS = 2000;

/** Who probes whom: every pair of hosts; with fewer than two hosts, routers' loopbacks. */
export function probePairs(lab: ForeignLab): [ProbeEnd, ProbeEnd][] {
  const hosts = lab.nodes.filter((n) => !n.router && n.addresses.some((a) => !a.includes(':')));
  const ends: ProbeEnd[] = hosts.length >= 2
    ? hosts.map((h) => ({ node: h.name, address: h.addresses.find((a) => !a.includes(':'))! }))
    : lab.nodes.flatMap((n) => (n.loopbacks.find((a) => !a.includes(':')) ? [{ node: n.name, address: n.loopbacks.find((a) => !a.includes(':'))! }] : []));
  const pairs: [ProbeEnd, ProbeEnd][] = [];
  for (let i = 0; i < ends.length; i++) for (let j = i + 1; j < ends.length; j++) pairs.push([ends[i]!, ends[j]!]);
  return pairs.slice(0, 6);
}

export async function foreignScenario(ctx: CheckContext, lab: ForeignLab, s: FailoverScenario): Promise<CheckResult> {
  const t0 = Date.now();
  const name = `${s.name}: ${s.kind} ${s.target}`;
  const res = (status: CheckResult['status'], message: string, measured?: CheckResult['measured']): CheckResult => ({
    check: 'failover',
    name,
    status,
    message,
    ...(measured ? { measured } : {}),
    subject: { nodes: [s.target.split(/[:-]/)[0]!] },
    durationMs: Date.now() - t0,
  });
  const pairs = probePairs(lab);
  if (!pairs.length) return res('fail', 'no two hosts or router loopbacks to send traffic between');
  const target = parseElement(ctx.lab, s.target);
  const fault = scenarioFault(s.kind, target.kind === 'link' ? { ...target, parallel: false } : target);
  const max = s.maxOutageMs ?? DEFAULT_MAX[s.kind];
  const probes = await Promise.all(
    pairs.map(([a, b], i) => startProbe(ctx.runtime, lab.name, a, b, { flows: 4, intervalMs: 10, maxMs: max + WARMUP_MS + TAIL_MS + 30_000, port: 47_000 + i, sportBase: 40_000 + 16 * i })),
  );
  let injected: Fault | undefined;
  let eventUs = 0;
  let measured: (ProbeResult | Error)[] = [];
  try {
    await sleep(WARMUP_MS, ctx.signal);
    eventUs = nowUs();
    injected = await injectFault(ctx.runtime, lab.name, fault);
    await sleep(max + TAIL_MS, ctx.signal);
  } finally {
    measured = await Promise.all(probes.map((p) => p.stop().catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))))));
    if (injected) await healAll(ctx.runtime, lab.name, (f) => f.since === injected!.since);
  }
  const settle = await waitForeign(ctx.runtime, lab, 120_000, { ...(ctx.signal ? { signal: ctx.signal } : {}) });
  const failed = measured.find((r): r is Error => r instanceof Error);
  if (failed) return res('fail', `probe failed: ${errorText(failed)}`);
  const flows = measured.flatMap((r) => (r instanceof Error ? [] : r.directions.flatMap((d) => d.flows.map((f) => ({ d, f })))));
  const worst = Math.max(0, ...flows.map(({ f }) => maxOutageMs(f, eventUs)));
  const open = flows.filter(({ f }) => f.outages.some((o) => o.open && o.toUs > eventUs));
  const hit = flows.filter(({ f }) => maxOutageMs(f, eventUs) > 0).length;
  const m = { outageMs: worst, maxOutageMs: max, flowsHit: `${hit}/${flows.length}`, settleMs: settle.elapsedMs };
  if (open.length) return res('fail', `${open.length} flow(s) had not recovered ${(max + TAIL_MS) / 1000} s after the fault (${[...new Set(open.map(({ d }) => `${d.from}→${d.to}`))].join(', ')})`, m);
  if (!settle.ok) return res('fail', `the lab did not come back after the heal: ${stuckLines(settle.last).slice(0, 3).join('; ')}`, m);
  return res(worst <= max ? 'pass' : 'fail', `longest outage ${Math.round(worst)} ms (max ${max} ms), ${hit}/${flows.length} flows hit; back ${settle.elapsedMs} ms after the heal`, m);
}

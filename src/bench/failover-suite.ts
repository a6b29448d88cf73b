/** The failover scenarios measured with the failover check's own probe, per BFD setting and FRR version. */
import { bringUp } from '../app/up.js';
import { downLab } from '../app/down.js';
import { defaultScenarios, runFailover } from '../checks/failover.js';
import type { CheckResult } from '../checks/types.js';
import type { FailoverScenario, FrrVersion } from '../lab/model.js';
import { bench, errText, log } from './context.js';
import { renameLabText, withFrrText, type BfdVariant } from './labs.js';
import type { QuietGate } from './noise.js';
import { summarize } from './stats.js';
import type { BenchOptions, FailoverResult, FailoverSample } from './types.js';
import { labOf, writeLab } from './up-runs.js';

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

export async function failoverSuite(baseText: string, work: string, o: BenchOptions, gate: QuietGate, frr: FrrVersion): Promise<FailoverResult[]> {
  const out: FailoverResult[] = [];
  const tag = frr === '10' ? '10' : '';
  for (const [i, plan] of FAILOVER_PLANS.entries()) {
    if (bench.interrupted) break;
    const name = `${bench.prefix}fo${tag}${i}`;
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
        for (let r = 0; r < runs && !bench.interrupted; r++) {
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

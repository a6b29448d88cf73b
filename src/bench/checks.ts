/**
 * The checks, measured: a healthy `bgplab test` of the default lab (the time of each check,
 * so the time can be seen where it goes), the false alarms of `bgplab check` run again and
 * again on a healthy lab, and `bgplab check` under each seeded single fault (time, failures,
 * root causes, whether the first line names the faulty node). netns runtime.
 */
import { checkLab } from '../app/check.js';
import { downLab } from '../app/down.js';
import { testLab } from '../app/test.js';
import { bringUp } from '../app/up.js';
import { NetnsRuntime } from '../runtime/netns/index.js';
import { SEEDED_FAULTS } from './seeded-faults.js';
import { summarize, type Summary } from './stats.js';

export interface ChecksBench {
  /** perScenarioMs: each failover scenario's own time (scenarios may run at the same time: they overlap) */
  test: { runs: number; passed: number; totalMs?: Summary; perCheckMs: Record<string, Summary | undefined>; perScenarioMs?: Record<string, Summary | undefined> };
  falseAlarms: { runs: number; checkRuns: number; failures: number; examples: string[] };
  faults: { name: string; node: string; checkMs: number; failures: number; causes: number; named: boolean; firstLine: string }[];
}

const CHECKS_NO_FAILOVER = ['sessions', 'routes', 'traceroute', 'transit'];

export async function checksBench(labfile: string, name: string, o: { testRuns: number; falseAlarmRuns: number; log: (m: string) => void }): Promise<ChecksBench> {
  const rt = new NetnsRuntime();
  const out: ChecksBench = { test: { runs: 0, passed: 0, perCheckMs: {} }, falseAlarms: { runs: 0, checkRuns: 0, failures: 0, examples: [] }, faults: [] };
  // 1. healthy `bgplab test`, every check, failover included
  const totals: number[] = [];
  const per = new Map<string, number[]>();
  const perScenario = new Map<string, number[]>();
  for (let i = 0; i < o.testRuns; i++) {
    await downLab(name, 'netns').catch(() => {});
    const t0 = Date.now();
    const r = await testLab({ labfile, runtime: 'netns', keep: false, timeoutSec: 90 });
    totals.push(Date.now() - t0);
    out.test.runs++;
    if (r.report.passed) out.test.passed++;
    for (const c of r.report.checks) per.set(c.id, [...(per.get(c.id) ?? []), c.durationMs]);
    for (const x of r.report.checks.find((c) => c.id === 'failover')?.results ?? []) perScenario.set(x.name, [...(perScenario.get(x.name) ?? []), x.durationMs]);
    o.log(`bgplab test run ${i + 1}: ${Date.now() - t0} ms, ${r.report.passed ? 'passed' : 'FAILED'} (${r.report.checks.map((c) => `${c.id} ${c.durationMs} ms`).join(', ')})`);
  }
  out.test.totalMs = summarize(totals);
  for (const [k, v] of per) out.test.perCheckMs[k] = summarize(v);
  out.test.perScenarioMs = {};
  for (const [k, v] of perScenario) out.test.perScenarioMs[k] = summarize(v);

  // 2. false alarms: the checks again and again on one healthy lab
  const up = await bringUp({ labfile, runtime: 'netns', timeoutSec: 90 });
  try {
    for (let i = 0; i < o.falseAlarmRuns; i++) {
      const rep = await checkLab(up.lab, rt, CHECKS_NO_FAILOVER);
      out.falseAlarms.checkRuns++;
      const bad = rep.checks.flatMap((c) => c.results).filter((r) => r.status === 'fail');
      out.falseAlarms.failures += bad.length;
      out.falseAlarms.examples.push(...bad.slice(0, 2).map((r) => `${r.check}: ${r.name}: ${r.message}`.slice(0, 200)));
    }
    out.falseAlarms.runs = o.falseAlarmRuns;
    o.log(`false alarms: ${out.falseAlarms.failures} failing rows over ${out.falseAlarms.checkRuns} healthy check runs`);
  } finally {
    await downLab(up.lab.name, 'netns');
  }

  // 3. one seeded fault at a time, each on a fresh lab
  for (const f of SEEDED_FAULTS) {
    const u = await bringUp({ labfile, runtime: 'netns', timeoutSec: 90 });
    try {
      await f.seed(rt, u.lab.name);
      await new Promise((r) => setTimeout(r, 2000));
      const t0 = Date.now();
      const rep = await checkLab(u.lab, rt, CHECKS_NO_FAILOVER);
      const first = rep.causes?.[0];
      const firstLine = first ? `${first.summary} | ${first.roots[0]?.name ?? ''}` : '(no failure)';
      out.faults.push({ name: f.name, node: f.node, checkMs: Date.now() - t0, failures: rep.counts.fail, causes: rep.causes?.length ?? 0, named: firstLine.includes(f.node), firstLine: firstLine.slice(0, 200) });
      o.log(`fault "${f.name}": check ${Date.now() - t0} ms, ${rep.counts.fail} failures, ${rep.causes?.length ?? 0} root cause(s)`);
    } finally {
      await downLab(u.lab.name, 'netns');
    }
  }
  return out;
}

const s = (x?: Summary) => (x ? `${(x.median / 1000).toFixed(1)} s (${(x.min / 1000).toFixed(1)}–${(x.max / 1000).toFixed(1)}, n=${x.n})` : '-');

export function renderChecksMarkdown(c: ChecksBench | undefined): string {
  if (!c) return '';
  const lines = [
    '## Checks',
    '',
    `Healthy \`bgplab test\` of the default lab (netns, every check, failover included): median ${s(c.test.totalMs)}, ${c.test.passed}/${c.test.runs} passed (target ≤ 35 s).`,
    '',
    '| check | median time |',
    '|---|---|',
    ...Object.entries(c.test.perCheckMs).map(([k, v]) => `| ${k} | ${s(v)} |`),
    ...Object.entries(c.test.perScenarioMs ?? {}).map(([k, v]) => `| failover: ${k} (overlapping) | ${s(v)} |`),
    '',
    `False alarms: ${c.falseAlarms.failures} failing rows over ${c.falseAlarms.checkRuns} runs of \`bgplab check\` (no failover) on a healthy lab${c.falseAlarms.examples.length ? `: ${c.falseAlarms.examples.join('; ')}` : ''}.`,
    '',
    '| seeded fault | check time | failures | root causes | names the node | first line |',
    '|---|---|---|---|---|---|',
    ...c.faults.map((f) => `| ${f.name} | ${(f.checkMs / 1000).toFixed(1)} s | ${f.failures} | ${f.causes} | ${f.named ? `yes (${f.node})` : `**no** (${f.node})`} | ${f.firstLine.replace(/\|/g, '/')} |`),
    '',
  ];
  return lines.join('\n');
}

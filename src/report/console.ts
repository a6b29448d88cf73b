/**
 * The readable report: one block per check, one row per result with status, name, the
 * measured numbers and (for failures) the message naming the node/link at fault; then a
 * summary line. Returns text so the CLI prints it and tests read it.
 */
import chalk from 'chalk';
import type { CheckRun, RunReport } from '../checks/runner.js';
import { countByCheck } from '../checks/diagnose.js';
import type { CheckResult } from '../checks/types.js';

const MARK: Record<CheckResult['status'], string> = {
  pass: chalk.green('PASS'),
  fail: chalk.red('FAIL'),
  skip: chalk.yellow('SKIP'),
};

/** Compact rendering of measured numbers: arrays longer than 4 items show their count. */
export function compactMeasured(m: CheckResult['measured']): string {
  if (!m) return '';
  return Object.entries(m)
    .map(([k, v]) => {
      if (Array.isArray(v)) return v.length <= 4 ? `${k}=[${v.join(', ')}]` : `${k}=${v.length} items`;
      return `${k}=${v}`;
    })
    .join(' ');
}

const ms = (n: number) => (n >= 10000 ? `${(n / 1000).toFixed(1)}s` : `${n}ms`);

/** Visible width (ANSI escapes excluded), for column padding. */
// eslint-disable-next-line no-control-regex
const width = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '').length;
const pad = (s: string, w: number) => s + ' '.repeat(Math.max(0, w - width(s)));

/** The one line a check gets while the run goes on (its rows come with the causes, or with --verbose). */
export function formatCheckHead(run: CheckRun): string {
  return formatCheckRun(run, { headOnly: true });
}

export function formatCheckRun(run: CheckRun, opts: { verbose?: boolean; headOnly?: boolean } = {}): string {
  const fails = run.results.filter((r) => r.status === 'fail').length;
  const passes = run.results.filter((r) => r.status === 'pass').length;
  const skips = run.results.filter((r) => r.status === 'skip').length;
  const head = `${fails > 0 ? chalk.red('✗') : chalk.green('✓')} ${chalk.bold(run.id)} ${chalk.dim(`— ${run.description}`)} ${chalk.dim(
    `(${passes} passed${fails ? `, ${fails} failed` : ''}${skips ? `, ${skips} skipped` : ''}, ${ms(run.durationMs)})`,
  )}`;
  // Many passing rows (sessions, routes) would drown the failures: show all rows only when
  // few or verbose; otherwise failures + skips + a count of the passes.
  const showAll = opts.verbose || run.results.length <= 24;
  const rows = showAll ? run.results : run.results.filter((r) => r.status !== 'pass');
  const nameW = Math.min(48, Math.max(8, ...rows.map((r) => width(r.name))));
  const lines = [head];
  if (opts.headOnly) return head;
  for (const r of rows) {
    const measured = compactMeasured(r.measured);
    const detail = r.status === 'pass' ? chalk.dim(measured || r.message) : `${r.message}${measured ? chalk.dim(`  ${measured}`) : ''}`;
    lines.push(`  ${MARK[r.status]}  ${pad(r.name, nameW)}  ${detail}`);
  }
  if (!showAll && passes > 0) lines.push(chalk.dim(`  … ${passes} passing rows hidden (--json for all)`));
  return lines.join('\n');
}

/**
 * Root causes first: one line per independent fault, its own failing rows under it, and
 * the knock-on failures it explains counted per check (listed with verbose).
 */
export function formatCauses(report: RunReport, opts: { verbose?: boolean } = {}): string {
  const causes = report.causes ?? [];
  if (!causes.length) return '';
  const lines = [chalk.bold(causes.length === 1 ? 'Root cause:' : `Root causes (${causes.length} independent faults):`)];
  causes.forEach((c, i) => {
    lines.push(`${chalk.red(`${i + 1}.`)} ${c.summary}`);
    // the fault's own rows: a node's every session both ways is 2 x its links (16 for a 8-uplink spine)
    const shown = opts.verbose ? c.roots.length : 16;
    for (const r of c.roots.slice(0, shown)) lines.push(`     ${MARK.fail}  ${r.check}: ${r.name}  ${chalk.dim(r.message)}`);
    if (c.roots.length > shown) lines.push(chalk.dim(`     … ${c.roots.length - shown} more (--verbose)`));
    if (c.consequences.length) {
      lines.push(chalk.dim(`     + ${c.consequences.length} knock-on failure(s): ${countByCheck(c.consequences)}${opts.verbose ? '' : ' (--verbose lists them)'}`));
      if (opts.verbose) for (const r of c.consequences) lines.push(chalk.dim(`       ${r.check}: ${r.name}  ${r.message}`));
    }
  });
  return lines.join('\n');
}

export function formatSummary(report: RunReport): string {
  const c = report.counts;
  const verdict = report.passed ? chalk.green.bold('PASSED') : chalk.red.bold('FAILED');
  return `${verdict} lab ${report.lab} (${report.runtime}): ${c.pass} passed, ${c.fail} failed, ${c.skip} skipped in ${ms(report.durationMs)}`;
}

export function formatConsole(report: RunReport, opts: { verbose?: boolean } = {}): string {
  const causes = formatCauses(report, opts);
  return [...report.checks.map((r) => formatCheckRun(r, opts)), '', ...(causes ? [causes, ''] : []), formatSummary(report)].join('\n');
}

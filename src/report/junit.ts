/**
 * JUnit XML as GitHub (test reporters), GitLab (artifacts:reports:junit) and Jenkins
 * (junit step) read it: <testsuites> → one <testsuite> per check → one <testcase> per
 * result; a failed result carries <failure message="...">, a skipped one <skipped/>.
 * Measured numbers go to the testcase's <system-out> (testcase <properties> are not in
 * the common JUnit XSDs). Element order inside a testcase follows the Jenkins XSD.
 */
import { hostname } from 'node:os';
import type { RunReport } from '../checks/runner.js';
import type { CheckResult } from '../checks/types.js';

/** XML 1.0 allows only these characters; anything else (ANSI escapes, NUL) is dropped. */
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

export function escapeXml(s: string): string {
  return s
    .replace(ANSI, '')
    .replace(INVALID_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Attribute values also keep their newlines and tabs (normalised away otherwise). */
function attr(s: string): string {
  return escapeXml(s).replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

const secs = (ms: number) => (ms / 1000).toFixed(3);
/** The XSDs want an ISO 8601 date-time without zone or fraction (UTC here). */
const stamp = (iso: string) => iso.replace(/\.\d+Z$|Z$/, '');

export function formatMeasured(m: CheckResult['measured']): string[] {
  if (!m) return [];
  return Object.entries(m).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`);
}

/** "[root cause 1] " or "[knock-on of 1: <summary>] " for a failing result, from the report's causes. */
function causeTags(report: RunReport): Map<string, string> {
  const tags = new Map<string, string>();
  (report.causes ?? []).forEach((c, i) => {
    for (const r of c.roots) tags.set(`${r.check}\u0000${r.name}`, `[root cause ${i + 1}] `);
    for (const r of c.consequences) tags.set(`${r.check}\u0000${r.name}`, `[knock-on of ${i + 1}: ${c.summary}] `);
  });
  return tags;
}

export function formatJunit(report: RunReport): string {
  const tags = causeTags(report);
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const c = report.counts;
  out.push(
    `<testsuites name="${attr(`bgplab ${report.lab}`)}" tests="${c.pass + c.fail + c.skip}" failures="${c.fail}" errors="0" skipped="${c.skip}" time="${secs(report.durationMs)}" timestamp="${attr(stamp(report.startedAt))}">`,
  );
  for (const run of report.checks) {
    const fails = run.results.filter((r) => r.status === 'fail').length;
    const skips = run.results.filter((r) => r.status === 'skip').length;
    out.push(
      `  <testsuite name="${attr(run.id)}" tests="${run.results.length}" failures="${fails}" errors="0" skipped="${skips}" time="${secs(run.durationMs)}" timestamp="${attr(stamp(report.startedAt))}" hostname="${attr(hostname())}">`,
    );
    out.push(`    <properties><property name="lab" value="${attr(report.lab)}"/><property name="runtime" value="${attr(report.runtime)}"/><property name="description" value="${attr(run.description)}"/></properties>`);
    for (const r of run.results) {
      const open = `    <testcase classname="${attr(`bgplab.${report.lab}.${run.id}`)}" name="${attr(r.name)}" time="${secs(r.durationMs)}"`;
      const measured = formatMeasured(r.measured);
      const body: string[] = [];
      if (r.status === 'fail') {
        const tag = tags.get(`${run.id}\u0000${r.name}`) ?? '';
        const type = tag.startsWith('[knock-on') ? `${run.id}-knock-on` : `${run.id}-failed`;
        body.push(`      <failure message="${attr(tag + r.message)}" type="${attr(type)}">${escapeXml([tag + r.message, ...measured].join('\n'))}</failure>`);
      } else if (r.status === 'skip') {
        body.push(`      <skipped message="${attr(r.message)}"/>`);
      }
      const sysout = [r.message, ...measured].join('\n');
      if (sysout) body.push(`      <system-out>${escapeXml(sysout)}</system-out>`);
      out.push(body.length ? `${open}>` : `${open}/>`);
      if (body.length) {
        out.push(...body);
        out.push('    </testcase>');
      }
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}

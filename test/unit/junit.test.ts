import { describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/checks/runner.js';
import { escapeXml, formatJunit } from '../../src/report/junit.js';
import { parseXml } from './junit-parse.js';

const nasty = 'leaf1:eth1 <-> spine1 & "quoted" \'x\' \u001b[31mred\u001b[0m \u0001 ]]> end';

function report(): RunReport {
  return {
    lab: 'ck-unit',
    runtime: 'netns',
    startedAt: '2026-01-02T03:04:05.678Z',
    durationMs: 4321,
    passed: false,
    counts: { pass: 2, fail: 1, skip: 1 },
    checks: [
      {
        id: 'sessions',
        description: 'every expected session is Established',
        durationMs: 1000,
        results: [
          { check: 'sessions', name: 'leaf1:eth1 ↔ spine1:eth1', status: 'pass', message: 'Established, 9 prefixes', measured: { pfxRcd: 9 }, durationMs: 10 },
          { check: 'sessions', name: nasty, status: 'fail', message: `${nasty}\nsecond line`, measured: { state: 'Active', paths: ['a<b', 'c&d'] }, durationMs: 20 },
        ],
      },
      {
        id: 'failover',
        description: 'failover',
        durationMs: 3000,
        results: [
          { check: 'failover', name: 'spine1 down', status: 'pass', message: 'outage 120 ms', measured: { outageMs: 120 }, durationMs: 2500 },
          { check: 'failover', name: 'link-cut', status: 'skip', message: 'no BFD', durationMs: 0 },
        ],
      },
    ],
  };
}

describe('formatJunit', () => {
  const xml = formatJunit(report());
  const root = parseXml(xml);

  it('is well-formed XML with testsuites → testsuite per check → testcase per result', () => {
    expect(root.name).toBe('testsuites');
    expect(root.attrs).toMatchObject({ tests: '4', failures: '1', skipped: '1', errors: '0', time: '4.321' });
    expect(root.attrs.timestamp).toBe('2026-01-02T03:04:05');
    expect(root.children.map((s) => s.attrs.name)).toEqual(['sessions', 'failover']);
    const sessions = root.children[0]!;
    expect(sessions.attrs).toMatchObject({ tests: '2', failures: '1', skipped: '0' });
    const cases = sessions.children.filter((c) => c.name === 'testcase');
    expect(cases).toHaveLength(2);
    expect(cases[0]!.attrs.classname).toBe('bgplab.ck-unit.sessions');
  });

  it('escapes names and messages so they round-trip (ANSI and control characters dropped)', () => {
    const bad = root.children[0]!.children.filter((c) => c.name === 'testcase')[1]!;
    const clean = 'leaf1:eth1 <-> spine1 & "quoted" \'x\' red  ]]> end';
    expect(bad.attrs.name).toBe(clean);
    const failure = bad.children.find((c) => c.name === 'failure')!;
    expect(failure.attrs.message).toBe(`${clean}\nsecond line`);
    expect(failure.text).toContain('paths: a<b, c&d');
    expect(failure.text).toContain('state: Active');
  });

  it('marks skipped results and leaves passes without failure elements', () => {
    const fo = root.children[1]!.children.filter((c) => c.name === 'testcase');
    expect(fo[0]!.children.some((c) => c.name === 'failure')).toBe(false);
    expect(fo[1]!.children.find((c) => c.name === 'skipped')!.attrs.message).toBe('no BFD');
  });

  it('the strict parser really rejects malformed XML (so the tests above mean something)', () => {
    expect(() => parseXml('<a x="1" x="2"/>')).toThrow(/duplicate/);
    expect(() => parseXml('<a>1 < 2</a>')).toThrow();
    expect(() => parseXml('<a>fish & chips</a>')).toThrow(/entity/);
    expect(() => parseXml('<a><b></a></b>')).toThrow(/mismatched/);
    expect(() => parseXml(`<a m="${'x\u0001'}"/>`)).toThrow(/not allowed/);
  });

  it('escapeXml handles the five specials', () => {
    expect(escapeXml(`<&>"'`)).toBe('&lt;&amp;&gt;&quot;&apos;');
  });
});

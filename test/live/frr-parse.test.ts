/**
 * FRR's own parser must accept every generated frr.conf (Debian's frr, `vtysh --dryrun`).
 * Live in the sense that it runs the real FRR binary; it needs no root.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { loadLabText, formatProblem } from '../../src/lab/load.js';
import { renderLab } from '../../src/render/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'bgplab-parse-'));

async function dryrun(text: string, name: string) {
  const p = join(tmp, name);
  writeFileSync(p, text);
  const r = await execa('vtysh', ['--dryrun', '-f', p], { reject: false, all: true });
  return { code: r.exitCode, out: String(r.all ?? '') };
}

const labs = readdirSync('labs').filter((f) => f.endsWith('.yml'));
const extra = {
  'ipv6-transit-off.yml': 'name: v6\nfabric: {spines: 2, leaves: 2, servers: 2}\nloopbacks: {ipv6_pool: "fd00:0:0:1::/64"}\noptions: {transit_filters: false}\ntimers: {keepalive: 1, hold: 3}\nnodes:\n  server1: {announce: ["2001:db8:1::/64", 192.0.2.1/32]}\n',
  'ipv6-filters.yml': 'name: v6f\nfabric: {spines: 2, leaves: 2, servers: 2}\nloopbacks: {ipv6_pool: "fd00:0:0:1::/64"}\nbfd: {interval_ms: 100, multiplier: 3}\nnodes:\n  server1: {announce: ["2001:db8:1::/64"]}\n',
};

describe("FRR's parser accepts every generated frr.conf", () => {
  const sources: [string, string][] = [
    ...labs.map((f) => [f, readFileSync(`labs/${f}`, 'utf8')] as [string, string]),
    ...Object.entries(extra),
  ];
  for (const [f, text] of sources) {
    it(f, async () => {
      const r = loadLabText(text, f);
      expect(r.problems.map(formatProblem)).toEqual([]);
      for (const [rel, conf] of renderLab(r.lab!)) {
        if (!rel.endsWith('frr.conf')) continue;
        const res = await dryrun(conf, `${r.lab!.name}-${rel.replaceAll('/', '_')}`);
        expect(res, rel).toEqual({ code: 0, out: '' });
      }
    });
  }

  it('the parser check can fail: a broken line is rejected', async () => {
    const r = loadLabText(readFileSync('labs/minimal.yml', 'utf8'), 'minimal.yml');
    const conf = renderLab(r.lab!).get('nodes/leaf1/frr.conf')!.replace('neighbor FABRIC peer-group', 'neighbor FABRIC peer-grup');
    const res = await dryrun(conf, 'broken.conf');
    expect(res.code).not.toBe(0);
    expect(res.out).toMatch(/Unknown command|peer-grup/);
  });
});

/**
 * Whatever validation accepts, bgpd accepts: configs rendered from labs at the edges of what
 * the validator allows (largest ASNs, plans ending just below the reserved ones, 4-byte
 * plans, announced prefixes next to the loopbacks) and from randomly mutated shipped labs
 * that validation accepted are checked with `bgpd -C` (parse and apply the config, then
 * exit; stricter than `vtysh --dryrun`: only bgpd says "Reserved AS used" for 65535).
 * Needs Debian's frr installed; no root, no namespace, nothing left behind.
 */
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { formatProblem, loadLabText } from '../../src/lab/load.js';
import { renderLab } from '../../src/render/index.js';

const BGPD = '/usr/lib/frr/bgpd';
const tmp = mkdtempSync(join(tmpdir(), 'bgplab-bgpd-'));
chmodSync(tmp, 0o755); // bgpd reads the file as the frr user
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function bgpdCheck(conf: string, name: string): Promise<{ code: number | undefined; out: string }> {
  const p = join(tmp, `${name}.conf`);
  writeFileSync(p, conf);
  const r = await execa(BGPD, ['-C', '-f', p, '-i', join(tmp, `${name}.pid`), '-z', join(tmp, `${name}.zsock`)], { reject: false, all: true, timeout: 20_000 });
  // bgpd -C exits 0 even when a line fails: its complaints are the verdict. It knows only
  // bgpd's commands, so complaints about lines before `router bgp` (zebra's interface
  // addresses, the bfd block: see frr-parse.test.ts for vtysh's check of those) are not.
  const bgpLine = conf.split('\n').findIndex((l) => l.startsWith('router bgp')) + 1;
  const out = String(r.all ?? '')
    .split('\n')
    .filter((l) => {
      if (/Reserved AS/.test(l)) return true;
      const m = /on config line (\d+):/.exec(l);
      return m !== null && Number(m[1]) >= bgpLine;
    })
    .join('\n');
  return { code: r.exitCode, out };
}

async function allAccepted(text: string, tag: string): Promise<void> {
  const r = loadLabText(text, `${tag}.yml`);
  expect(r.problems.map(formatProblem), tag).toEqual([]);
  for (const [rel, conf] of renderLab(r.lab!)) {
    if (!rel.endsWith('frr.conf')) continue;
    const res = await bgpdCheck(conf, `${tag}-${rel.replaceAll('/', '_')}`);
    expect(res, `${tag} ${rel}`).toEqual({ code: 0, out: '' });
  }
}

describe.skipIf(!existsSync(BGPD))('bgpd accepts every config of an accepted lab', () => {
  it('the check can fail: bgpd names a reserved ASN', async () => {
    const res = await bgpdCheck('frr defaults datacenter\nrouter bgp 65535\n!\n', 'reserved');
    expect(res.out).toMatch(/Reserved AS used/);
  });

  it('the check can fail: bgpd names a broken line inside router bgp', async () => {
    const res = await bgpdCheck('frr defaults datacenter\nrouter bgp 65001\n neighbor FABRIC peer-grup\n!\n', 'broken');
    expect(res.out).toMatch(/No such command on config line 3/);
  });

  const edges: Record<string, string> = {
    'asn-max': 'name: e1\nfabric: {spines: 1, leaves: 2, servers: 1}\nasn: {spine: 4294967294, leaf: 4294967292, server: 4294967000}\n',
    'leaf-plan-below-65535': 'name: e2\nfabric: {spines: 1, leaves: 2}\nasn: {leaf: 65533}\n',
    'leaf-plan-above-as-trans': 'name: e3\nfabric: {spines: 1, leaves: 2}\nasn: {leaf: 23457, spine: 23455}\n',
    'announce-next-to-loopbacks': 'name: e4\nfabric: {spines: 1, leaves: 2, servers: 1}\nnodes:\n  server1: {announce: [10.1.0.0/16, 9.255.255.255/32, 192.0.2.0/24]}\n',
  };
  for (const [tag, text] of Object.entries(edges)) it(tag, () => allAccepted(text, tag), 60_000);

  it('mutated shipped labs that validation accepted (seeded)', async () => {
    let a = 7;
    const r = () => ((a = (a * 1103515245 + 12345) >>> 0) / 4294967296);
    const labs = readdirSync('labs').filter((f) => f.endsWith('.yml')).map((f) => readFileSync(`labs/${f}`, 'utf8'));
    const numbers = ['1', '2', '65534', '65536', '4294967294', '23457', '3', '64'];
    let checked = 0;
    for (let i = 0; i < 400 && checked < 12; i++) {
      const text = labs[Math.floor(r() * labs.length)]!.replace(/\b\d+\b/g, (m) => (r() < 0.25 ? numbers[Math.floor(r() * numbers.length)]! : m));
      const res = loadLabText(text, 'm.yml');
      if (!res.lab || res.lab.nodes.length > 40) continue;
      checked++;
      await allAccepted(text.replace(/^name: .*$/m, `name: m${checked}`), `m${checked}`);
    }
    expect(checked).toBeGreaterThan(3);
  }, 240_000);
});

/**
 * Live (root, the host's FRR 8.4 on netns, `node dist/cli.js` as a user runs it; build
 * first): the design options and the user's own FRR configuration.
 * - design: { server_asn: shared, to_servers: default } comes up and `bgplab test` passes:
 *   servers hold just the default route, over both uplinks in FRR and in the kernel, and
 *   server-to-server traceroutes show the predicted path sets;
 * - the routes check fails when a leaf sends its servers more than the default (the
 *   to-servers filter removed out of band), naming the server and the prefix;
 * - a snippet with a typo fails `bgplab validate` at the lab file's line:column with FRR's
 *   message, and `bgplab up` of it deploys nothing.
 * Lab names dz-*.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listNetns } from '../../src/runtime/netns/proc.js';
import { labStateDir } from '../../src/runtime/state.js';
import { isRoot } from './checks-helpers.js';

const CLI = ['dist/cli.js'];
const bgplab = (args: string[], timeout = 600_000) => execa('node', [...CLI, ...args], { reject: false, timeout, all: true });
const nsOf = async (lab: string) => (await listNetns()).filter((n) => n.startsWith(`clab-${lab}-`));

interface Row { check: string; name: string; status: string; message: string; measured?: Record<string, unknown> }
const rowsOf = (json: string): Row[] => (JSON.parse(json) as { checks: { results: Row[] }[] }).checks.flatMap((c) => c.results);

describe.skipIf(!isRoot)('design options and user snippets, live', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dz-design-'));
  });
  afterAll(async () => {
    for (const l of ['dz-lt-sa', 'dz-lt-flt', 'dz-lt-tr', 'dz-lt-typo']) await bgplab(['down', l], 60_000);
    await rm(dir, { recursive: true, force: true });
  }, 120_000);

  it('shared server ASN, default-only to servers: bgplab test passes; servers get the default over both uplinks; traceroutes as predicted', async () => {
    const r = await bgplab(['test', 'labs/shared-asn.yml', '--name', 'dz-lt-sa', '--runtime', 'netns', '--out', join(dir, 'sa'), '--json']);
    expect(r.exitCode, r.all).toBe(0);
    const rows = rowsOf(r.stdout);
    expect(rows.filter((x) => x.status === 'fail')).toEqual([]);
    for (const s of ['server1', 'server2', 'server3', 'server4']) {
      const d = rows.find((x) => x.check === 'routes' && x.name === `${s} → 0.0.0.0/0`)!;
      expect(d.status).toBe('pass');
      // measured in FRR's RIB and in the kernel: 2 ECMP next hops, one per leaf
      expect(d.measured).toMatchObject({ expected: 2, frr: 2, kernel: 2 });
      // and no route of its own to any other loopback (the design's filter, said why)
      const other = rows.filter((x) => x.check === 'routes' && x.name.startsWith(`${s} → 10.0.`));
      expect(other.length).toBeGreaterThan(5);
      for (const o of other) expect(o).toMatchObject({ status: 'pass', measured: { expected: 'none', frr: 0, kernel: 0 } });
    }
    const traces = rows.filter((x) => x.check === 'traceroute');
    expect(traces.length).toBeGreaterThan(0);
    const s1s3 = traces.find((x) => x.name === 'server1 → server3')!;
    expect(s1s3.status).toBe('pass');
    expect(s1s3.measured).toMatchObject({ pathsPredicted: 8, pathsSeen: 8 });
    // the session from a leaf to a server carries the one default route
    expect(rows.find((x) => x.check === 'sessions' && x.name === 'server1:eth1 → leaf1')!.measured).toMatchObject({ expected: '1', pfxRcd: 1 });
    expect(await nsOf('dz-lt-sa')).toEqual([]);
  }, 600_000);

  it('a leaf that sends servers more than the default fails the routes check, naming the server and the prefix', async () => {
    const file = join(dir, 'flt.yml');
    await writeFile(file, 'name: dz-lt-flt\nfabric: {spines: 1, leaves: 2, servers: 2}\ndesign: {server_asn: shared, to_servers: default}\n');
    const up = await bgplab(['up', file, '--runtime', 'netns', '--out', join(dir, 'flt')], 180_000);
    expect(up.exitCode, up.all).toBe(0);
    const ok = await bgplab(['check', 'dz-lt-flt', '--only', 'sessions,routes', '--json'], 180_000);
    expect(ok.exitCode, ok.all).toBe(0);
    // the fault: leaf1 drops its to-servers filter (every route now reaches its servers)
    const v = await bgplab(['vtysh', '--lab', 'dz-lt-flt', 'leaf1', '-c', 'configure terminal\nrouter bgp 65101\naddress-family ipv4 unicast\nno neighbor SERVERS route-map TO-SERVERS out\nend\nclear bgp ipv4 unicast * soft out'], 60_000);
    expect(v.exitCode, v.all).toBe(0);
    const bad = await bgplab(['check', 'dz-lt-flt', '--only', 'routes', '--json'], 180_000);
    expect(bad.exitCode).toBe(1);
    const fails = rowsOf(bad.stdout).filter((x) => x.status === 'fail');
    expect(fails.some((x) => x.name === 'server1 → 10.0.1.1/32' && /no route expected \(design\.to_servers: default/.test(x.message))).toBe(true);
    await bgplab(['down', 'dz-lt-flt'], 60_000);
  }, 600_000);

  it('one ASN for all servers: the transit check still fails on a server in transit, naming the servers the paths came from', async () => {
    const file = join(dir, 'tr.yml');
    // the unsafe demo: no no-transit filters, so servers re-advertise what they learn
    await writeFile(file, 'name: dz-lt-tr\nfabric: {spines: 2, leaves: 4, servers: 4}\ndesign: {server_asn: shared}\noptions: {transit_filters: false}\n');
    const r = await bgplab(['test', file, '--runtime', 'netns', '--out', join(dir, 'tr'), '--only', 'transit', '--json'], 300_000);
    expect(r.exitCode).toBe(1);
    const leaf1 = rowsOf(r.stdout).find((x) => x.name === 'control plane: leaf1')!;
    expect(leaf1.status).toBe('fail');
    // leaf1's neighbours server1 and server2 carry paths for others; server3/4 (elsewhere) are not named
    // (which paths a transit server carries depends on timing: only the names are stable)
    const named = /through server\(s\) ([^:]+):/.exec(leaf1.message)![1]!.split(', ').sort();
    expect(named.length).toBeGreaterThan(0);
    for (const n of named) expect(['server1', 'server2']).toContain(n);
    expect(leaf1.message).not.toMatch(/server3|server4/);
    expect(await nsOf('dz-lt-tr')).toEqual([]);
  }, 300_000);

  it('a snippet typo fails validate at the lab file\'s line:column with FRR\'s message; up deploys nothing', async () => {
    const text = (await readFile('labs/snippets.yml', 'utf8')).replace(/^name: .*$/m, 'name: dz-lt-typo').replace('set as-path prepend', 'set as-path prepnd');
    const file = join(dir, 'typo.yml');
    await writeFile(file, text);
    const lines = text.split('\n');
    const line = lines.findIndex((l) => l.includes('prepnd')) + 1;
    const col = lines[line - 1]!.indexOf('set') + 1;
    const v = await bgplab(['validate', file], 60_000);
    expect(v.exitCode).toBe(1);
    expect(v.all).toContain(`${file}:${line}:${col}: snippets.nodes.leaf1.global: FRR (vtysh --dryrun) on leaf1: % Unknown command: set as-path prepnd 65101 65101`);
    const out = join(dir, 'typo-out');
    const up = await bgplab(['up', file, '--runtime', 'netns', '--out', out], 120_000);
    expect(up.exitCode).toBe(1);
    expect(up.all).toContain(`${file}:${line}:${col}:`);
    expect(await nsOf('dz-lt-typo')).toEqual([]);
    await expect(stat(labStateDir('dz-lt-typo'))).rejects.toThrow();
    await expect(stat(out)).rejects.toThrow();
    // the same file without the typo validates
    const fixed = join(dir, 'fixed.yml');
    await writeFile(fixed, text.replace('prepnd', 'prepend'));
    expect((await bgplab(['validate', fixed], 60_000)).exitCode).toBe(0);
  }, 300_000);
});

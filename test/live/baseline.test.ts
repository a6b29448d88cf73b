/**
 * Live, one default lab (labs/clos.yml as `bz-live`, netns, real FRR), the CLI as a user
 * types it (dist/cli.js):
 *  - the no-transit audit, both sides: removing only server1's outbound filter, or only
 *    leaf1's inbound filter for server1 (vtysh, out of band, as the rendered config has
 *    them: src/render/frr.ts), fails the transit check naming that node and side while
 *    every other transit row still passes; the healthy lab passes;
 *  - baseline and difference: `snapshot`, then `check --baseline` exits 0 on the same
 *    fabric (failover outages included, within the default tolerance); after a candidate
 *    change (an AS-path prepend on leaf1's uplink to spine1) it lists the changed next
 *    hops and paths, in the console, JSON and JUnit, and exits 1.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetnsRuntime } from '../../src/runtime/netns/index.js';
import { parseXml } from '../unit/junit-parse.js';
import { isRoot, leftovers } from './netns-helpers.js';

const LAB = 'bz-live';
/** a second instance of the same file, compared with LAB's snapshot by node name */
const TWIN = 'bz-live2';
const rt = new NetnsRuntime();

function cli(args: string[], timeout = 300_000) {
  const env: Record<string, string | undefined> = { ...process.env, VITEST: undefined, VITEST_WORKER_ID: undefined, VITEST_POOL_ID: undefined, NO_COLOR: '1' };
  return execa('node', ['dist/cli.js', ...args], { reject: false, env, extendEnv: false, timeout, all: true });
}

async function vtysh(node: string, ...commands: string[]): Promise<void> {
  const r = await cli(['vtysh', '--lab', LAB, node, '-c', ...commands]);
  expect(r.exitCode, r.all).toBe(0);
}

interface Row {
  name: string;
  status: string;
  message: string;
}
interface Report {
  passed: boolean;
  checks: { id: string; results: Row[] }[];
}
const rowsOf = (r: Report, id: string) => r.checks.find((c) => c.id === id)?.results ?? [];

/** `check --only transit --json`: exit code and the transit rows. */
async function transit(): Promise<{ exitCode: number | undefined; rows: Row[]; out: string }> {
  const r = await cli(['check', LAB, '--only', 'transit', '--json']);
  return { exitCode: r.exitCode, rows: rowsOf(JSON.parse(r.stdout) as Report, 'transit'), out: r.all ?? '' };
}

/** Wait until spine1's route to server1's loopback has `n` next hops (the prepend took effect / was undone). */
async function spine1NextHops(n: number): Promise<void> {
  for (let i = 0; i < 60; i++) {
    const r = await rt.vtysh(LAB, 'spine1', ['show ip route 10.0.3.1/32 json']);
    const hops = ((JSON.parse(r) as Record<string, { selected?: boolean; nexthops?: { active?: boolean }[] }[]>)['10.0.3.1/32'] ?? []).find((x) => x.selected)?.nexthops?.filter((h) => h.active).length;
    if (hops === n) return;
    await new Promise((res) => setTimeout(res, 500));
  }
  throw new Error(`spine1 never had ${n} next hop(s) to 10.0.3.1/32`);
}

/**
 * The candidate change and its undo, in one place. Today out of band (vtysh on leaf1), the
 * exact lines of the lab-file snippet form:
 *   snippets: { nodes: { leaf1: { global: "route-map PREPEND permit 10\n set as-path prepend 65101 65101\n",
 *                                 ipv4_unicast: "neighbor eth1 route-map PREPEND out\n" } } }
 * To switch to that form: `apply` writes labs/clos.yml plus that block to a file in `dir`
 * and redeploys it (`cli(['down', LAB])`, then `cli(['up', FILE, '--name', LAB, '--runtime',
 * 'netns'])`); `undo` redeploys labs/clos.yml the same way. Keep the waits on spine1.
 */
const CANDIDATE = {
  what: 'an AS-path prepend on leaf1 → spine1',
  async apply(_dir: string): Promise<void> {
    await vtysh('leaf1', 'configure terminal', 'route-map PREPEND permit 10', 'set as-path prepend 65101 65101', 'router bgp 65101', 'address-family ipv4 unicast', 'neighbor eth1 route-map PREPEND out', 'end', 'clear bgp * soft out');
    // spine1 now prefers leaf2 for server1: the change has propagated
    await spine1NextHops(1);
  },
  async undo(_dir: string): Promise<void> {
    await vtysh('leaf1', 'configure terminal', 'router bgp 65101', 'address-family ipv4 unicast', 'no neighbor eth1 route-map PREPEND out', 'end', 'clear bgp * soft out');
    await spine1NextHops(2);
  },
};

describe.skipIf(!isRoot)('no-transit audit and baseline (live, netns, default lab)', () => {
  let dir: string;
  beforeAll(async () => {
    await execa('npx', ['tsc', '-p', 'tsconfig.json'], { reject: false });
    dir = await mkdtemp(join(tmpdir(), 'bz-live-'));
    await rt.destroy(LAB);
    const up = await cli(['up', 'labs/clos.yml', '--name', LAB, '--runtime', 'netns', '--timeout', '120']);
    expect(up.exitCode, up.all).toBe(0);
  }, 240_000);

  afterAll(async () => {
    await cli(['down', LAB]);
    await rt.destroy(TWIN).catch(() => {});
    await rm(`out/${LAB}`, { recursive: true, force: true });
    await rm(`out/${TWIN}`, { recursive: true, force: true });
    if (dir) await rm(dir, { recursive: true, force: true });
    expect(await leftovers(LAB)).toEqual([]);
    expect(await leftovers(TWIN)).toEqual([]);
  }, 120_000);

  it('healthy: every policy row passes, both sides of every server session', async () => {
    const t = await transit();
    expect(t.exitCode, t.out).toBe(0);
    const policy = t.rows.filter((r) => r.name.startsWith('policy: '));
    // 4 servers x 2 uplinks, each from the server and from the leaf
    expect(policy).toHaveLength(16);
    expect(policy.every((r) => r.status === 'pass')).toBe(true);
  }, 120_000);

  it("only server1's outbound filter removed: the transit check fails naming server1, outbound, while the leaves still filter", async () => {
    await vtysh('server1', 'configure terminal', 'router bgp 4200000001', 'address-family ipv4 unicast', 'no neighbor TOR route-map TO-FABRIC out');
    try {
      const t = await transit();
      expect(t.exitCode).toBe(1);
      const failed = t.rows.filter((r) => r.status === 'fail');
      expect(failed.map((r) => r.name).sort()).toEqual(['policy: server1 out eth1 → leaf1', 'policy: server1 out eth2 → leaf2']);
      expect(failed[0]!.message).toMatch(/^server1 \(server, outbound on eth\d to leaf\d\): no outbound policy/);
      // the leaves' inbound filters still hold: nothing else in transit fails
      expect(t.rows.filter((r) => r.name.startsWith('policy: leaf1 in')).every((r) => r.status === 'pass')).toBe(true);
    } finally {
      await vtysh('server1', 'configure terminal', 'router bgp 4200000001', 'address-family ipv4 unicast', 'neighbor TOR route-map TO-FABRIC out');
    }
  }, 120_000);

  it("only leaf1's inbound filter for server1 removed: the transit check fails naming leaf1 and server1", async () => {
    await vtysh('leaf1', 'configure terminal', 'router bgp 65101', 'address-family ipv4 unicast', 'no neighbor eth3 route-map FROM-server1 in');
    try {
      const t = await transit();
      expect(t.exitCode).toBe(1);
      const failed = t.rows.filter((r) => r.status === 'fail');
      expect(failed.map((r) => r.name)).toEqual(['policy: leaf1 in eth3 ← server1']);
      expect(failed[0]!.message).toMatch(/^leaf1 \(inbound on eth3 from server server1\): no inbound policy/);
    } finally {
      await vtysh('leaf1', 'configure terminal', 'router bgp 65101', 'address-family ipv4 unicast', 'neighbor eth3 route-map FROM-server1 in');
    }
  }, 120_000);

  it('snapshot, then check --baseline on the same fabric exits 0 (failover outages within the tolerance)', async () => {
    const file = join(dir, 'base.json');
    const s = await cli(['snapshot', LAB, '-o', file, '--only', 'sessions,routes,traceroute,failover'], 400_000);
    expect(s.exitCode, s.all).toBe(0);
    expect(s.all).toMatch(/PASS {2}snapshot .*sessions=32 routes=\d+ pathSets=4/);
    const snap = JSON.parse(await readFile(file, 'utf8')) as { format: string; version: number; outages?: Record<string, { outageMs?: number }> };
    expect([snap.format, snap.version]).toEqual(['bgplab-snapshot', 1]);
    expect(Object.values(snap.outages ?? {}).filter((o) => o.outageMs !== undefined).length).toBeGreaterThan(0);
    const c = await cli(['check', LAB, '--baseline', file, '--only', 'sessions,routes,traceroute,failover', '--json'], 400_000);
    const report = JSON.parse(c.stdout) as Report;
    const base = rowsOf(report, 'baseline');
    expect(base.filter((r) => r.status === 'fail'), c.stderr).toEqual([]);
    expect(base[0]!.name).toBe('baseline: no regression');
    // exit 0; the one exception tolerated is the failover check's own "measurement invalid" on an
    // overloaded machine (the probe started late: seen once with 5 helpers' tests running), which
    // the baseline then does not compare
    const failed = report.checks.flatMap((x) => x.results.filter((r) => r.status === 'fail'));
    if (c.exitCode !== 0) expect(failed.every((r) => r.message.includes('measurement invalid')), JSON.stringify(failed)).toBe(true);
    else expect(failed).toEqual([]);
  }, 900_000);

  it(`after the candidate change (${CANDIDATE.what}), check --baseline lists the changed next hops and paths and exits 1`, async () => {
    const file = join(dir, 'base.json');
    await CANDIDATE.apply(dir);
    try {
      const junit = join(dir, 'baseline.xml');
      const c = await cli(['check', LAB, '--baseline', file, '--only', 'sessions,routes,traceroute', '--json', '--junit', junit]);
      expect(c.exitCode).toBe(1);
      const report = JSON.parse(c.stdout) as Report;
      const diff = rowsOf(report, 'baseline').filter((r) => r.status === 'fail');
      const names = diff.map((r) => r.name);
      // spine1 reaches server1's prefixes through leaf2 only; traffic to server1 no longer crosses spine1 > leaf1
      expect(names).toEqual(expect.arrayContaining(['baseline: spine1 → 10.0.3.1/32', 'baseline: spine1 → 192.0.2.10/32', 'baseline: paths server3 → server1']));
      expect(diff.find((r) => r.name === 'baseline: spine1 → 10.0.3.1/32')!.message).toContain('lost eth1 (leaf1)');
      expect(diff.find((r) => r.name === 'baseline: paths server3 → server1')!.message).toMatch(/lost server3 > leaf\d > spine1 > leaf1 > server1/);
      const suites = parseXml(await readFile(junit, 'utf8')).children;
      const b = suites.find((s) => s.attrs.name === 'baseline')!;
      expect(Number(b.attrs.failures)).toBe(diff.length);
      // and the console lists them as they are found
      const text = await cli(['check', LAB, '--baseline', file, '--only', 'sessions,routes']);
      expect(text.exitCode).toBe(1);
      expect(text.all).toMatch(/FAIL {2}baseline: spine1 → 10\.0\.3\.1\/32 +spine1 → 10\.0\.3\.1\/32: next hops eth1 \(leaf1\), eth2 \(leaf2\) in the baseline, now eth2 \(leaf2\)/);
    } finally {
      await CANDIDATE.undo(dir);
    }
    // undone: no difference again
    const again = await cli(['check', LAB, '--baseline', file, '--only', 'sessions,routes']);
    expect(again.exitCode, again.all).toBe(0);
  }, 600_000);

  it('test --baseline: another instance of the same lab file (up, checks, comparison, down) matches the snapshot node by node', async () => {
    const file = join(dir, 'base.json');
    const t = await cli(['test', 'labs/clos.yml', '--name', TWIN, '--runtime', 'netns', '--only', 'sessions,routes', '--baseline', file, '--json'], 300_000);
    expect(t.exitCode, t.all).toBe(0);
    const rows = rowsOf(JSON.parse(t.stdout) as Report, 'baseline');
    // nothing regressed; listed at most: prefix counts where BGP's tie-break decides whether a
    // spine echoes a leaf's own servers back (seen: leaf1:eth1 → spine1 10 vs 9), and the
    // snapshot's outages as "not compared" (no failover in this run)
    expect(rows.filter((r) => r.status === 'fail')).toEqual([]);
    expect([rows[0]!.name, rows[0]!.status]).toEqual(['baseline: no regression', 'pass']);
    expect(rows.filter((r) => r.status === 'pass').slice(1).every((r) => r.message.includes('(not a regression)'))).toBe(true);
    expect(rows.filter((r) => r.status === 'skip').every((r) => r.message.includes('the failover check did not run'))).toBe(true);
    expect(rows[0]!.message).toContain(`(lab ${LAB}, `);
    expect(rows[0]!.message).toContain(`compared by node name with lab ${TWIN}`);
    expect(await leftovers(TWIN)).toEqual([]);
  }, 300_000);
});

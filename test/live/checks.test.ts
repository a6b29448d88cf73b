/**
 * Live: every check on a real lab (netns runtime, real FRR and kernel), first healthy,
 * then with its fault injected: each check must fail with a message naming the node and
 * link at fault. Labs are named ck* so they never collide with other tests.
 *
 * The default lab (labs/clos.yml) is deployed as shipped, announced VIPs included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKS } from '../../src/checks/index.js';
import { evaluateSessions, makeSessionsCheck, waitForSessions } from '../../src/checks/sessions.js';
import { evaluateRoutes, makeRoutesCheck } from '../../src/checks/routes.js';
import { runChecks } from '../../src/checks/runner.js';
import { tracerouteCheck } from '../../src/checks/traceroute.js';
import { transitCheck } from '../../src/checks/transit.js';
import type { CheckContext, CheckResult } from '../../src/checks/types.js';
import { formatConsole } from '../../src/report/console.js';
import { deployLab, isRoot, type LiveLab } from './checks-helpers.js';

const fails = (rs: CheckResult[]) => rs.filter((r) => r.status === 'fail');

/** Poll until `probe` returns no problems; the timeout error lists the last ones. */
async function until(what: string, probe: () => Promise<string[]>, timeoutMs = 20_000): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    const problems = await probe();
    if (problems.length === 0) return;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}: ${problems.slice(0, 5).join(' | ')}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}
const failing = async (p: Promise<CheckResult[]>) => fails(await p).map((r) => r.message);
const passing = async (p: Promise<CheckResult[]>, what: string) => ((await failing(p)).length ? [] : [`${what} still passes`]);

describe.skipIf(!isRoot)('checks on the default fabric shape (lab ckclos)', () => {
  let L: LiveLab;
  let ctx: CheckContext;
  beforeAll(async () => {
    L = await deployLab('labs/clos.yml', 'ckclos');
    ctx = L.ctx;
  }, 120_000);
  afterAll(async () => {
    await L?.destroy();
  }, 60_000);

  const vtysh = (node: string, cmds: string[]) => L.runtime.vtysh(L.lab.name, node, cmds);
  const asn = (node: string) => L.lab.nodes.find((n) => n.name === node)!.asn;

  it('every check passes on the healthy lab', async () => {
    const report = await runChecks(ctx, CHECKS.filter((c) => c.id !== 'failover'));
    if (!report.passed) console.log(formatConsole(report));
    expect(report.passed).toBe(true);
    const byId = Object.fromEntries(report.checks.map((c) => [c.id, c.results]));
    // one row per session side, one per (node, prefix it does not originate), one per traceroute pair
    expect(byId.sessions).toHaveLength(L.lab.sessions.length);
    const originators = new Map<string, number>();
    for (const n of L.lab.nodes) for (const p of [`${n.loopback}/32`, ...n.announce]) originators.set(p, (originators.get(p) ?? 0) + 1);
    const rows = [...originators.values()].reduce((sum, k) => sum + L.lab.nodes.length - k, 0);
    expect(rows).toBeGreaterThan(L.lab.nodes.length * (L.lab.nodes.length - 1)); // the VIPs are checked too
    expect(byId.routes!.length).toBe(rows);
    const tr = byId.traceroute!.find((r) => r.name === 'server1 → server3')!;
    expect(tr.measured!.pathsSeen).toBe(8);
    expect(byId.transit!.some((r) => r.name.startsWith('stress: restore'))).toBe(true);
  }, 180_000);

  it('sessions: a neighbor misconfigured with the wrong remote AS fails the check, naming both ends', async () => {
    const spine = 'spine1';
    const cfg = ['conf t', `router bgp ${asn(spine)}`];
    try {
      await vtysh(spine, [...cfg, 'no neighbor eth1 interface peer-group FABRIC', 'neighbor eth1 interface remote-as 65999']);
      await until('spine1:eth1 down', () => passing(evaluateSessions(ctx), 'sessions'));
      // the reason arrives with the first OPEN exchange after the change (leaf1 retries)
      let rs: CheckResult[] = [];
      await until('spine1 to reject leaf1\'s OPEN', async () => {
        rs = await makeSessionsCheck({ settleMs: 0 }).run(ctx);
        return rs.some((r) => r.name.startsWith('spine1:eth1') && r.message.includes('Bad Peer AS')) ? [] : ['no Bad Peer AS yet'];
      }, 30_000);
      const bad = fails(rs);
      const down = bad.filter((r) => r.measured?.state !== 'Established');
      expect(down.map((r) => r.name).sort()).toEqual(['leaf1:eth1 → spine1', 'spine1:eth1 → leaf1']);
      // the rest are knock-on effects (fewer prefixes relayed), and say so
      for (const r of bad.filter((x) => !down.includes(x))) expect(r.message, r.message).toMatch(/received \d+ ipv4 prefixes .*\(possibly a consequence of 2 session\(s\) down: leaf1:eth1 → spine1, spine1:eth1 → leaf1\)/);
      const atSpine = bad.find((r) => r.name.startsWith('spine1'))!;
      expect(atSpine.message).toMatch(/spine1:eth1 → leaf1: session \w+, not Established \(link spine1:eth1 ↔ leaf1:eth1\)/);
      expect(atSpine.message).toContain('Bad Peer AS');
    } finally {
      await vtysh(spine, [...cfg, 'no neighbor eth1', 'neighbor eth1 interface peer-group FABRIC']);
      expect((await waitForSessions(ctx, 60_000)).ok).toBe(true);
    }
  }, 120_000);

  it('routes and traceroute: a prefix denied on one spine removes an ECMP path, both checks name it', async () => {
    // spine2 stops accepting server3's loopback from leaf3: spine2 → server3 keeps only leaf4,
    // and the server1 → server3 paths through spine2 → leaf3 disappear
    const server3 = `${L.lab.nodes.find((n) => n.name === 'server3')!.loopback}/32`;
    const toLeaf3 = L.lab.sessions.find((s) => s.node === 'spine2' && s.peer === 'leaf3')!;
    const cfg = ['conf t', `router bgp ${asn('spine2')}`, 'address-family ipv4 unicast'];
    try {
      await vtysh('spine2', [
        'conf t',
        `ip prefix-list CK-DENY seq 5 deny ${server3}`,
        'ip prefix-list CK-DENY seq 10 permit 0.0.0.0/0 le 32',
        'route-map CK-DENY permit 10',
        'match ip address prefix-list CK-DENY',
        'exit',
        `router bgp ${asn('spine2')}`,
        'address-family ipv4 unicast',
        `neighbor ${toLeaf3.ifname} route-map CK-DENY in`,
        'end',
        `clear bgp ipv4 unicast ${toLeaf3.ifname} soft in`,
      ]);
      await until('spine2 down to one next hop', () => passing(evaluateRoutes(ctx, { nodes: ['spine2'] }), 'spine2 routes'));

      const routes = fails(await makeRoutesCheck({ settleMs: 0 }).run(ctx));
      const r = routes.find((x) => x.name === `spine2 → ${server3}`)!;
      expect(r, JSON.stringify(routes.map((x) => x.name))).toBeDefined();
      expect(r.message).toContain(`expected 2 next hops via ${toLeaf3.ifname} (leaf3)`);
      expect(r.message).toContain(`missing spine2:${toLeaf3.ifname} → leaf3`);
      expect(r.measured).toMatchObject({ expected: 2, frr: 1, kernel: 1 });

      const tr = fails(await tracerouteCheck.run(ctx));
      const t = tr.find((x) => x.name === 'server1 → server3')!;
      expect(t).toBeDefined();
      expect(t.message).toMatch(/predicted path server1 > leaf\d > spine2 > leaf3 > server3 not seen in \d+ flows/);
      expect(t.message).toContain(`no flow crossed spine2:${toLeaf3.ifname} → leaf3:${toLeaf3.peerIfname}`);
    } finally {
      await vtysh('spine2', [...cfg, `no neighbor ${toLeaf3.ifname} route-map CK-DENY in`, 'end', 'conf t', 'no route-map CK-DENY', 'no ip prefix-list CK-DENY', 'end', `clear bgp ipv4 unicast ${toLeaf3.ifname} soft in`]);
      await until('spine2 healed', () => failing(evaluateRoutes(ctx, { nodes: ['spine2'] })));
    }
  }, 120_000);

  it('traceroute: an expectation that names a different path fails with the offending path', async () => {
    const wrong: CheckContext = {
      ...ctx,
      lab: { ...ctx.lab, checks: { ...ctx.lab.checks, traceroute: [{ from: 'server1', to: 'server3', hops: ['leaf', 'spine', 'leaf4', 'server'] }] } },
    };
    const rs = await tracerouteCheck.run(wrong);
    expect(rs).toHaveLength(1);
    expect(rs[0]!.status).toBe('fail');
    expect(rs[0]!.message).toMatch(/path server1 > leaf\d > spine\d > leaf3 > server3 does not match the expected hops server1 → leaf → spine → leaf4 → server/);
    // the same pair with a right expectation passes: the failure is the expectation's
    const right: CheckContext = {
      ...ctx,
      lab: { ...ctx.lab, checks: { ...ctx.lab.checks, traceroute: [{ from: 'server1', to: 'server3', hops: ['leaf', 'spine', 'leaf', 'server3'] }] } },
    };
    expect((await tracerouteCheck.run(right))[0]!.status).toBe('pass');
  }, 60_000);
});

describe.skipIf(!isRoot)('negative control: transit_filters false makes servers transit (lab cknofilt)', () => {
  let L: LiveLab;
  beforeAll(async () => {
    L = await deployLab('labs/minimal.yml', 'cknofilt', (t) => `${t}\noptions:\n  transit_filters: false\n`);
  }, 120_000);
  afterAll(async () => {
    await L?.destroy();
  }, 60_000);

  it('the transit check fails in the control plane, the data plane and under stress, naming the server', async () => {
    expect(L.lab.options.transitFilters).toBe(false);
    const rs = await transitCheck.run(L.ctx);
    const bad = fails(rs);
    const server = L.lab.nodes.find((n) => n.role === 'server')!.name;
    const control = bad.filter((r) => r.name.startsWith('control plane'));
    expect(control.length).toBeGreaterThan(0);
    expect(control[0]!.message).toContain(`through server(s) ${server}`);
    expect(bad.some((r) => r.name.startsWith('data plane') && r.message.includes(`server ${server} is transit`))).toBe(true);
    const isolated = bad.find((r) => r.name.endsWith('no route out'))!;
    expect(isolated.message).toMatch(new RegExp(`through ${server} \\(leaf\\d:eth\\d\\): server ${server} is transit`));
    expect(bad.some((r) => r.name.endsWith('ping out fails') && r.message.includes(`crossed its servers ${server}`))).toBe(true);
    // the audit: no policy on either side, what is advertised and accepted right now is foreign
    const policy = bad.filter((r) => r.name.startsWith('policy: '));
    expect(policy.some((r) => r.message.startsWith(`${server} (server, outbound`) && r.message.includes('right now'))).toBe(true);
    expect(policy.some((r) => r.message.includes(`(inbound on eth`) && r.message.includes(`from server ${server}): no inbound policy`))).toBe(true);
    // ...and it put everything back
    expect(rs.find((r) => r.name.startsWith('stress: restore'))!.status).toBe('pass');
  }, 180_000);
});

describe.skipIf(!isRoot)('checks on a 3-tier lab (labs/pods.yml as ckpods)', () => {
  let L: LiveLab;
  beforeAll(async () => {
    // as shipped, BFD on: bfdd runs beside bgpd on every node
    L = await deployLab('labs/pods.yml', 'ckpods');
  }, 120_000);
  afterAll(async () => {
    await L?.destroy();
  }, 60_000);

  it('sessions, routes and traceroute pass; cross-pod flows cover all 32 predicted paths', async () => {
    const report = await runChecks(L.ctx, CHECKS.filter((c) => ['sessions', 'routes', 'traceroute'].includes(c.id)));
    if (!report.passed) console.log(formatConsole(report));
    expect(report.passed).toBe(true);
    const cross = report.checks.find((c) => c.id === 'traceroute')!.results.find((r) => r.measured?.pathsPredicted === 32)!;
    expect(cross, 'a cross-pod traceroute pair').toBeDefined();
    expect(cross.measured!.pathsSeen).toBe(32);
    expect(cross.message).toContain('hops server1 → leaf → spine → super-spine → spine → leaf → server');
  }, 180_000);
});

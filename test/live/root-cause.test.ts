/**
 * Live: one fault seeded into the running default lab at a time (a wrong ASN, a link down,
 * bgpd killed, a blackholed link, a missing ECMP member, a kernel route overriding FRR's).
 * `bgplab check` (without failover) fails, reports ONE root cause, and its first failure
 * line names the faulty node. The time it takes is measured in the benchmark (make bench),
 * not asserted here beyond a guard against hanging.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkLab } from '../../src/app/check.js';
import type { Lab } from '../../src/lab/model.js';
import { loadLabText } from '../../src/lab/load.js';
import { LabWaiter } from '../../src/observe/wait.js';
import { writeArtifacts } from '../../src/render/index.js';
import { deployLab } from '../../src/runtime/lifecycle.js';
import { NetnsRuntime } from '../../src/runtime/netns/index.js';
import { nodeStateDir } from '../../src/runtime/state.js';
import { isRoot } from './netns-helpers.js';

const LAB = 'rcclos';
const rt = new NetnsRuntime();

/** The faults, each with the node a reader must be pointed at. */
export const SEEDED: { name: string; node: string; seed(lab: Lab): Promise<void> }[] = [
  {
    name: 'a wrong ASN on one session (Bad Peer AS)',
    node: 'spine1',
    seed: async () => void (await rt.vtysh(LAB, 'spine1', ['conf t', 'router bgp 65000', 'no neighbor eth1 interface peer-group FABRIC', 'neighbor eth1 interface remote-as 65999'])),
  },
  { name: 'a link down', node: 'leaf1', seed: () => rt.setLink(LAB, 'leaf1', 'eth1', false) },
  {
    name: 'bgpd killed',
    node: 'leaf2',
    seed: async () => process.kill(Number((await readFile(join(nodeStateDir(LAB, 'leaf2'), 'bgpd.pid'), 'utf8')).trim()), 'SIGKILL'),
  },
  {
    name: 'a blackholed link (traffic dropped, carrier and sessions up)',
    node: 'leaf3',
    seed: async () => {
      const r = await rt.exec(LAB, 'leaf3', ['nft', '-f', '-'], {
        input: 'table netdev rcdrop {\n chain in {\n  type filter hook ingress device "eth1" priority -500;\n  drop\n }\n}\n',
      });
      if (r.exitCode !== 0) throw new Error(r.stderr);
    },
  },
  {
    name: 'a missing ECMP member (an AS-path prepend on one uplink)',
    node: 'leaf1',
    seed: async () =>
      void (await rt.vtysh(LAB, 'leaf1', [
        'conf t', 'route-map RCPRE permit 10', 'set as-path prepend 65111', 'exit', 'router bgp 65101', 'address-family ipv4 unicast', 'neighbor eth2 route-map RCPRE in', 'end', 'clear bgp ipv4 unicast eth2 soft in',
      ])),
  },
  {
    name: "a kernel route overriding FRR's",
    node: 'leaf1',
    seed: async () => {
      const r = await rt.exec(LAB, 'leaf1', ['ip', 'route', 'add', 'blackhole', '10.0.3.3/32', 'metric', '5']);
      if (r.exitCode !== 0) throw new Error(r.stderr);
    },
  },
];

describe.skipIf(!isRoot)('one seeded fault: one root cause, naming the node', () => {
  let lab: Lab;
  let dir: string;
  afterAll(async () => {
    await rt.destroy(LAB).catch(() => {});
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  for (const f of SEEDED) {
    it(f.name, async () => {
      if (!dir) {
        dir = await mkdtemp(join(tmpdir(), `${LAB}-`));
        const r = loadLabText((await readFile('labs/clos.yml', 'utf8')).replace(/^name: .*$/m, `name: ${LAB}`), 'labs/clos.yml');
        lab = r.lab!;
        await writeArtifacts(lab, dir);
      }
      await rt.destroy(LAB);
      await deployLab(rt, dir, [rt]);
      expect((await new LabWaiter(rt, lab).until('routes', 60_000)).ok).toBe(true);
      await f.seed(lab);
      // a route-map change and a blackhole take a moment to show: give them the 2 s a person would
      await new Promise((r) => setTimeout(r, 2000));
      const t0 = Date.now();
      const report = await checkLab(lab, rt, ['sessions', 'routes', 'traceroute', 'transit']);
      const ms = Date.now() - t0;
      console.log(`${f.name}: check ${ms} ms, ${report.counts.fail} failures, causes: ${report.causes?.map((c) => c.summary.slice(0, 120)).join(' | ')}`);
      expect(ms, 'a hang guard, not the target (make bench measures it)').toBeLessThan(90_000);
      expect(report.passed).toBe(false);
      expect(report.causes, JSON.stringify(report.causes?.map((c) => c.summary))).toHaveLength(1);
      const cause = report.causes![0]!;
      expect(`${cause.summary} ${cause.roots[0]!.name} ${cause.roots[0]!.message}`).toContain(f.node);
      const knockOns = cause.consequences.length;
      expect(report.counts.fail).toBe(cause.roots.length + knockOns);
    }, 180_000);
  }
});

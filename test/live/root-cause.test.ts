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
import { SEEDED_FAULTS } from '../../src/bench/seeded-faults.js';
import { isRoot } from './netns-helpers.js';

const LAB = 'rcclos';
const rt = new NetnsRuntime();

describe.skipIf(!isRoot)('one seeded fault: one root cause, naming the node', () => {
  let lab: Lab;
  let dir: string;
  afterAll(async () => {
    await rt.destroy(LAB).catch(() => {});
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  for (const f of SEEDED_FAULTS) {
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
      await f.seed(rt, LAB);
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

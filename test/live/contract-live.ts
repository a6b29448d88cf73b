/** The live parts of a Runtime contract harness (test/contract/runtime-contract.ts): real carrier, ping, convergence. */
import { LabWaiter } from '../../src/observe/wait.js';
import type { FrrVersion, Lab, LabNode } from '../../src/lab/model.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import type { ContractHarness } from '../contract/runtime-contract.js';
import { artifacts } from './netns-helpers.js';

/** Everything but name/skip/runtime/other, for labs/minimal.yml on FRR `frr`. */
export function liveParts(frr: FrrVersion): Omit<ContractHarness, 'name' | 'skip' | 'runtime' | 'other'> {
  return {
    async carrier(rt: Runtime, lab: Lab, node: string, ifname: string): Promise<boolean> {
      const r = await rt.exec(lab.name, node, ['ip', '-j', 'link', 'show', 'dev', ifname]);
      return (JSON.parse(r.stdout) as { flags: string[] }[])[0]!.flags.includes('LOWER_UP');
    },
    async reaches(rt: Runtime, lab: Lab, from: LabNode, to: LabNode): Promise<boolean> {
      const r = await rt.exec(lab.name, from.name, ['ping', '-n', '-q', '-c', '3', '-i', '0.2', '-W', '1', '-I', from.loopback, to.loopback], { timeoutMs: 15_000 });
      return r.exitCode === 0;
    },
    async converged(rt: Runtime, lab: Lab): Promise<void> {
      const w = await new LabWaiter(rt, lab).until('routes', 90_000);
      if (!w.ok) throw new Error(`${lab.name} did not converge: ${w.down.map((s) => `${s.node}:${s.ifname} ${s.state}`).join(', ')}`);
    },
    artifacts: (name: string) => artifacts('labs/minimal.yml', name, (t) => (frr === '8.4' ? t : `${t}\nfrr: "${frr}"\n`)),
    frr,
  };
}

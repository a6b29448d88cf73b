/** The Runtime contract (test/contract/runtime-contract.ts) against both real runtimes. */
import { LabWaiter } from '../../src/observe/wait.js';
import type { Lab, LabNode } from '../../src/lab/model.js';
import { NetnsRuntime } from '../../src/runtime/netns/index.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { ClabRuntime } from '../../src/runtime/clab/index.js';
import { runtimeContract, type ContractHarness } from '../contract/runtime-contract.js';
import { containerlabOnPath, ensureDockerAndImage } from './clab-helpers.js';
import { artifacts, isRoot } from './netns-helpers.js';

const docker = isRoot ? await ensureDockerAndImage() : ({ ok: false, reason: 'not root' } as const);
const clab = docker.ok && (await containerlabOnPath());

const live = {
  async carrier(rt: Runtime, lab: Lab, node: string, ifname: string): Promise<boolean> {
    const r = await rt.exec(lab.name, node, ['ip', '-j', 'link', 'show', 'dev', ifname]);
    const j = JSON.parse(r.stdout) as { flags: string[] }[];
    return j[0]!.flags.includes('LOWER_UP');
  },
  async reaches(rt: Runtime, lab: Lab, from: LabNode, to: LabNode): Promise<boolean> {
    const r = await rt.exec(lab.name, from.name, ['ping', '-n', '-q', '-c', '3', '-i', '0.2', '-W', '1', '-I', from.loopback, to.loopback], { timeoutMs: 15_000 });
    return r.exitCode === 0;
  },
  async converged(rt: Runtime, lab: Lab): Promise<void> {
    const w = await new LabWaiter(rt, lab).until('routes', 90_000);
    if (!w.ok) throw new Error(`${lab.name} did not converge: ${w.down.map((s) => `${s.node}:${s.ifname} ${s.state}`).join(', ')}`);
  },
  artifacts: (name: string) => artifacts('labs/minimal.yml', name),
  frr: '8.4' as const,
};

const netns: ContractHarness = {
  name: 'netns',
  skip: isRoot ? false : 'needs root',
  runtime: async () => new NetnsRuntime(),
  // the cross-runtime rule: a netns lab must be "already up" for containerlab too
  other: async () => (clab ? new ClabRuntime({ deployer: 'containerlab' }) : new NetnsRuntime()),
  ...live,
};

const containerlab: ContractHarness = {
  name: 'containerlab',
  skip: !docker.ok ? docker.reason : !clab ? 'containerlab is not installed (make containerlab)' : false,
  runtime: async () => new ClabRuntime({ deployer: 'containerlab' }),
  other: async () => new NetnsRuntime(),
  ...live,
};

runtimeContract(netns, 'nstct');
runtimeContract(containerlab, 'c5ct');

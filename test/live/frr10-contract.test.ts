/**
 * The whole Runtime contract (test/contract/runtime-contract.ts) again with FRR 10 on both
 * real runtimes: netns runs the trixie rootfs's daemons, containerlab the bgplab/frr:10
 * image. Labs f10nct / f10cct, so that other tests' labs never collide with these.
 */
import { NetnsRuntime } from '../../src/runtime/netns/index.js';
import { ClabRuntime } from '../../src/runtime/clab/index.js';
import { FRR10_ROOTFS } from '../../src/runtime/netns/rootfs.js';
import { exists } from '../../src/util/fs.js';
import { runtimeContract, type ContractHarness } from '../contract/runtime-contract.js';
import { containerlabOnPath, ensureDockerAndImage } from './clab-helpers.js';
import { artifacts, isRoot } from './netns-helpers.js';
import { LabWaiter } from '../../src/observe/wait.js';
import type { Lab, LabNode } from '../../src/lab/model.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { execa } from 'execa';

const docker = isRoot ? await ensureDockerAndImage() : ({ ok: false, reason: 'not root' } as const);
const clab = docker.ok && (await containerlabOnPath());
const image10 = docker.ok && (await execa('docker', ['image', 'inspect', 'bgplab/frr:10'], { reject: false })).exitCode === 0;
const rootfs = await exists(FRR10_ROOTFS);

const live = {
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
  artifacts: (name: string) => artifacts('labs/minimal.yml', name, (t) => `${t}\nfrr: "10"\n`),
  frr: '10' as const,
};

runtimeContract(
  {
    name: 'netns, FRR 10',
    skip: !isRoot ? 'needs root' : !rootfs ? `${FRR10_ROOTFS} missing (make images)` : false,
    runtime: async () => new NetnsRuntime(),
    other: async () => (clab ? new ClabRuntime({ deployer: 'containerlab' }) : new NetnsRuntime()),
    ...live,
  } satisfies ContractHarness,
  'f10nct',
);
runtimeContract(
  {
    name: 'containerlab, FRR 10',
    skip: !docker.ok ? docker.reason : !clab ? 'containerlab is not installed (make containerlab)' : !image10 ? 'bgplab/frr:10 missing (make images)' : false,
    runtime: async () => new ClabRuntime({ deployer: 'containerlab' }),
    other: async () => new NetnsRuntime(),
    ...live,
  } satisfies ContractHarness,
  'f10cct',
);

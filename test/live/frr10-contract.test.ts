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
import { isRoot } from './netns-helpers.js';
import { liveParts } from './contract-live.js';
import { execa } from 'execa';

const docker = isRoot ? await ensureDockerAndImage() : ({ ok: false, reason: 'not root' } as const);
const clab = docker.ok && (await containerlabOnPath());
const image10 = docker.ok && (await execa('docker', ['image', 'inspect', 'bgplab/frr:10'], { reject: false })).exitCode === 0;
const rootfs = await exists(FRR10_ROOTFS);

const live = liveParts('10');

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

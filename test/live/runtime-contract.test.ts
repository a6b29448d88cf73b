/** The Runtime contract (test/contract/runtime-contract.ts) against both real runtimes. */
import { NetnsRuntime } from '../../src/runtime/netns/index.js';
import { ClabRuntime } from '../../src/runtime/clab/index.js';
import { runtimeContract, type ContractHarness } from '../contract/runtime-contract.js';
import { containerlabOnPath, ensureDockerAndImage } from './clab-helpers.js';
import { isRoot } from './netns-helpers.js';
import { liveParts } from './contract-live.js';

const docker = isRoot ? await ensureDockerAndImage() : ({ ok: false, reason: 'not root' } as const);
const clab = docker.ok && (await containerlabOnPath());

const live = liveParts('8.4');

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

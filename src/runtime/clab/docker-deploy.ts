/**
 * bgplab's own Docker deployer — NOT containerlab. It deploys a `<lab>.clab.yml` the way
 * containerlab does for `kind: linux` nodes, for machines that have Docker but no
 * containerlab binary, so that everything after deploy (ClabRuntime's exec, vtysh, link,
 * netem and routing code) runs unchanged:
 *  - one container per node, named `clab-<lab>-<node>`, with containerlab's labels
 *    (`containerlab=<lab>`, `clab-node-name=<node>`, `clab-node-kind`, `clab-topo-file`...)
 *    plus `bgplab.deployer=docker-deploy`, so `destroy` knows containerlab did not make it;
 *  - the node's image, env, binds, capabilities, privileged flag and namespaced sysctls
 *    from the topology (same inheritance: defaults < kinds < groups < node);
 *  - network mode "none": no management network, so nothing on the host (containerlab
 *    does the same for `network-mode: none`); fabric links are veth pairs created
 *    directly inside the two containers' network namespaces (`ip link add A netns PID_A
 *    type veth peer name B netns PID_B`), never in the host namespace;
 *  - the topology's `exec` commands run after the links exist (argv split on whitespace,
 *    no shell, as containerlab does for kind linux); a failing one fails the deploy.
 * On any failure everything it created is removed before the error is thrown.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BgplabError, isBgplabError } from '../../util/errors.js';
import { run } from '../../util/process.js';
import {
  containerExec,
  containerPid,
  docker,
  dockerError,
  labContainers,
  LABEL_DEPLOYER,
  LABEL_LAB,
  LABEL_NODE,
  LABEL_TOPO,
  removeContainers,
} from './docker.js';
import { mapLimit } from '../../util/pool.js';
import type { DeployPlan, PlanNode } from '../../clab/topology.js';

export const DEPLOYER_NAME = 'docker-deploy';
/** containerlab's default veth MTU */
const DEFAULT_MTU = 9500;
const CREATE_CONCURRENCY = 4;

/** `ip -batch` lines creating every link as a veth pair inside the two containers' namespaces. */
export function vethBatch(plan: DeployPlan, pids: ReadonlyMap<string, number>): string[] {
  return plan.links.map((l) => {
    const pa = pids.get(l.a.node);
    const pb = pids.get(l.b.node);
    if (pa === undefined || pb === undefined) throw new Error(`no pid for ${l.a.node} or ${l.b.node}`);
    const mtu = String(l.mtu ?? DEFAULT_MTU);
    return `link add ${l.a.ifname} netns ${pa} mtu ${mtu} type veth peer name ${l.b.ifname} netns ${pb} mtu ${mtu}`;
  });
}

export const containerName = (lab: string, node: string) => `clab-${lab}-${node}`;

async function createNode(plan: DeployPlan, node: PlanNode): Promise<string> {
  const d = await docker();
  if (!node.image) throw new BgplabError('E_TOPOLOGY', `node ${node.name} has no image`);
  const s = node;
  if (s.networkMode && s.networkMode !== 'none') {
    throw new BgplabError('E_TOPOLOGY', `node ${node.name}: network-mode ${s.networkMode} is not supported by bgplab's docker deployer`, {
      hint: 'bgplab nodes use network-mode none (no management network); install containerlab for other modes',
    });
  }
  const name = containerName(plan.name, node.name);
  try {
    const c = await d.createContainer({
      name,
      Hostname: node.name,
      Image: node.image,
      Env: Object.entries(node.env).map(([k, v]) => `${k}=${v}`),
      Labels: {
        ...node.labels,
        [LABEL_LAB]: plan.name,
        [LABEL_NODE]: node.name,
        'clab-node-kind': node.kind,
        'clab-node-longname': name,
        'clab-node-lab-dir': join(plan.dir, `clab-${plan.name}`, node.name),
        [LABEL_TOPO]: plan.file,
        [LABEL_DEPLOYER]: DEPLOYER_NAME,
      },
      HostConfig: {
        NetworkMode: 'none',
        Privileged: s.privileged,
        CapAdd: s.capAdd,
        Sysctls: Object.fromEntries(node.sysctls),
        Binds: node.binds.map((b) => `${b.source}:${b.target}${b.mode ? `:${b.mode}` : ''}`),
      },
    });
    return c.id;
  } catch (e) {
    throw dockerError(e, `create container ${name}`);
  }
}

async function startNode(id: string, name: string): Promise<void> {
  const d = await docker();
  try {
    await d.getContainer(id).start();
  } catch (e) {
    const err = dockerError(e, `start container ${name}`);
    if (/privileged|CAP_SYS|operation not permitted/i.test(err.message)) {
      throw new BgplabError(err.code, err.message, {
        hint: 'this host refuses privileged containers: set `privileged: false` and explicit cap-add in the topology',
        cause: e,
      });
    }
    throw err;
  }
}

/** Deploy the plan with Docker alone (the container settings come with the plan's nodes). */
export async function dockerDeploy(plan: DeployPlan, opts: { onProgress?: (msg: string) => void } = {}): Promise<void> {
  const progress = opts.onProgress ?? (() => {});
  // --reconfigure semantics: a previous instance of the lab goes first
  const old = await labContainers(plan.name);
  if (old.length) await removeContainers(old.map((c) => c.id));
  try {
    progress(`creating ${plan.nodes.length} containers (bgplab's docker deployer, not containerlab)`);
    const ids = await mapLimit(plan.nodes, CREATE_CONCURRENCY, (n) => createNode(plan, n));
    await mapLimit(plan.nodes, CREATE_CONCURRENCY, (n, i) => startNode(ids[i]!, containerName(plan.name, n.name)));
    const pids = new Map<string, number>();
    for (const [i, n] of plan.nodes.entries()) pids.set(n.name, await containerPid(ids[i]!));

    progress(`wiring ${plan.links.length} veth links inside the containers' namespaces`);
    if (plan.links.length) await run('ip', ['-batch', '-'], { input: vethBatch(plan, pids).join('\n') + '\n' });
    await mapLimit(plan.nodes, CREATE_CONCURRENCY, async (n) => {
      if (!n.interfaces.length) return;
      const lines = n.interfaces.map((i) => `link set dev ${i} up`).join('\n') + '\n';
      await run('nsenter', ['-t', String(pids.get(n.name)), '-n', 'ip', '-batch', '-'], { input: lines });
    });

    const withExec = plan.nodes.map((n, i) => ({ n, id: ids[i]! })).filter((x) => x.n.exec.length);
    if (withExec.length) progress(`running exec commands on ${withExec.length} nodes`);
    await mapLimit(withExec, CREATE_CONCURRENCY, async ({ n, id }) => {
      for (const argv of n.exec) {
        const r = await containerExec(id, argv, { timeoutMs: 30_000 });
        if (r.exitCode !== 0) {
          throw new BgplabError('E_EXEC', `node ${n.name}: exec command failed (exit ${r.exitCode}): ${argv.join(' ')}`, {
            details: (r.stderr || r.stdout).trim().split('\n').slice(-5),
            hint: "commands from the topology's `exec:` run inside the node, split on whitespace, without a shell",
          });
        }
      }
    });
  } catch (e) {
    const left = await labContainers(plan.name).catch(() => []);
    await removeContainers(left.map((c) => c.id)).catch(() => {});
    if (isBgplabError(e)) throw e;
    throw dockerError(e, 'deploy');
  }
}

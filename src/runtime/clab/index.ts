/**
 * The containerlab runtime: FRR nodes are Docker containers.
 *
 * Deploy and destroy go through the `containerlab` binary (execa, argument arrays):
 *   containerlab deploy  -t <dir>/<lab>.clab.yml --reconfigure
 *   containerlab destroy -t <topology> --cleanup
 * When containerlab is not installed, bgplab's own Docker deployer (docker-deploy.ts —
 * not containerlab, and it says so) creates the same containers with the same names and
 * labels. Everything after deploy goes through the Docker API (dockerode) on the
 * containers labelled `containerlab=<lab>` / `clab-node-name=<node>`, whichever made them:
 * exec, vtysh, link down/up (`ip link` inside the node), impairment (`tc netem`, or an
 * nftables drop on the peer's ingress where the kernel has no sch_netem), and stop/start of the FRR
 * daemons inside the node (`frrinit.sh stop|start`: the container and its links stay).
 *
 * Host footprint: nodes run with `network-mode: none` and `mgmt.skip-when-unused`, so
 * containerlab creates no management bridge, no host routes, no iptables rules and no
 * /etc/hosts entries. What containerlab itself still writes: the lab directory
 * `clab-<lab>/` next to the topology, and /etc/ssh/ssh_config.d/clab-<lab>.conf
 * (removed again by destroy). Its online version check is disabled (CLAB_VERSION_CHECK).
 *
 * This file is the Runtime: which deployer, prepare and deploy in order, exec and vtysh,
 * list. The rest answers one question a file: containerlab.ts (driving the containerlab
 * binary), docker-deploy.ts (the docker deployer), docker.ts (the Docker API), daemons.ts
 * (FRR's daemons in the nodes: up after deploy, stop/start, which run), links.ts (link
 * down/up, impairment), teardown.ts (destroy, leftovers).
 */
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { execa } from 'execa';
import type { DeployPlan } from '../../clab/topology.js';
import { vtyshError } from '../../frr/vtysh.js';
import { BgplabError } from '../../util/errors.js';
import { onPath } from '../../util/process.js';
import { parseDaemonsFile } from '../netns/frr.js';
import { assertLabName, readState, type NodeState } from '../state.js';
import { neighbourTablePressure } from '../host-facts.js';
import { linksOf } from '../lifecycle.js';
import type { DaemonHealth, DeployOptions, ExecResult, Impairment, Leftovers, PreparedLab, RunningLab, Runtime, StreamOptions, StreamResult } from '../runtime.js';
import { streamProcess } from '../stream.js';
import { containerlabDeploy, managementNetworkProblems } from './containerlab.js';
import { checkConfigs, daemonHealth, startRouting, stopRouting, waitReady } from './daemons.js';
import { containerExec, imageExists, labContainers, LABEL_TOPO, nodeContainer, type LabContainer } from './docker.js';
import { dockerDeploy } from './docker-deploy.js';
import { impairLink, setLink } from './links.js';
import { destroyLab, labLeftovers } from './teardown.js';

export { managementNetworkProblems } from './containerlab.js';
export { demuxFrames } from './docker.js';
export { FRRINIT, parsePs, parseShowDaemons } from './daemons.js';

export type Deployer = 'containerlab' | 'docker';

export interface ClabRuntimeOptions {
  /** auto (default): containerlab when on PATH, else bgplab's docker deployer. Env: BGPLAB_CLAB_DEPLOYER. */
  deployer?: 'auto' | Deployer;
}

let streamSeq = 0;

export class ClabRuntime implements Runtime {
  readonly kind = 'clab' as const;
  private readonly deployerChoice: 'auto' | Deployer;
  /** the deployer the last deploy used (for messages and tests) */
  lastDeployer?: Deployer;

  constructor(opts: ClabRuntimeOptions = {}) {
    const env = process.env['BGPLAB_CLAB_DEPLOYER'];
    this.deployerChoice = opts.deployer ?? (env === 'docker' || env === 'containerlab' ? env : 'auto');
  }

  /** Which deployer a deploy would use now, and why (one line). */
  async deployer(): Promise<{ deployer: Deployer; reason: string }> {
    const clab = await onPath('containerlab');
    if (this.deployerChoice === 'containerlab') {
      if (!clab) {
        throw new BgplabError('E_TOOL_MISSING', 'containerlab is not installed (or not on PATH)', {
          hint: 'make containerlab (builds it from its Go module), or unset BGPLAB_CLAB_DEPLOYER to use the docker deployer',
        });
      }
      return { deployer: 'containerlab', reason: `containerlab (${clab})` };
    }
    if (this.deployerChoice === 'docker') return { deployer: 'docker', reason: "bgplab's docker deployer (requested; this is not containerlab)" };
    if (clab) return { deployer: 'containerlab', reason: `containerlab (${clab})` };
    return { deployer: 'docker', reason: "containerlab is not installed: bgplab's docker deployer creates the same containers (this is not containerlab)" };
  }

  /** Docker answers, and containerlab (or the docker deployer) can be used. */
  async preflight(): Promise<void> {
    await this.deployer();
    await labContainers();
  }

  /** Images present, no management network, the daemons each node must run. Creates nothing. */
  async prepare(plan: DeployPlan): Promise<PreparedLab> {
    const { deployer, reason } = await this.deployer();
    for (const image of new Set(plan.nodes.map((n) => n.image ?? ''))) {
      if (!image) throw new BgplabError('E_TOPOLOGY', `${plan.file}: a node has no image`);
      if (!(await imageExists(image))) {
        throw new BgplabError('E_IMAGE_MISSING', `image ${image} is not on this machine (no registry is used)`, {
          hint: image.startsWith('bgplab/frr') ? 'build it: make images (offline, debootstrap + docker import)' : `docker build or docker load ${image}`,
        });
      }
    }
    if (deployer === 'containerlab') {
      const problems = managementNetworkProblems(plan);
      if (problems.length) {
        throw new BgplabError('E_CLAB_MGMT', `${plan.file}: containerlab would create a management network on the host`, {
          details: problems,
          hint: 'bgplab topologies set `mgmt: {skip-when-unused: true}` and `network-mode: none` on every node; regenerate with `bgplab generate`',
        });
      }
    }
    // the daemons each node must run: its bound daemons file decides (zebra always; staticd
    // unless the file says staticd=no, as bgplab's does: frrinit starts it anyway, it is then
    // just not required; mgmtd exists only from FRR 9 on, so it is not required)
    const nodes: NodeState[] = [];
    for (const n of plan.nodes) {
      const f = n.frrFiles['daemons'];
      const text = f ? await readFile(f, 'utf8').catch(() => undefined) : undefined;
      nodes.push({ name: n.name, daemons: parseDaemonsFile(text, (d) => d !== 'mgmtd').daemons, interfaces: n.interfaces, links: linksOf(plan, n.name) });
    }
    return { plan, nodes, how: reason };
  }

  async deploy(prepared: PreparedLab, opts: DeployOptions = {}): Promise<void> {
    const progress = opts.onProgress ?? (() => {});
    const { plan } = prepared;
    const { deployer, reason } = await this.deployer();
    this.lastDeployer = deployer;
    progress(`deploying with ${reason}`);
    const pressure = await neighbourTablePressure();
    if (pressure) progress(`warning: ${pressure}`);
    if (deployer === 'containerlab') {
      await containerlabDeploy(plan);
    } else {
      await dockerDeploy(plan, { onProgress: progress });
    }
    progress('waiting for FRR in every node');
    await waitReady(plan, prepared.nodes);
    await checkConfigs(plan);
  }

  /** Remove everything of a lab (teardown.ts says what and how); idempotent. */
  async destroy(lab: string): Promise<void> {
    assertLabName(lab);
    await destroyLab(lab);
  }

  async exec(lab: string, node: string, argv: readonly string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<ExecResult> {
    const c = await nodeContainer(lab, node);
    return containerExec(c.id, argv, opts);
  }

  async vtysh(lab: string, node: string, commands: readonly string[]): Promise<string> {
    const c = await nodeContainer(lab, node);
    const r = await containerExec(c.id, ['vtysh', ...commands.flatMap((x) => ['-c', x])], { timeoutMs: 30_000 });
    if (r.exitCode !== 0) throw vtyshError(node, r.stderr || r.stdout, r.exitCode);
    return r.stdout;
  }

  /** Streaming: `docker exec` (no TTY: the stream stays binary) with stdout piped to o.stdout. */
  async execStream(lab: string, node: string, argv: readonly string[], o: StreamOptions): Promise<StreamResult> {
    const c = await nodeContainer(lab, node);
    // the process in the container outlives a killed `docker exec`: record its pid (a fixed
    // script; argv stays separate words) and stop it by that pid
    const pidFile = `/tmp/bgplab-stream-${process.pid}-${++streamSeq}`;
    const stopInside = async () => {
      await containerExec(c.id, ['sh', '-c', 'kill -TERM "$(cat "$1")"', 'sh', pidFile], { timeoutMs: 10_000 });
    };
    try {
      return await streamProcess('docker', ['exec', c.name, 'sh', '-c', 'echo $$ > "$0"; exec "$@"', pidFile, ...argv], o, stopInside);
    } finally {
      await containerExec(c.id, ['rm', '-f', pidFile], { timeoutMs: 10_000 }).catch(() => undefined);
    }
  }

  /** Interactive: `docker exec -i[t]` with the terminal inherited. Returns the exit code. */
  async execInteractive(lab: string, node: string, argv: readonly string[]): Promise<number> {
    const c = await nodeContainer(lab, node);
    const flags = process.stdin.isTTY ? ['-it'] : ['-i'];
    const r = await execa('docker', ['exec', ...flags, c.name, ...argv], { stdio: 'inherit', reject: false });
    if ((r as { code?: string }).code === 'ENOENT') {
      throw new BgplabError('E_TOOL_MISSING', 'the docker CLI is not installed', { hint: 'apt-get install -y docker.io (or make docker)' });
    }
    return r.exitCode ?? 1;
  }

  async vtyshInteractive(lab: string, node: string): Promise<number> {
    return this.execInteractive(lab, node, ['vtysh']);
  }

  /** ip link set down/up on one end, inside its container (links.ts). */
  async setLink(lab: string, node: string, ifname: string, up: boolean): Promise<void> {
    await setLink(lab, node, ifname, up);
  }

  /** Impair what node:ifname sends: netem, or an nftables drop on the peer (links.ts). */
  async impairLink(lab: string, node: string, ifname: string, impairment: Impairment | null): Promise<void> {
    await impairLink(lab, node, ifname, impairment);
  }

  /** Stop the node's FRR; the container and its links stay (daemons.ts). */
  async stopRouting(lab: string, node: string): Promise<void> {
    await stopRouting(lab, node);
  }

  /** Start the node's FRR again and wait until its daemons answer (daemons.ts). */
  async startRouting(lab: string, node: string): Promise<void> {
    await startRouting(lab, node);
  }

  /** Daemons of one node: running or not (daemons.ts). */
  daemonHealth(c: LabContainer, daemons: readonly string[]): Promise<DaemonHealth[]> {
    return daemonHealth(c, daemons);
  }

  async list(): Promise<RunningLab[]> {
    const all = await labContainers();
    const byLab = new Map<string, LabContainer[]>();
    for (const c of all) byLab.set(c.lab, [...(byLab.get(c.lab) ?? []), c]);
    const out: RunningLab[] = [];
    for (const [lab, cs] of [...byLab].sort(([a], [b]) => a.localeCompare(b))) {
      const st = await readState(lab).catch(() => undefined);
      const topo = st?.topology ?? cs[0]?.labels[LABEL_TOPO];
      const nodes = await Promise.all(
        cs.map(async (c) => {
          const daemons = st?.nodes.find((n) => n.name === c.node)?.daemons ?? ['zebra', 'bgpd', 'staticd'];
          return { name: c.node, daemons: await this.daemonHealth(c, daemons) };
        }),
      );
      out.push({ name: lab, runtime: 'clab', dir: st?.dir ?? (topo ? dirname(topo) : ''), nodes });
    }
    return out;
  }

  /** What of a lab is still on the machine (teardown.ts). */
  leftovers(lab: string): Promise<Leftovers> {
    return labLeftovers(lab);
  }

  /** Every containerlab container belongs to a lab that list() shows: none is an orphan. */
  async orphans(): Promise<string[]> {
    return [];
  }
}

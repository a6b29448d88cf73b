/**
 * The netns runtime: each node is a Linux network namespace `clab-<lab>-<node>` (the
 * containerlab container name, so two labs never clash) running the distribution's FRR
 * daemons, wired with veth pairs exactly as the `<lab>.clab.yml` topology says.
 *
 * Per-node FRR state is private and lives in /run/bgplab/<lab>/<node>/: a copy of the
 * bound frr.conf / daemons / vtysh.conf, and each daemon's pid file, vty socket, zserv
 * socket and log. Daemons get explicit paths (`-f`, `-i`, `--vty_socket`, `-z`, `--log`),
 * and vtysh reaches a node with `--vty_socket <that dir>`, so it talks to that node's
 * daemons and no others. Daemons drop privileges to the distribution's `frr` user as
 * they do under systemd (the node directory is chowned to it); root only when no `frr`
 * user exists.
 *
 * Bring-up, in batches so that per-node cost stays low:
 *   1. one `ip -batch`: every namespace;
 *   2. sharded `ip -batch` of `netns exec NS sysctl -p FILE`: the topology's sysctls, BEFORE
 *      any veth exists, so `accept_dad=0` applies to them and link-locals work at once;
 *   3. one `ip -batch`: every veth pair, created directly inside both namespaces (nothing
 *      ever appears in the host namespace);
 *   4. sharded `ip -batch` of `netns exec NS DAEMON ...`: zebra (and mgmtd) on every node,
 *      then the other daemons, with every link still DOWN;
 *   5. poll the daemons' logs (files, no spawns) until each has read its whole config;
 *      a line that every daemon rejected fails the deploy (FRR 10: `vtysh -b` per node);
 *   6. sharded `ip -batch` of `netns exec NS ip -batch FILE`: lo and every link up, then
 *      the topology's `exec` commands (argv, no shell), as containerlab runs them after
 *      the links.
 * Links come up only once every daemon is running and configured. Measured on the 400-node
 * fabric (2 spines, 32 leaves, 366 single-homed servers, FRR 8.4, this 2-CPU machine): with
 * the links up before the daemons, sessions formed while the rest of the fabric was still
 * starting, each server got its 399 routes one UPDATE at a time over ~50 s, and the FRR
 * daemons used 68 CPU-s (a server's zebra 94 ms, its bgpd 52 ms); links up last, the
 * routes arrive in bursts: 38 CPU-s (56 and 22 ms), up in 45-58 s instead of 60-63 s.
 * The price, with FRR 8.4: interface events now reach a running bgpd, which handles each
 * down/up twice and can lose a peer's link-local address for good (one session of 1260 in 3
 * of 16 loaded 630-link bring-ups; observe/link-local.ts, docs/frr-8.4-lost-link-local.md);
 * `up` finds and mends it.
 * On any failure the lab is destroyed before the error is thrown, with the tail of the
 * failing daemon's log in the error.
 */
import { access, constants, readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { DeployPlan } from '../../clab/topology.js';
import { vtyshError } from '../../frr/vtysh.js';
import { BgplabError } from '../../util/errors.js';
import { allSettledOrThrow, chunk, mapLimit } from '../../util/pool.js';
import { onPath, run } from '../../util/process.js';
import { assertLabName, listStates, nodeStateDir, readState, type LabState, type NodeState } from '../state.js';
import { neighbourTablePressure } from '../host-facts.js';
import { checkImpairment, netemArgv, nftLossScript, nftTable, requireNftFallback } from '../impair.js';
import { linksOf } from '../lifecycle.js';
import type { DaemonHealth, DeployOptions, ExecResult, Impairment, Leftovers, PreparedLab, RunningLab, Runtime, StreamOptions, StreamResult } from '../runtime.js';
import { streamProcess } from '../stream.js';
import { NetnsContext } from './context.js';
import { awaitConfigRead, bootConfig, daemonTail, isFirstDaemon, startDaemons, startDaemonsBatched, targetOf, vtyshCommand, type DaemonTarget } from './daemons.js';
import { nodePaths, parseDaemonsFile } from './frr.js';
import { ipBatch } from './ip-batch.js';
import { FRR_DIR, nsName, prepareRuns, requireInterface, requireNode, type NodeRun } from './nodes.js';
import { cmdline, isAlive, readPidFile, terminate } from './proc.js';
import type { FrrInstall } from './rootfs.js';
import { destroyLab, labLeftovers, netnsOrphans } from './teardown.js';
import { vtyShow } from './vty.js';
import { applySysctls, createLinks, linksUp, runExec, writeNodeFiles } from './wiring.js';

export { FRR_DIR, nsName } from './nodes.js';

const FRR_HINT = 'install FRR: apt-get install -y frr (or run `make setup`)';

export interface NetnsRuntimeOptions {
  /** max concurrent per-node operations (default: 4 × CPUs, 8..32) */
  concurrency?: number;
}

export class NetnsRuntime implements Runtime {
  readonly kind = 'netns' as const;
  private readonly ctx: NetnsContext;
  private readonly prepared = new WeakMap<PreparedLab, NodeRun[]>();

  constructor(opts: NetnsRuntimeOptions = {}) {
    const env = Number(process.env['BGPLAB_CONCURRENCY']);
    this.ctx = new NetnsContext(opts.concurrency ?? (env > 0 ? env : Math.min(32, Math.max(8, availableParallelism() * 4))));
  }

  // ---------------------------------------------------------------- preflight

  /** Root and FRR present; throws the user errors with hints. */
  async preflight(): Promise<void> {
    await this.requireRoot();
    for (const bin of [`${FRR_DIR}/zebra`, `${FRR_DIR}/bgpd`]) {
      try {
        await access(bin, constants.X_OK);
      } catch {
        throw new BgplabError('E_FRR_MISSING', `FRR is not installed: ${bin} not found`, { hint: FRR_HINT });
      }
    }
    if (!(await onPath('vtysh'))) throw new BgplabError('E_FRR_MISSING', 'FRR is not installed: vtysh not found on PATH', { hint: FRR_HINT });
    if (!(await onPath('ip'))) {
      throw new BgplabError('E_TOOL_MISSING', 'ip (iproute2) is not installed', { hint: 'apt-get install -y iproute2 (or run `make setup`)' });
    }
  }

  /** Root: namespaces, daemons and their cleanup all need it. */
  private async requireRoot(): Promise<void> {
    if (typeof process.getuid === 'function' && process.getuid() !== 0) {
      throw new BgplabError('E_NOT_ROOT', 'the netns runtime needs root: it creates network namespaces and starts FRR daemons', {
        hint: 'run it with sudo (sudo bgplab ...), or use --runtime clab with Docker',
      });
    }
  }

  // ---------------------------------------------------------------- deploy

  /** Every node's FRR files read and checked, and what the state records of it; nothing is created. */
  async prepare(plan: DeployPlan): Promise<PreparedLab> {
    const runs = await prepareRuns(plan);
    const nodes: NodeState[] = runs.map((r) => ({
      name: r.node.name,
      ns: r.ns,
      daemons: r.daemons.daemons,
      ...(r.frr.root ? { frrRoot: r.frr.root } : {}),
      interfaces: r.node.interfaces,
      links: linksOf(plan, r.node.name),
    }));
    const roots = [...new Set(runs.map((r) => r.frr.root ?? FRR_DIR))];
    const prepared: PreparedLab = { plan, nodes, how: `${runs.length} network namespaces, FRR from ${roots.join(' and ')}` };
    this.prepared.set(prepared, runs);
    return prepared;
  }

  async deploy(prepared: PreparedLab, opts: DeployOptions = {}): Promise<void> {
    const progress = opts.onProgress ?? (() => {});
    const { plan } = prepared;
    const lab = plan.name;
    const runs = this.prepared.get(prepared) ?? (await prepareRuns(plan));
    const pressure = await neighbourTablePressure();
    if (pressure) progress(`warning: ${pressure}`);
    progress(`${runs.length} nodes: writing FRR files`);
    await writeNodeFiles(this.ctx, runs);
    progress(`${runs.length} namespaces`);
    await ipBatch(runs.map((r) => `netns add ${r.ns}`));
    progress('sysctls');
    await applySysctls(this.ctx, runs);
    progress(`${plan.links.length} links`);
    await createLinks(plan);
    progress(`zebra on ${runs.length} nodes`);
    await startDaemonsBatched(this.ctx, lab, runs, (r) => r.daemons.daemons.filter(isFirstDaemon));
    progress(`bgpd and the other daemons on ${runs.length} nodes`);
    await startDaemonsBatched(this.ctx, lab, runs, (r) => r.daemons.daemons.filter((d) => !isFirstDaemon(d)));
    progress('daemons reading their config');
    await awaitConfigRead(lab, runs.filter((r) => !r.frr.root));
    const booted = runs.filter((r) => r.frr.root && r.node.frrFiles['frr.conf']);
    if (booted.length) {
      progress(`vtysh -b on ${booted.length} FRR 10 nodes`);
      await allSettledOrThrow(chunk(booted, Math.ceil(booted.length / this.ctx.concurrency)).map(async (c) => {
        for (const r of c) await bootConfig(targetOf(r), r.node.frrFiles['frr.conf']!);
      }));
    }
    // last, once every daemon listens (see the header): lo with them, its addresses are
    // already configured and bgpd announces them when their connected routes appear
    progress('links up, exec');
    await linksUp(this.ctx, runs);
    await mapLimit(runs.filter((r) => r.node.exec.length), this.ctx.concurrency, (r) => runExec(r));
  }

  /** The tail of a daemon's startup output and log, for error messages (daemons.ts). */
  daemonTail(lab: string, node: string, daemon: string, n = 12): Promise<string[]> {
    return daemonTail(lab, node, daemon, n);
  }

  // ---------------------------------------------------------------- destroy

  /** Remove everything of a lab (teardown.ts says what and how); idempotent. */
  async destroy(lab: string): Promise<void> {
    assertLabName(lab);
    await this.requireRoot();
    await destroyLab(lab);
  }

  // ---------------------------------------------------------------- operate

  /** Run argv inside the node's namespace (with its own /sys, via ip netns exec). */
  async exec(lab: string, node: string, argv: readonly string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<ExecResult> {
    const { ns } = await requireNode(lab, node);
    if (!argv.length) throw new BgplabError('E_USAGE', 'exec needs a command');
    return run('ip', ['netns', 'exec', ns, ...argv], { check: false, timeoutMs: opts.timeoutMs, input: opts.input });
  }

  /**
   * Full argv of vtysh bound to one node's daemons (also used for interactive vtysh), run as
   * is: the host's vtysh, or for an FRR 10 node the rootfs's inside the node (its vtysh
   * knows mgmtd and 10's commands). --config_dir: `write memory` writes the node's copy,
   * never the host's /etc/frr.
   */
  vtyshArgv(st: LabState, node: string, commands: readonly string[] = []): string[] {
    const n = st.nodes.find((x) => x.name === node);
    const dir = nodeStateDir(st.name, node);
    const frr: FrrInstall = n?.frrRoot ? { version: '10', root: n.frrRoot } : { version: 'host' };
    const cmd = vtyshCommand({ lab: st.name, dir, frr }, commands.flatMap((c) => ['-c', c]));
    return frr.root ? ['ip', 'netns', 'exec', n?.ns ?? nsName(st.name, node), ...cmd] : cmd;
  }

  /**
   * Run vtysh commands on one node; stdout of all of them, concatenated. Throws
   * E_VTYSH when vtysh fails (e.g. "bgpd is not running").
   */
  async vtysh(lab: string, node: string, commands: readonly string[]): Promise<string> {
    const { st } = await requireNode(lab, node);
    // show commands go straight to the daemon's vty socket (no vtysh process: ~50x less CPU per poll)
    const fast = await vtyShow(nodeStateDir(lab, node), commands);
    if (fast !== undefined) return fast;
    const [bin, ...args] = this.vtyshArgv(st, node, commands);
    const r = await run(bin!, args, { check: false, timeoutMs: 30_000 });
    if (r.exitCode !== 0) throw vtyshError(node, r.stderr || r.stdout, r.exitCode);
    return r.stdout;
  }

  /** Streaming: ip netns exec with stdout piped to o.stdout. */
  async execStream(lab: string, node: string, argv: readonly string[], o: StreamOptions): Promise<StreamResult> {
    const { ns } = await requireNode(lab, node);
    if (!argv.length) throw new BgplabError('E_USAGE', 'exec needs a command');
    return streamProcess('ip', ['netns', 'exec', ns, ...argv], o);
  }

  /** Interactive: inherit the terminal. Returns the exit code. */
  async execInteractive(lab: string, node: string, argv: readonly string[]): Promise<number> {
    const { ns } = await requireNode(lab, node);
    const r = await execa('ip', ['netns', 'exec', ns, ...argv], { stdio: 'inherit', reject: false });
    return r.exitCode ?? 1;
  }

  async vtyshInteractive(lab: string, node: string): Promise<number> {
    const { st } = await requireNode(lab, node);
    const [bin, ...args] = this.vtyshArgv(st, node);
    const r = await execa(bin!, args, { stdio: 'inherit', reject: false });
    return r.exitCode ?? 1;
  }

  /** ip link set down/up on one end; with veth the other end loses carrier too. */
  async setLink(lab: string, node: string, ifname: string, up: boolean): Promise<void> {
    const ns = await requireInterface(lab, node, ifname);
    await run('ip', ['-n', ns, 'link', 'set', 'dev', ifname, up ? 'up' : 'down']);
  }

  /**
   * Impair what node:ifname sends: netem on its egress. Kernels without sch_netem
   * (CONFIG_NET_SCH_NETEM unset, as on this CI VM) get loss from nftables instead, applied
   * where a veth delivers it: a netdev ingress chain on the PEER's interface. Drops there
   * are silent, like netem's. Measured on 6.18 why not elsewhere: in a netdev egress chain
   * `numgen random` drops are counted but packets still arrive (0 % loss); in inet
   * postrouting the sender gets EPERM from sendmsg, so ping counts errors, not loss.
   * Delay cannot be emulated without netem: E_UNSUPPORTED. null removes both kinds.
   */
  async impairLink(lab: string, node: string, ifname: string, impairment: Impairment | null): Promise<void> {
    const ns = await requireInterface(lab, node, ifname);
    const st = (await readState(lab))!;
    const link = st.nodes.find((n) => n.name === node)?.links?.find((l) => l.ifname === ifname);
    const peerNs = link ? (st.nodes.find((n) => n.name === link.peer)?.ns ?? nsName(lab, link.peer)) : undefined;
    const table = link ? nftTable(link.peerIfname) : '';
    if (impairment === null) {
      await run('tc', ['-n', ns, 'qdisc', 'del', 'dev', ifname, 'root'], { check: false });
      if (peerNs) await run('ip', ['netns', 'exec', peerNs, 'nft', 'delete', 'table', 'netdev', table], { check: false });
      return;
    }
    const { loss, delay } = checkImpairment(impairment);
    const [tc, ...netem] = netemArgv(ifname, impairment);
    const r = await run(tc!, ['-n', ns, ...netem], { check: false });
    if (r.exitCode === 0) return;
    requireNftFallback(node, ifname, r.stderr, delay);
    if (!link || !peerNs) {
      throw new BgplabError('E_IMPAIR', `cannot impair ${node}:${ifname}: no netem qdisc, and the lab state does not say where the link leads`);
    }
    const script = nftLossScript(link.peerIfname, loss);
    const n = await run('ip', ['netns', 'exec', peerNs, 'nft', '-f', '-'], { check: false, input: script });
    if (n.exitCode !== 0) {
      throw new BgplabError('E_IMPAIR', `cannot impair ${node}:${ifname}: no netem qdisc and nftables failed`, {
        details: n.stderr.trim().split('\n'),
      });
    }
  }

  /**
   * Stop a node's FRR daemons with SIGTERM (a clean stop: zebra withdraws its kernel
   * routes, bgpd sends a Cease, so neighbors drop the sessions at once). Links stay up.
   */
  async stopRouting(lab: string, node: string): Promise<void> {
    const { st, dir } = await requireNode(lab, node);
    const daemons = st.nodes.find((n) => n.name === node)?.daemons ?? [];
    const pids: number[] = [];
    for (const d of daemons) {
      const pid = await readPidFile(nodePaths(dir).pid(d));
      if (pid !== undefined && (await isAlive(pid)) && (await cmdline(pid)).includes(dir)) pids.push(pid);
    }
    await terminate(pids);
  }

  /** Start the node's daemons that are not running (same config as at deploy). */
  async startRouting(lab: string, node: string): Promise<void> {
    const { st, ns, dir } = await requireNode(lab, node);
    const n = st.nodes.find((x) => x.name === node);
    const daemons = n?.daemons ?? [];
    const dtext = await readFile(join(dir, 'daemons'), 'utf8').catch(() => undefined);
    const file = parseDaemonsFile(dtext);
    const health = await this.daemonHealth(lab, node, daemons);
    const down = health.filter((h) => !h.running).map((h) => h.daemon);
    const frr: FrrInstall = n?.frrRoot ? { version: '10', root: n.frrRoot } : { version: 'host' };
    const t: DaemonTarget = { lab, name: node, ns, dir, daemons: file, frr };
    await startDaemons(this.ctx, t, down);
    // FRR 10's daemons start empty: the config again, as at deploy
    if (frr.root && down.length) await bootConfig(t, join(dir, 'frr.conf'));
  }

  async daemonHealth(lab: string, node: string, daemons: readonly string[]): Promise<DaemonHealth[]> {
    const dir = nodeStateDir(lab, node);
    return Promise.all(
      daemons.map(async (d) => {
        const pid = await readPidFile(nodePaths(dir).pid(d));
        const running = pid !== undefined && (await isAlive(pid)) && (await cmdline(pid)).includes(dir);
        return { daemon: d, running, ...(pid !== undefined && running ? { pid } : {}) };
      }),
    );
  }

  async list(): Promise<RunningLab[]> {
    const out: RunningLab[] = [];
    for (const st of await listStates()) {
      if (st.runtime !== 'netns') continue;
      const nodes = await Promise.all(st.nodes.map(async (n) => ({ name: n.name, daemons: await this.daemonHealth(st.name, n.name, n.daemons) })));
      out.push({ name: st.name, runtime: 'netns', dir: st.dir, nodes });
    }
    return out;
  }

  /** Namespaces named like a containerlab node (clab-*) that no lab state claims. */
  async orphans(): Promise<string[]> {
    return netnsOrphans();
  }

  /** What of a lab is still on the machine: namespaces, processes, mounts, its state directory. */
  async leftovers(lab: string): Promise<Leftovers> {
    return labLeftovers(lab);
  }
}

/**
 * The one interface between bgplab and a running lab. Commands, checks, observation and
 * faults talk to nodes only through it (never through a concrete class), so every one of
 * them runs unchanged on netns and on containerlab.
 *
 * A runtime deploys from a plan read from the emitted artifacts: `<dir>/<lab>.clab.yml`
 * (the containerlab topology, the single source of truth for nodes, links, binds, sysctls
 * and exec commands; src/clab/topology.ts reads it). The lifecycle around deploy (one
 * "already up" rule for every runtime, the lab state record, one destroy-on-failure
 * path) is runtime-neutral and lives in lifecycle.ts.
 */
import type { DeployPlan } from '../clab/topology.js';
import type { NodeState } from './state.js';

export type RuntimeKind = 'netns' | 'clab';

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface Impairment {
  /** packet loss, percent (100 = cut without carrier loss) */
  lossPct?: number;
  /** added one-way delay, ms */
  delayMs?: number;
}

/** A streaming exec: the command's stdout goes to `stdout` as it comes (binary-safe: a pcap stream). */
export interface StreamOptions {
  stdout: NodeJS.WritableStream;
  /** aborting stops the command (SIGTERM inside the node) and resolves with its exit code */
  signal?: AbortSignal;
}

export interface StreamResult {
  exitCode: number;
  stderr: string;
  /** stopped by the signal */
  stopped: boolean;
}

export interface DaemonHealth {
  daemon: string;
  running: boolean;
  pid?: number;
}

export interface RunningLab {
  name: string;
  runtime: RuntimeKind;
  /** The artifacts directory it was deployed from */
  dir: string;
  nodes: { name: string; daemons: DaemonHealth[] }[];
}

export interface DeployOptions {
  /** Called with a short message as deployment progresses (for the progress display) */
  onProgress?: (msg: string) => void;
}

/** A plan checked by the runtime, with what the lab state records of each node. Nothing is created yet. */
export interface PreparedLab {
  plan: DeployPlan;
  nodes: NodeState[];
  /** one line: how the runtime will deploy (e.g. which deployer) */
  how?: string;
}

/** What of a lab is still on this machine (empty after a clean destroy). */
export interface Leftovers {
  /** one line per kind of thing left, e.g. "10 namespaces: clab-x-a, ..." */
  items: string[];
  namespaces?: string[];
  pids?: number[];
  mounts?: string[];
  containers?: string[];
  /** the lab's state directory still exists */
  stateDir: boolean;
}

export interface Runtime {
  readonly kind: RuntimeKind;
  /** Can this runtime deploy on this machine (root, FRR, Docker, ...)? Throws the user error with a hint. */
  preflight(): Promise<void>;
  /** Check a plan (files readable, daemons installed, images present); creates nothing. */
  prepare(plan: DeployPlan): Promise<PreparedLab>;
  /**
   * Create the lab. Called by lifecycle.deployLab after the state is recorded; when it
   * throws, lifecycle destroys what it created (one cleanup path for every runtime).
   */
  deploy(lab: PreparedLab, opts?: DeployOptions): Promise<void>;
  /** Remove everything the lab created. Idempotent; works after a crash or a half-finished deploy. */
  destroy(lab: string): Promise<void>;
  /** Run argv inside a node (its network namespace / container). Never a shell string. */
  exec(lab: string, node: string, argv: readonly string[], opts?: { timeoutMs?: number; input?: string }): Promise<ExecResult>;
  /** argv inside a node, its stdout streamed (tcpdump -w -), stderr collected; never a shell string. */
  execStream(lab: string, node: string, argv: readonly string[], o: StreamOptions): Promise<StreamResult>;
  /** argv inside a node with the terminal attached (a TTY when there is one); resolves to its exit code. */
  execInteractive(lab: string, node: string, argv: readonly string[]): Promise<number>;
  /** Run vtysh commands against this node's FRR only; returns stdout. E_DAEMON_DOWN / E_VTYSH on failure. */
  vtysh(lab: string, node: string, commands: readonly string[]): Promise<string>;
  /** Interactive vtysh on the node; resolves to its exit code. */
  vtyshInteractive(lab: string, node: string): Promise<number>;
  /** Administratively set one end of a link down or up (veth: the peer loses carrier too). */
  setLink(lab: string, node: string, ifname: string, up: boolean): Promise<void>;
  /** Impair traffic leaving node:ifname; null removes the impairment. */
  impairLink(lab: string, node: string, ifname: string, impairment: Impairment | null): Promise<void>;
  /** Stop / start the routing daemons of a node (its links stay up). */
  stopRouting(lab: string, node: string): Promise<void>;
  startRouting(lab: string, node: string): Promise<void>;
  /** Labs of this runtime that are (at least partly) present on this machine. */
  list(): Promise<RunningLab[]>;
  /** What of this lab exists on this machine for this runtime (namespaces, processes, containers, state). */
  leftovers(lab: string): Promise<Leftovers>;
  /** Things named like lab nodes that no recorded lab claims (a crashed lab), one line each. */
  orphans(): Promise<string[]>;
}

/**
 * The one interface between bgplab and a running lab. Checks talk to nodes only through
 * it, so every check runs unchanged on netns and on containerlab.
 *
 * A runtime deploys from the emitted artifacts directory: `<dir>/<lab>.clab.yml` (the
 * containerlab topology, the single source of truth for nodes, links, binds, sysctls and
 * exec commands) and `<dir>/bgplab.json` (the resolved Lab model, see src/lab/model.ts).
 */

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
  /** Called with a short message as deployment progresses (for listr2 output) */
  onProgress?: (msg: string) => void;
}

export interface Runtime {
  readonly kind: RuntimeKind;
  /** Deploy the lab from its artifacts directory. Throws BgplabError on failure, leaving nothing behind. */
  deploy(dir: string, opts?: DeployOptions): Promise<void>;
  /** Remove everything the lab created. Idempotent; works after a crash or a half-finished deploy. */
  destroy(lab: string): Promise<void>;
  /** Run argv inside a node (its network namespace / container). Never a shell string. */
  exec(lab: string, node: string, argv: readonly string[], opts?: { timeoutMs?: number }): Promise<ExecResult>;
  /** Run vtysh commands against this node's FRR only; returns stdout. */
  vtysh(lab: string, node: string, commands: readonly string[]): Promise<string>;
  /** Administratively set one end of a link down or up (veth: the peer loses carrier too). */
  setLink(lab: string, node: string, ifname: string, up: boolean): Promise<void>;
  /** Impair traffic leaving node:ifname with netem; null removes the impairment. */
  impairLink(lab: string, node: string, ifname: string, impairment: Impairment | null): Promise<void>;
  /** Stop / start the routing daemons of a node (its links stay up). */
  stopRouting(lab: string, node: string): Promise<void>;
  startRouting(lab: string, node: string): Promise<void>;
  /** Labs of this runtime that are (at least partly) present on this machine. */
  list(): Promise<RunningLab[]>;
}

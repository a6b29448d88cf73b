/**
 * A user error: something the person running bgplab can fix (bad lab file, missing
 * tool, not root). The CLI prints message + hint and exits non-zero without a stack.
 * Anything that is not a BgplabError is a bug and is printed with its stack.
 *
 * Every code is in ERROR_CODES with its one-line meaning: callers branch on `code`,
 * never on message text.
 */
export const ERROR_CODES = {
  // usage and input
  E_USAGE: 'the command line is wrong (an option, a missing argument)',
  E_UNKNOWN_CHECK: '--only names a check that does not exist',
  E_LAB_READ: 'the lab file cannot be read',
  E_LAB_MISSING: 'the lab file does not exist',
  E_LAB_INVALID: 'the lab file has problems (each listed with file:line:col)',
  E_LAB_NAME: 'a lab name is not valid',
  E_TOPOLOGY: 'a containerlab topology cannot be read or has problems',
  E_ARTIFACTS: 'the generated artifacts (topology, bgplab.json, FRR files) are missing or unreadable',
  E_OUT_DIR: 'the output directory cannot be written (not a directory, a kernel file system, a conflict)',
  E_NO_MODEL: "the lab's model (bgplab.json) cannot be found",
  E_EXERCISE_INVALID: 'an exercise file has problems (each listed with file:line:col)',
  E_EXERCISE_UNKNOWN: 'no exercise of that id is shipped',
  E_EXERCISE: 'the lab runs no exercise, another exercise, or the exercise cannot go on (data says which)',
  E_FAILOVER_TARGET: 'a failover scenario or fault names no existing link or node',
  E_SNAPSHOT: 'a snapshot file (bgplab snapshot -o FILE, check --baseline FILE) cannot be read or written, or is not a valid snapshot',
  // the machine
  E_NOT_ROOT: 'the operation needs root',
  E_TOOL_MISSING: 'an external program is not installed',
  E_FRR_MISSING: 'FRR (or one of its daemons) is not installed',
  E_COMMAND_FAILED: 'an external program exited non-zero',
  E_TIMEOUT: 'an external program did not finish in time',
  E_IP: 'an ip -batch command failed',
  E_DOCKER: 'the Docker API answered with an error',
  E_DOCKER_DOWN: 'the Docker daemon does not answer',
  E_DOCKER_PERM: 'no permission to use the Docker socket',
  E_DOCKER_HUNG: 'the Docker daemon stopped answering mid-operation',
  E_IMAGE_MISSING: 'a node image is not on this machine',
  E_CLAB_UNAVAILABLE: 'the containerlab runtime is not available in this build',
  E_CLAB_MGMT: 'containerlab would create a management network on the host',
  E_HOST_LIMIT: 'the lab does not fit what the machine has left (neighbour table, memory, tasks); nothing was created',
  E_HOST_TUNE: 'bgplab host tune could not read, change or restore a host setting',
  E_UNSUPPORTED: 'this kernel or runtime cannot do what was asked (e.g. delay without sch_netem)',
  // lab lifecycle
  E_LAB_UP: 'a lab of that name is already up (on any runtime)',
  E_NO_LAB: 'no lab of that name is up',
  E_LAB_AMBIGUOUS: 'several labs are up and none was named',
  E_NO_NODE: 'the lab has no such node, or its namespace/container is gone',
  E_IFACE_MISSING: 'the node has no such interface',
  E_DEPLOY: 'deploying the lab failed',
  E_CLAB_DEPLOY: 'containerlab deploy failed',
  E_LINK: 'creating or changing a link failed',
  E_EXEC: "a topology's exec command failed inside a node",
  E_DAEMON_DIED: 'an FRR daemon failed to start or died',
  E_DAEMON_STUCK: 'an FRR daemon did not finish reading its config in time',
  E_FRR_START: 'FRR did not come up inside a node',
  E_FRR_CONFIG: 'FRR rejected configuration lines',
  E_DOWN: 'taking the lab down left something behind',
  E_WAIT_TIMEOUT: 'the lab did not converge in time (the lab is left up)',
  E_INTERRUPTED: 'interrupted by a signal (what was changed was restored or taken down)',
  // operating a running lab
  E_VTYSH: 'vtysh on a node failed',
  E_DAEMON_DOWN: 'the FRR daemon a command needs is not running (data.daemon names it)',
  E_FRR_OUTPUT: 'FRR printed something that is not the expected JSON',
  E_ROUTING: "stopping or starting a node's routing daemons failed",
  E_NODE_DOWN: "a node's container is not running",
  E_IMPAIR: 'an impairment (loss, delay) could not be applied or removed',
  E_FAULT: 'a fault cannot be injected or healed as asked',
  E_PROBE: 'the traffic probe failed',
  E_TRACEROUTE: 'traceroute inside a node failed',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class BgplabError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  /** Extra lines printed under the message (e.g. one line per validation problem). */
  readonly details: string[];
  /** Structured facts for callers (never parse the message): e.g. { daemon: 'bgpd' }. */
  readonly data: Readonly<Record<string, string>>;

  constructor(code: ErrorCode, message: string, opts: { hint?: string; details?: string[]; cause?: unknown; data?: Record<string, string> } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'BgplabError';
    this.code = code;
    this.hint = opts.hint;
    this.details = opts.details ?? [];
    this.data = opts.data ?? {};
  }
}

export function isBgplabError(e: unknown, code?: ErrorCode): e is BgplabError {
  return e instanceof BgplabError && (code === undefined || e.code === code);
}

/** One line for a report: the message and its details. */
export function errorText(e: unknown): string {
  if (e instanceof BgplabError) return [e.message, ...e.details].join(' | ');
  return e instanceof Error ? e.message : String(e);
}

/**
 * The one adapter between bgplab and the Docker Engine API (dockerode): find a lab's
 * containers by the labels containerlab puts on them, run argv inside one (stdout and
 * stderr demultiplexed, the real exit code, a timeout that kills the process; or a coded
 * error when it fails), read the tail of a container's log, and turn "Docker is not
 * there" into coded errors with a fix.
 */
import { PassThrough } from 'node:stream';
import type Dockerode from 'dockerode';
import { BgplabError, type ErrorCode } from '../../util/errors.js';
import type { ExecResult } from '../runtime.js';

/** Labels containerlab sets on every node container (and bgplab's docker deployer too). */
export const LABEL_LAB = 'containerlab';
export const LABEL_NODE = 'clab-node-name';
export const LABEL_TOPO = 'clab-topo-file';
/** Set only by bgplab's docker deployer (src/runtime/clab/docker-deploy.ts), never by containerlab. */
export const LABEL_DEPLOYER = 'bgplab.deployer';

export const DOCKER_HINT = 'start Docker: `make docker` (installs docker.io and starts dockerd), or use --runtime netns';

export interface LabContainer {
  id: string;
  /** container name without the leading slash: clab-<lab>-<node> */
  name: string;
  lab: string;
  node: string;
  state: string;
  labels: Record<string, string>;
}

let client: Dockerode | undefined;

/** One client per process; dockerode is loaded lazily so the netns path never needs it. */
export async function docker(): Promise<Dockerode> {
  if (!client) {
    // a CommonJS module: under ESM its export is the namespace's default
    const mod = (await import('dockerode')) as unknown as { default: typeof Dockerode };
    client = new mod.default();
  }
  return client;
}

/** Map a failed Docker API call to a coded error ("not running", "no permission"). */
export function dockerError(e: unknown, what: string): BgplabError {
  const err = e as { code?: string; statusCode?: number; message?: string; json?: { message?: string } };
  if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') {
    return new BgplabError('E_DOCKER_DOWN', `Docker does not answer (${what}): ${err.code}`, { hint: DOCKER_HINT, cause: e });
  }
  if (err.code === 'EACCES') {
    return new BgplabError('E_DOCKER_PERM', `no permission to talk to Docker (${what})`, { hint: 'run as root (or a member of the docker group)', cause: e });
  }
  const msg = err.json?.message ?? err.message ?? String(e);
  return new BgplabError('E_DOCKER', `Docker: ${what}: ${msg.trim()}`, { cause: e });
}

function toLabContainer(c: Dockerode.ContainerInfo): LabContainer {
  const labels = c.Labels ?? {};
  return {
    id: c.Id,
    name: (c.Names?.[0] ?? c.Id).replace(/^\//, ''),
    lab: labels[LABEL_LAB] ?? '',
    node: labels[LABEL_NODE] ?? '',
    state: c.State,
    labels,
  };
}

/** Every container (running or not) labelled containerlab=<lab>; all labs when lab is undefined. */
export async function labContainers(lab?: string): Promise<LabContainer[]> {
  const d = await docker();
  try {
    const list = await d.listContainers({ all: true, filters: { label: [lab === undefined ? LABEL_LAB : `${LABEL_LAB}=${lab}`] } });
    return list.map(toLabContainer).sort((a, b) => a.name.localeCompare(b.name));
  } catch (e) {
    throw dockerError(e, 'list containers');
  }
}

/** The container of one node, by labels. Throws E_NO_NODE naming the lab's nodes. */
export async function nodeContainer(lab: string, node: string): Promise<LabContainer> {
  const all = await labContainers(lab);
  const c = all.find((x) => x.node === node);
  if (!c) {
    if (all.length === 0) {
      throw new BgplabError('E_LAB_MISSING', `lab ${lab} has no containers`, { hint: 'bring it up: bgplab up --runtime clab LABFILE' });
    }
    throw new BgplabError('E_NO_NODE', `lab ${lab} has no node ${node}`, { hint: `its nodes: ${all.map((x) => x.node).join(', ')}` });
  }
  if (c.state !== 'running') {
    throw new BgplabError('E_NODE_DOWN', `node ${node} of lab ${lab} is not running (container ${c.name} is ${c.state})`, {
      hint: `docker start ${c.name}, or bring the lab up again`,
    });
  }
  return c;
}

export interface ContainerExecOptions {
  timeoutMs?: number;
  /** written to the process's stdin, which is then closed */
  input?: string;
  env?: Record<string, string>;
}

/**
 * Run argv in a running container (no shell; argv goes to the kernel as is). Stdout and
 * stderr come back separately and the exit code is the process's. A timeout kills the
 * process (the exec's host pid: dockerd runs on this machine) and throws E_TIMEOUT,
 * like src/util/process.ts does for host commands.
 */
export async function containerExec(containerId: string, argv: readonly string[], opts: ContainerExecOptions = {}): Promise<ExecResult> {
  if (argv.length === 0) throw new BgplabError('E_USAGE', 'exec needs a command');
  const d = await docker();
  let exec: Dockerode.Exec;
  try {
    exec = await d.getContainer(containerId).exec({
      Cmd: [...argv],
      AttachStdout: true,
      AttachStderr: true,
      AttachStdin: opts.input !== undefined,
      Tty: false,
      ...(opts.env ? { Env: Object.entries(opts.env).map(([k, v]) => `${k}=${v}`) } : {}),
    });
  } catch (e) {
    throw dockerError(e, `exec in ${containerId.slice(0, 12)}`);
  }
  let stream: NodeJS.ReadWriteStream;
  try {
    stream = (await exec.start({ hijack: true, stdin: opts.input !== undefined })) as unknown as NodeJS.ReadWriteStream;
  } catch (e) {
    throw dockerError(e, `start exec ${argv[0]}`);
  }
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const so = new PassThrough();
  const se = new PassThrough();
  so.on('data', (b: Buffer) => out.push(b));
  se.on('data', (b: Buffer) => err.push(b));
  d.modem.demuxStream(stream, so, se);
  if (opts.input !== undefined) {
    stream.write(opts.input);
    // half-close: the process sees EOF on stdin, the attach stream still delivers output
    (stream as unknown as { end(): void }).end();
  }
  const done = new Promise<void>((resolve, reject) => {
    stream.on('end', () => resolve());
    stream.on('close', () => resolve());
    stream.on('error', (e) => reject(e));
  });
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const deadline =
    opts.timeoutMs === undefined
      ? undefined
      : new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            timedOut = true;
            resolve();
          }, opts.timeoutMs);
        });
  try {
    await (deadline ? Promise.race([done, deadline]) : done);
  } catch (e) {
    throw dockerError(e, `exec ${argv[0]}`);
  } finally {
    if (timer) clearTimeout(timer);
  }
  if (timedOut) {
    const info = await exec.inspect().catch(() => undefined);
    if (info?.Running && info.Pid > 0) {
      try {
        process.kill(info.Pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    (stream as unknown as { destroy?: () => void }).destroy?.();
    throw new BgplabError('E_TIMEOUT', `${argv.join(' ')} timed out after ${opts.timeoutMs} ms`);
  }
  // The attach stream can end a moment before dockerd records the exit code.
  let exitCode = -1;
  for (let i = 0; i < 100; i++) {
    const info = await exec.inspect().catch((e: unknown) => {
      throw dockerError(e, 'inspect exec');
    });
    if (!info.Running && info.ExitCode !== null) {
      exitCode = info.ExitCode;
      break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), exitCode };
}

/** argv in the container; a non-zero exit throws `code` naming the node, with the tail of the output. */
export async function mustExec(c: LabContainer, argv: readonly string[], what: string, code: ErrorCode, input?: string): Promise<ExecResult> {
  const r = await containerExec(c.id, argv, { timeoutMs: 30_000, ...(input !== undefined ? { input } : {}) });
  if (r.exitCode !== 0) {
    throw new BgplabError(code, `${what} failed on ${c.node} (exit ${r.exitCode})`, { details: (r.stderr || r.stdout).trim().split('\n').slice(-8) });
  }
  return r;
}

/** The host pid of a running container's init (its network namespace is /proc/<pid>/ns/net). */
export async function containerPid(containerId: string): Promise<number> {
  const d = await docker();
  try {
    const info = await d.getContainer(containerId).inspect();
    const pid = info.State?.Pid ?? 0;
    if (!info.State?.Running || pid <= 0) {
      throw new BgplabError('E_NODE_DOWN', `container ${info.Name.replace(/^\//, '')} is not running (${info.State?.Status ?? '?'})`);
    }
    return pid;
  } catch (e) {
    if (e instanceof BgplabError) throw e;
    throw dockerError(e, `inspect ${containerId.slice(0, 12)}`);
  }
}

/** Is the image present locally? (No registry is contacted.) */
export async function imageExists(image: string): Promise<boolean> {
  const d = await docker();
  try {
    await d.getImage(image).inspect();
    return true;
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return false;
    throw dockerError(e, `inspect image ${image}`);
  }
}

/** Remove containers by id (force: running ones are killed). Missing ones are fine. */
export async function removeContainers(ids: readonly string[]): Promise<void> {
  const d = await docker();
  await Promise.all(
    ids.map(async (id) => {
      try {
        await d.getContainer(id).remove({ force: true, v: true });
      } catch (e) {
        const code = (e as { statusCode?: number }).statusCode;
        if (code === 404) return;
        // 409: removal already in progress (a concurrent destroy); wait until it is gone
        if (code === 409) {
          for (let i = 0; i < 50; i++) {
            await new Promise((r) => setTimeout(r, 100));
            try {
              await d.getContainer(id).inspect();
            } catch {
              return;
            }
          }
        }
        throw dockerError(e, `remove container ${id.slice(0, 12)}`);
      }
    }),
  );
}

/** Docker's multiplexed log/attach stream (8-byte frame headers) → text, stdout and stderr merged. */
export function demuxFrames(buf: Buffer): string {
  const parts: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length && buf[i]! <= 2 && buf[i + 1] === 0 && buf[i + 2] === 0 && buf[i + 3] === 0) {
    const size = buf.readUInt32BE(i + 4);
    parts.push(buf.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  // not multiplexed (a TTY container): the rest as is
  if (i < buf.length) parts.push(buf.subarray(i));
  return Buffer.concat(parts).toString('utf8');
}

/** The last 15 lines of a container's log (stdout and stderr merged); none when Docker cannot say. */
export async function containerLogs(id: string): Promise<string[]> {
  try {
    const d = await docker();
    const buf = (await d.getContainer(id).logs({ stdout: true, stderr: true, tail: 15 })) as unknown as Buffer;
    return demuxFrames(buf).split('\n').map((l) => l.trim()).filter(Boolean);
  } catch {
    return [];
  }
}

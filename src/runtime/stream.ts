/**
 * The one streaming exec both runtimes use: a host program (ip netns exec ..., docker
 * exec ...) whose stdout is piped, binary-safe, into a stream until it exits or the signal
 * stops it. SIGTERM on the signal (tcpdump then flushes its last packets), SIGKILL 2 s later.
 */
import { execa } from 'execa';
import type { StreamOptions, StreamResult } from './runtime.js';
import { BgplabError } from '../util/errors.js';

/**
 * `stopInside`: how to stop the command when killing the host program does not reach it
 * (docker exec: the process in the container outlives its CLI); the CLI is killed 2 s later.
 */
export async function streamProcess(file: string, args: readonly string[], o: StreamOptions, stopInside?: () => Promise<void>): Promise<StreamResult> {
  const child = execa(file, args, { reject: false, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', encoding: 'buffer', buffer: { stdout: false, stderr: true }, forceKillAfterDelay: 2000 });
  child.stdout!.pipe(o.stdout as NodeJS.WritableStream, { end: false });
  let stopped = false;
  const stop = () => {
    stopped = true;
    if (!stopInside) return void child.kill('SIGTERM');
    const late = setTimeout(() => child.kill('SIGTERM'), 2000);
    void stopInside()
      .catch(() => child.kill('SIGTERM'))
      .finally(() => void child.finally(() => clearTimeout(late)));
  };
  if (o.signal?.aborted) stop();
  o.signal?.addEventListener('abort', stop, { once: true });
  try {
    const r = await child;
    if ((r as { code?: string }).code === 'ENOENT') throw new BgplabError('E_TOOL_MISSING', `${file} is not installed (or not on PATH)`);
    return { exitCode: r.exitCode ?? (stopped ? 0 : -1), stderr: Buffer.from(r.stderr as Uint8Array).toString('utf8'), stopped };
  } finally {
    o.signal?.removeEventListener('abort', stop);
  }
}

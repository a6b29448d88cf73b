import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { execa, type Options } from 'execa';
import { BgplabError } from './errors.js';

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** How to install each external tool we call, for the "not installed" hint. */
const INSTALL_HINTS: Record<string, string> = {
  ip: 'install iproute2: apt-get install -y iproute2 (or run `make setup`)',
  vtysh: 'install FRR: apt-get install -y frr (or run `make setup`)',
  zebra: 'install FRR: apt-get install -y frr (or run `make setup`)',
  bgpd: 'install FRR: apt-get install -y frr (or run `make setup`)',
  containerlab: 'install containerlab (see README, "Runtimes"), or use --runtime netns',
  docker: 'install Docker: apt-get install -y docker.io, then start dockerd',
  traceroute: 'install traceroute: apt-get install -y traceroute',
  ping: 'install ping: apt-get install -y iputils-ping',
};

/**
 * Run an external program with an argument array (never a shell string).
 * A missing program becomes a coded BgplabError with an install hint.
 * With `check` (default) a non-zero exit becomes a BgplabError carrying stderr.
 */
export async function run(
  file: string,
  args: readonly string[],
  opts: { check?: boolean; input?: string; timeoutMs?: number; env?: Record<string, string>; cwd?: string } = {},
): Promise<RunResult> {
  const options: Options = {
    reject: false,
    stripFinalNewline: false,
    timeout: opts.timeoutMs,
    input: opts.input,
    env: opts.env,
    cwd: opts.cwd,
  };
  const r = await execa(file, args, options);
  const base = file.split('/').pop() ?? file;
  if ((r as { code?: string }).code === 'ENOENT' || (r.failed && /ENOENT/.test(String(r.message)) && r.exitCode === undefined)) {
    throw new BgplabError('E_TOOL_MISSING', `${base} is not installed (or not on PATH)`, {
      hint: INSTALL_HINTS[base] ?? `install ${base}`,
      cause: r,
    });
  }
  const res: RunResult = { stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), exitCode: r.exitCode ?? -1 };
  if (r.timedOut) {
    throw new BgplabError('E_TIMEOUT', `${base} ${args.join(' ')} timed out after ${opts.timeoutMs} ms`, { cause: r });
  }
  if ((opts.check ?? true) && res.exitCode !== 0) {
    throw new BgplabError('E_COMMAND_FAILED', `${base} ${args.join(' ')} exited with ${res.exitCode}`, {
      details: (res.stderr || res.stdout).trim().split('\n').slice(-15),
      cause: r,
    });
  }
  return res;
}

/** Full path of an executable on PATH, or undefined. */
export async function onPath(bin: string): Promise<string | undefined> {
  for (const d of (process.env['PATH'] ?? '').split(':')) {
    if (!d) continue;
    try {
      await access(join(d, bin), constants.X_OK);
      return join(d, bin);
    } catch {
      /* next */
    }
  }
  return undefined;
}

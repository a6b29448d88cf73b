/** Live-test helpers for the workshop commands: the built CLI as a subprocess (piped, no colour) and the default lab under another name. */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';

export function cli(args: string[], opts: { timeout?: number } = {}) {
  const env: Record<string, string | undefined> = { ...process.env, VITEST: undefined, VITEST_WORKER_ID: undefined, VITEST_POOL_ID: undefined, FORCE_COLOR: '0', NO_COLOR: '1' };
  return execa('node', ['dist/cli.js', ...args], { reject: false, env, extendEnv: false, timeout: opts.timeout ?? 180_000, all: true });
}

/** labs/clos.yml (the default lab) renamed, with BFD on (so a cut is seen within BFD's detect time). */
export async function defaultLabFile(dir: string, name: string, extra = 'bfd: true\n'): Promise<string> {
  const f = join(dir, `${name}.yml`);
  await writeFile(f, (await readFile('labs/clos.yml', 'utf8')).replace(/^name: .*$/m, `name: ${name}`) + extra);
  return f;
}

export async function build(): Promise<void> {
  await execa('npx', ['tsc', '-p', 'tsconfig.json']);
}

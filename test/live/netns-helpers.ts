/**
 * Live-test helpers for the netns runtime: artifacts of a shipped lab under a unique
 * `nst*` name (so the labs of other tests running at the same time never collide), and
 * checks of what a lab left on the machine.
 */
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { loadLabText } from '../../src/lab/load.js';
import type { Lab } from '../../src/lab/model.js';
import { writeArtifacts } from '../../src/render/index.js';
import { nsName } from '../../src/runtime/netns/index.js';
import { cmdline, listNetns, mountsMatching, processNetns } from '../../src/runtime/netns/proc.js';
import { labStateDir } from '../../src/runtime/state.js';

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Generate `file` renamed to `name` into a fresh temporary directory. */
export async function artifacts(file: string, name: string, edit: (text: string) => string = (t) => t): Promise<{ lab: Lab; dir: string }> {
  const text = edit((await readFile(file, 'utf8')).replace(/^name: .*$/m, `name: ${name}`));
  const r = loadLabText(text, file);
  if (!r.lab) throw new Error(`lab does not load: ${r.problems.map((p) => p.message).join('; ')}`);
  const dir = await mkdtemp(join(tmpdir(), `${name}-`));
  await writeArtifacts(r.lab, dir);
  return { lab: r.lab, dir };
}

/** Everything of a lab still on the machine: namespaces, processes (in them or naming its dir), mounts, state. */
export async function leftovers(lab: string): Promise<string[]> {
  const out: string[] = [];
  const prefix = nsName(lab, '');
  for (const ns of await listNetns()) if (ns.startsWith(prefix)) out.push(`namespace ${ns}`);
  const dir = labStateDir(lab);
  for (const [pid] of await processNetns()) {
    const argv = await cmdline(pid);
    if (argv.some((a) => a.includes(`${dir}/`) || a === dir)) out.push(`process ${pid}: ${argv.join(' ')}`);
  }
  for (const m of [...(await mountsMatching(`/run/netns/${prefix}`)), ...(await mountsMatching(dir))]) out.push(`mount ${m}`);
  try {
    await readdir(dir);
    out.push(`state dir ${dir}`);
  } catch {
    /* gone */
  }
  return out;
}

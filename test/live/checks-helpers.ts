/**
 * Live-test helpers for the checks: deploy a shipped lab under a unique `ck*` name on the
 * netns runtime (real FRR, real kernel), wait until it converged, and always destroy it.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLabText } from '../../src/lab/load.js';
import type { Lab } from '../../src/lab/model.js';
import { writeArtifacts } from '../../src/render/index.js';
import { NetnsRuntime } from '../../src/runtime/netns/index.js';
import { deployLab as deployArtifacts } from '../../src/runtime/lifecycle.js';
import { waitForSessions } from '../../src/checks/sessions.js';
import type { CheckContext } from '../../src/checks/types.js';

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

export interface LiveLab {
  lab: Lab;
  dir: string;
  runtime: NetnsRuntime;
  ctx: CheckContext;
  destroy(): Promise<void>;
}

/** Load `file` renamed to `name` (plus YAML edits), deploy it and wait for every session with its prefixes. */
export async function deployLab(file: string, name: string, edit: (text: string) => string = (t) => t): Promise<LiveLab> {
  const text = edit((await readFile(file, 'utf8')).replace(/^name: .*$/m, `name: ${name}`));
  const r = loadLabText(text, file);
  if (!r.lab) throw new Error(`lab does not load: ${r.problems.map((p) => p.message).join('; ')}`);
  const lab = r.lab;
  const dir = await mkdtemp(join(tmpdir(), `${name}-`));
  await writeArtifacts(lab, dir);
  const runtime = new NetnsRuntime();
  const destroy = async () => {
    await runtime.destroy(lab.name);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await runtime.destroy(lab.name); // a previous crashed run
    await deployArtifacts(runtime, dir, [runtime]);
    const ctx: CheckContext = { lab, runtime };
    const w = await waitForSessions(ctx, 60_000);
    if (!w.ok) throw new Error(`${name} did not converge: ${w.failing.slice(0, 3).map((f) => f.message).join('; ')}`);
    return { lab, dir, runtime, ctx, destroy };
  } catch (e) {
    await destroy();
    throw e;
  }
}

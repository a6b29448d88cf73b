/**
 * Live-test helpers for the containerlab runtime: make sure Docker answers and the node
 * image exists (starting dockerd / building the image offline when they do not, exactly
 * as `make docker images` would), and deploy a lab under a unique `c5*` name.
 */
import { execFileSync } from 'node:child_process';
import { access, constants, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLabText } from '../../src/lab/load.js';
import type { Lab } from '../../src/lab/model.js';
import { topologyFile, writeArtifacts } from '../../src/render/index.js';
import { ClabRuntime, managementNetworkProblems, type Deployer } from '../../src/runtime/clab/index.js';
import { parseTopology } from '../../src/clab/topology.js';
import { deployLab } from '../../src/runtime/lifecycle.js';
import { docker, imageExists } from '../../src/runtime/clab/docker.js';

export const IMAGE = 'bgplab/frr:latest';
export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

export async function dockerAnswers(): Promise<boolean> {
  try {
    await Promise.race([(await docker()).ping(), new Promise((_, rej) => setTimeout(() => rej(new Error('timeout')), 3000).unref())]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Docker up and the image built, or the reason why not. Starting dockerd and building the
 * image are what `make docker images` does; doing it here keeps `vitest run` self-contained.
 */
export async function ensureDockerAndImage(): Promise<{ ok: true } | { ok: false; reason: string }> {
  if (!isRoot) return { ok: false, reason: 'not root' };
  if (!(await dockerAnswers())) {
    try {
      execFileSync('bash', ['images/start-dockerd.sh'], { stdio: 'inherit', timeout: 90_000 });
    } catch (e) {
      return { ok: false, reason: `Docker cannot run here: images/start-dockerd.sh failed (${(e as Error).message.split('\n')[0]})` };
    }
    if (!(await dockerAnswers())) return { ok: false, reason: 'Docker cannot run here: dockerd started but does not answer' };
  }
  if (!(await imageExists(IMAGE))) {
    // not a skip: with Docker running, a missing image is a failure of the build
    execFileSync('bash', ['images/build-offline.sh'], { stdio: 'inherit', timeout: 20 * 60_000 });
  }
  return { ok: true };
}

export async function containerlabOnPath(): Promise<boolean> {
  for (const d of (process.env['PATH'] ?? '').split(':')) {
    if (!d) continue;
    try {
      await access(join(d, 'containerlab'), constants.X_OK);
      return true;
    } catch {
      /* next */
    }
  }
  return false;
}

/** bgplab topologies keep containerlab off the host network: no management bridge at all. */
export function assertNoManagementNetwork(text: string): string {
  const problems = managementNetworkProblems(parseTopology(text, '/x/topology.clab.yml'));
  if (problems.length) throw new Error(`the rendered topology would make containerlab create a management network: ${problems.join('; ')}`);
  return text;
}

export interface ClabLab {
  lab: Lab;
  dir: string;
  runtime: ClabRuntime;
  deployMs: number;
  destroy(): Promise<void>;
}

/** Generate a lab (YAML text, renamed to `name`) into a temp dir, optionally edit its topology, and deploy it with `deployer`. */
export async function deployClabLab(
  labYaml: string,
  name: string,
  deployer: Deployer,
  editTopology: (text: string) => string = (t) => t,
): Promise<ClabLab> {
  const r = loadLabText(labYaml.replace(/^name: .*$/m, `name: ${name}`), `${name}.yml`);
  if (!r.lab) throw new Error(`lab does not load: ${r.problems.map((p) => p.message).join('; ')}`);
  const lab = r.lab;
  const dir = await mkdtemp(join(tmpdir(), `${name}-`));
  await writeArtifacts(lab, dir);
  const topo = join(dir, topologyFile(lab));
  await writeFile(topo, editTopology(assertNoManagementNetwork(await readFile(topo, 'utf8'))));
  const runtime = new ClabRuntime({ deployer });
  const destroy = async () => {
    await runtime.destroy(lab.name);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await runtime.destroy(lab.name); // a previous crashed run
    const t0 = Date.now();
    await deployLab(runtime, dir, [runtime]);
    return { lab, dir, runtime, deployMs: Date.now() - t0, destroy };
  } catch (e) {
    await destroy().catch(() => {});
    throw e;
  }
}

/** Poll until `probe` returns no problems; the timeout error lists the last ones. */
export async function until(what: string, probe: () => Promise<string[]>, timeoutMs = 30_000): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const problems = await probe().catch((e: unknown) => [String((e as Error).message ?? e)]);
    if (problems.length === 0) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}: ${problems.slice(0, 5).join(' | ')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Small fabrics for the live tests (no `announce:` VIPs: some CI kernels lack CONFIG_DUMMY). */
export const LAB_1x2x1 = 'name: x\nfabric:\n  spines: 1\n  leaves: 2\n  servers: 1\n';

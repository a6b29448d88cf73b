/**
 * Which runtime runs (or runs) a lab. `auto` picks containerlab when it is installed and
 * Docker answers, netns otherwise, and says why. For a running lab the recorded state
 * (/run/bgplab/<lab>/state.json) decides, so `down`/`status`/`exec` need no --runtime.
 */
import { BgplabError } from '../util/errors.js';
import { onPath } from '../util/process.js';
import { NetnsRuntime } from './netns/index.js';
import { listStates, readState } from './state.js';
import type { Runtime, RuntimeKind, RunningLab } from './runtime.js';

export type RuntimeChoice = 'auto' | RuntimeKind;

export interface SelectedRuntime {
  runtime: Runtime;
  kind: RuntimeKind;
  /** one line for the user: why this runtime */
  reason: string;
}

/** Does the Docker daemon answer a ping within timeoutMs? */
export async function dockerAnswers(timeoutMs = 2000): Promise<boolean> {
  try {
    type DockerCtor = new () => { ping(): Promise<unknown> };
    const m = (await import('dockerode')) as unknown as { default?: DockerCtor } & DockerCtor;
    const Docker: DockerCtor = m.default ?? m;
    const ping = new Docker().ping();
    const timeout = new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timeout')), timeoutMs).unref());
    await Promise.race([ping, timeout]);
    return true;
  } catch {
    return false;
  }
}

/**
 * The containerlab runtime (src/runtime/clab/index.ts, exporting ClabRuntime), loaded lazily so
 * the netns path never needs Docker libraries. Throws E_CLAB_UNAVAILABLE when it is not built.
 */
export async function loadClabRuntime(): Promise<Runtime> {
  // a variable specifier: the module is optional at compile time
  const spec = './clab/index.js';
  let mod: { ClabRuntime?: new () => Runtime };
  try {
    mod = (await import(spec)) as { ClabRuntime?: new () => Runtime };
  } catch (e) {
    throw new BgplabError('E_CLAB_UNAVAILABLE', 'the containerlab runtime is not available in this build (src/runtime/clab/index.ts is missing)', {
      hint: 'use --runtime netns',
      cause: e,
    });
  }
  if (!mod.ClabRuntime) {
    throw new BgplabError('E_CLAB_UNAVAILABLE', 'src/runtime/clab/index.ts does not export ClabRuntime', { hint: 'use --runtime netns' });
  }
  return new mod.ClabRuntime();
}

export async function selectRuntime(choice: RuntimeChoice = 'auto'): Promise<SelectedRuntime> {
  if (choice === 'netns') return { runtime: new NetnsRuntime(), kind: 'netns', reason: 'requested with --runtime netns' };
  // the containerlab runtime checks its own prerequisites (containerlab or its Docker deployer)
  if (choice === 'clab') return { runtime: await loadClabRuntime(), kind: 'clab', reason: 'requested with --runtime clab' };
  const clab = await onPath('containerlab');
  if (!clab) return { runtime: new NetnsRuntime(), kind: 'netns', reason: 'auto: containerlab is not installed' };
  if (!(await dockerAnswers())) return { runtime: new NetnsRuntime(), kind: 'netns', reason: 'auto: containerlab is installed but Docker does not answer' };
  try {
    return { runtime: await loadClabRuntime(), kind: 'clab', reason: `auto: containerlab (${clab}) is installed and Docker answers` };
  } catch {
    return { runtime: new NetnsRuntime(), kind: 'netns', reason: 'auto: the containerlab runtime is not built' };
  }
}

/** The runtime of a lab that is (partly) up: its state file, else namespaces, else containerlab. */
export async function runtimeForLab(lab: string): Promise<SelectedRuntime | undefined> {
  const st = await readState(lab);
  if (st?.runtime === 'netns') return { runtime: new NetnsRuntime(), kind: 'netns', reason: 'recorded at deploy' };
  if (st?.runtime === 'clab') return { runtime: await loadClabRuntime(), kind: 'clab', reason: 'recorded at deploy' };
  for (const r of await availableRuntimes()) {
    const left = await r.leftovers(lab).catch(() => undefined);
    if (left?.items.length) return { runtime: r, kind: r.kind, reason: `found: ${left.items[0]}` };
  }
  return undefined;
}

/** netns always; the containerlab runtime when it is built and Docker answers (it can deploy without containerlab). */
export async function availableRuntimes(): Promise<Runtime[]> {
  const out: Runtime[] = [new NetnsRuntime()];
  if (await dockerAnswers(1500)) {
    try {
      out.push(await loadClabRuntime());
    } catch {
      /* not built */
    }
  }
  return out;
}

/** Every lab on this machine, from every available runtime (deduplicated by name). */
export async function listAllLabs(): Promise<RunningLab[]> {
  const seen = new Map<string, RunningLab>();
  for (const r of await availableRuntimes()) {
    for (const l of await r.list().catch(() => [] as RunningLab[])) if (!seen.has(l.name)) seen.set(l.name, l);
  }
  // labs recorded by a runtime that is not available right now (e.g. Docker stopped)
  for (const st of await listStates()) {
    if (!seen.has(st.name)) seen.set(st.name, { name: st.name, runtime: st.runtime, dir: st.dir, nodes: st.nodes.map((n) => ({ name: n.name, daemons: [] })) });
  }
  return [...seen.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The runtime for a lab a command names (or the only running one): E_NO_LAB when it is not up. */
export async function runningLab(name: string | undefined): Promise<{ lab: string; runtime: Runtime; kind: RuntimeKind }> {
  const lab = name ?? (await defaultRunningLab());
  const sel = await runtimeForLab(lab);
  if (!sel) throw new BgplabError('E_NO_LAB', `lab "${lab}" is not up`, { hint: 'bgplab ls shows the running labs; bgplab up LABFILE starts one' });
  return { lab, runtime: sel.runtime, kind: sel.kind };
}

/** The lab a command means when none is named: the only running one. */
export async function defaultRunningLab(): Promise<string> {
  const labs = await listAllLabs();
  if (labs.length === 1) return labs[0]!.name;
  if (labs.length === 0) throw new BgplabError('E_NO_LAB', 'no lab is up', { hint: 'bring one up: bgplab up [LABFILE]' });
  throw new BgplabError('E_LAB_AMBIGUOUS', `${labs.length} labs are up: ${labs.map((l) => l.name).join(', ')}`, { hint: 'name one with --lab LAB' });
}

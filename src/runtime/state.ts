/**
 * Lab state on this machine, under /run/bgplab/<lab>/ (tmpfs: gone after a reboot, like
 * the namespaces and processes it describes). state.json is written BEFORE anything is
 * created (lifecycle.ts), so `down`, `status` and `ls` work from any directory and after
 * a crash or a half-finished `up`. Runtime-neutral: both runtimes record their labs here.
 * faults.json beside it lists the faults injected into the running lab (src/faults).
 */
import { link, mkdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { RuntimeKind } from './runtime.js';
import { NAME_RE } from '../clab/topology.js';
import { BgplabError } from '../util/errors.js';
import { listDir, writeFileAtomic } from '../util/fs.js';

export const STATE_ROOT = process.env['BGPLAB_STATE_DIR'] ?? '/run/bgplab';

export interface NodeState {
  name: string;
  /** network namespace (netns runtime) */
  ns?: string;
  /** daemons started for the node, zebra first */
  daemons: string[];
  /** netns runtime: the FRR rootfs the node runs from (FRR 10); absent: the host's FRR */
  frrRoot?: string;
  interfaces: string[];
  /** where each fabric interface leads (veth peer) */
  links?: { ifname: string; peer: string; peerIfname: string }[];
}

export interface LabState {
  version: 1;
  name: string;
  runtime: RuntimeKind;
  /** 'deploying' until deploy finished, then 'up' */
  phase: 'deploying' | 'up';
  /** artifacts directory the lab was deployed from (absolute) */
  dir: string;
  /** topology file (absolute) */
  topology: string;
  createdAt: string;
  /** pid of the bgplab process that deployed it */
  pid: number;
  nodes: NodeState[];
}

export function assertLabName(lab: string): void {
  if (!NAME_RE.test(lab)) {
    throw new BgplabError('E_LAB_NAME', `"${lab}" is not a valid lab name`, { hint: `lab names match ${NAME_RE.source}` });
  }
}

export const labStateDir = (lab: string) => join(STATE_ROOT, lab);
export const nodeStateDir = (lab: string, node: string) => join(STATE_ROOT, lab, node);
export const statePath = (lab: string) => join(STATE_ROOT, lab, 'state.json');

/** Parsed state.json by path, kept while the file is the same (writeState renames: a new inode). */
const stateCache = new Map<string, { key: string; state: LabState }>();

/**
 * The lab's recorded state. Read-only (frozen): the same object is handed out until the
 * file changes, because every vtysh/exec call looks its node up here and on a 400-node
 * lab parsing state.json each time cost more CPU than the daemons' convergence.
 */
export async function readState(lab: string): Promise<LabState | undefined> {
  const p = statePath(lab);
  try {
    const st = await stat(p);
    const key = `${st.ino}:${st.size}:${st.mtimeMs}`;
    const hit = stateCache.get(p);
    if (hit?.key === key) return hit.state;
    const state = deepFreeze(JSON.parse(await readFile(p, 'utf8')) as LabState);
    stateCache.set(p, { key, state });
    return state;
  } catch {
    stateCache.delete(p);
    return undefined;
  }
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

let tmpSeq = 0;
/** A temporary file beside path, unique across processes (pid) and within one (sequence). */
const tmpName = (path: string) => `${path}.${process.pid}.${++tmpSeq}.tmp`;

/** write-then-rename: a crash never leaves a half-written file */
async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

export async function writeState(state: LabState): Promise<void> {
  await writeJsonAtomic(statePath(state.name), state);
}

/**
 * Record a new lab's state only if no state of that name exists, atomically (link(2) fails
 * with EEXIST, a rename would replace): two `up`s of one name started at the same moment
 * both pass the "already up" look, and exactly one of them claims the name here.
 * False when another process holds it.
 */
export async function claimState(state: LabState): Promise<boolean> {
  const path = statePath(state.name);
  await mkdir(dirname(path), { recursive: true });
  const tmp = tmpName(path);
  await writeFile(tmp, JSON.stringify(state, null, 2) + '\n');
  try {
    await link(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    await unlink(tmp).catch(() => {});
  }
}

export const faultsPath = (lab: string) => join(STATE_ROOT, lab, 'faults.json');

/** The faults recorded for a lab (src/faults/types.ts gives them their shape). */
export async function readFaults<F>(lab: string): Promise<F[]> {
  try {
    const v = JSON.parse(await readFile(faultsPath(lab), 'utf8')) as unknown;
    return Array.isArray(v) ? (v as F[]) : [];
  } catch {
    return [];
  }
}

/** Replace a lab's fault record (the lab must be recorded: a fault outlives no lab). */
export async function writeFaults<F>(lab: string, faults: readonly F[]): Promise<void> {
  assertLabName(lab);
  if (!faults.length) {
    await rm(faultsPath(lab), { force: true });
    return;
  }
  await writeJsonAtomic(faultsPath(lab), faults);
}

export async function listStates(): Promise<LabState[]> {
  const out: LabState[] = [];
  for (const n of (await listDir(STATE_ROOT)).sort()) {
    if (!NAME_RE.test(n)) continue;
    const s = await readState(n);
    if (s) out.push(s);
  }
  return out;
}

export async function removeLabState(lab: string): Promise<void> {
  assertLabName(lab);
  await rm(labStateDir(lab), { recursive: true, force: true });
}

/** A training exercise's progress in this lab (src/exercise/progress.ts gives it its shape). */
export const exercisePath = (lab: string) => join(STATE_ROOT, lab, 'exercise.json');

export async function readExerciseProgress<P>(lab: string): Promise<P | undefined> {
  try {
    return JSON.parse(await readFile(exercisePath(lab), 'utf8')) as P;
  } catch {
    return undefined;
  }
}

export async function writeExerciseProgress<P>(lab: string, progress: P): Promise<void> {
  assertLabName(lab);
  await writeJsonAtomic(exercisePath(lab), progress);
}

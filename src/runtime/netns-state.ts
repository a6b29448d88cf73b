/**
 * Lab state on this machine, under /run/bgplab/<lab>/ (tmpfs: gone after a reboot, like
 * the namespaces and processes it describes). state.json is written BEFORE anything is
 * created, so `down`, `status` and `ls` work from any directory and after a crash or a
 * half-finished `up`. Runtime-neutral: the containerlab runtime may record its labs here too.
 */
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RuntimeKind } from './runtime.js';
import { NAME_RE } from './topology.js';
import { BgplabError } from '../util/errors.js';

export const STATE_ROOT = process.env['BGPLAB_STATE_DIR'] ?? '/run/bgplab';

export interface NodeState {
  name: string;
  /** network namespace (netns runtime) */
  ns?: string;
  /** daemons started for the node, zebra first */
  daemons: string[];
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

export async function readState(lab: string): Promise<LabState | undefined> {
  try {
    return JSON.parse(await readFile(statePath(lab), 'utf8')) as LabState;
  } catch {
    return undefined;
  }
}

export async function writeState(state: LabState): Promise<void> {
  await mkdir(labStateDir(state.name), { recursive: true });
  // write-then-rename: a crash never leaves a half-written state.json
  const tmp = `${statePath(state.name)}.tmp`;
  await writeFile(tmp, JSON.stringify(state, null, 2) + '\n');
  await rename(tmp, statePath(state.name));
}

export async function listStates(): Promise<LabState[]> {
  let names: string[];
  try {
    names = await readdir(STATE_ROOT);
  } catch {
    return [];
  }
  const out: LabState[] = [];
  for (const n of names.sort()) {
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

/**
 * What of a containerlab lab is on this machine, and removing it: its containers (found by
 * their labels, whichever deployer made them) and its state directory.
 */
import { access } from 'node:fs/promises';
import { BgplabError } from '../../util/errors.js';
import { onPath } from '../../util/process.js';
import { assertLabName, readState, removeLabState } from '../state.js';
import type { Leftovers } from '../runtime.js';
import { containerlabDestroy } from './containerlab.js';
import { labContainers, LABEL_DEPLOYER, LABEL_TOPO, removeContainers, type LabContainer } from './docker.js';
import { DEPLOYER_NAME } from './docker-deploy.js';

/**
 * Remove a lab's containers and state directory: containerlab destroy when containerlab made
 * them (or when only the state is left) and its topology file still exists, then whatever
 * is left through Docker. ClabRuntime.destroy checks the lab name first.
 */
export async function destroyLab(lab: string): Promise<void> {
  const st = await readState(lab);
  let containers: LabContainer[] = [];
  try {
    containers = await labContainers(lab);
  } catch (e) {
    // Docker down and nothing recorded: nothing of ours can exist
    if (!st) return;
    throw e;
  }
  const topo = st?.topology ?? containers.find((c) => c.labels[LABEL_TOPO])?.labels[LABEL_TOPO];
  const byContainerlab = containers.some((c) => c.labels[LABEL_DEPLOYER] !== DEPLOYER_NAME);
  let clabError: string[] | undefined;
  if (topo && (byContainerlab || (containers.length === 0 && st)) && (await onPath('containerlab'))) {
    const exists = await access(topo).then(
      () => true,
      () => false,
    );
    if (exists) {
      clabError = await containerlabDestroy(lab, topo);
    }
  }
  // whatever is left (docker deployer, a half-finished deploy, a topology that moved)
  const left = await labContainers(lab);
  if (left.length) await removeContainers(left.map((c) => c.id));
  const still = await labContainers(lab);
  if (still.length) {
    throw new BgplabError('E_DOWN', `could not remove containers: ${still.map((c) => c.name).join(', ')}`, {
      details: clabError ?? [],
      hint: `docker rm -f ${still[0]!.name}`,
    });
  }
  await removeLabState(lab);
}

/** What of a lab is still on the machine: its containers and its state directory. Docker down: nothing of ours can run. */
export async function labLeftovers(lab: string): Promise<Leftovers> {
  assertLabName(lab);
  const containers = (await labContainers(lab).catch(() => [] as LabContainer[])).map((c) => c.name);
  const items = containers.length ? [`${containers.length} containers`] : [];
  return { items, containers, stateDir: (await readState(lab)) !== undefined };
}

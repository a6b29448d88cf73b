/**
 * The runtime-neutral lifecycle of a lab: one "already up" rule for every runtime, the
 * state record written before anything is created, and one destroy-on-failure path.
 * Runtimes only create and remove; this decides when.
 */
import { findTopologyFile, loadTopology, type DeployPlan } from '../clab/topology.js';
import { BgplabError, isBgplabError } from '../util/errors.js';
import { assertHostFits } from './host-facts.js';
import type { DeployOptions, PreparedLab, Runtime } from './runtime.js';
import { assertLabName, claimState, readState, writeState, type LabState } from './state.js';

/**
 * Refuse a lab name that is up, or partly present, on ANY runtime: a recorded state, or
 * anything a runtime finds of it (namespaces, processes, containers). Touches nothing.
 */
export async function assertNotUp(lab: string, runtimes: readonly Runtime[]): Promise<void> {
  assertLabName(lab);
  const st = await readState(lab);
  const found: string[] = [];
  for (const r of runtimes) {
    const left = await r.leftovers(lab).catch(() => undefined);
    if (left?.items.length) found.push(...left.items.map((i) => `${r.kind}: ${i}`));
  }
  if (st || found.length) {
    throw new BgplabError('E_LAB_UP', `lab "${lab}" is already up${st ? ` (${st.runtime}, from ${st.dir})` : ''}`, {
      details: found.slice(0, 5),
      hint: `take it down first: bgplab down ${lab}`,
    });
  }
}

export interface DeployedLab {
  state: LabState;
  prepared: PreparedLab;
}

/**
 * Deploy the artifacts in `dir` on `runtime`: load the topology, refuse a name that is up
 * anywhere (`others`: every runtime that can be asked), let the runtime check the plan,
 * check that it fits the machine (host-facts.ts), record the state, create. On any failure what was created is destroyed before the
 * error is thrown, and the error says so.
 */
export async function deployLab(
  runtime: Runtime,
  dir: string,
  others: readonly Runtime[],
  opts: DeployOptions = {},
  /** a plan read (and renamed) by the caller: a containerlab topology bgplab did not write (src/app/foreign.ts) */
  given?: DeployPlan,
): Promise<DeployedLab> {
  await runtime.preflight();
  const plan = given ?? (await loadTopology(await findTopologyFile(dir)));
  await assertNotUp(plan.name, others);
  const prepared = await runtime.prepare(plan);
  // what the lab needs from the machine (shared by every lab on it) against what is left:
  // refused here, before anything exists, rather than a session timeout after the deploy
  await assertHostFits(plan.name, prepared.nodes, (m) => opts.onProgress?.(m));
  const state: LabState = {
    version: 1,
    name: plan.name,
    runtime: runtime.kind,
    phase: 'deploying',
    dir: plan.dir,
    topology: plan.file,
    createdAt: new Date().toISOString(),
    pid: process.pid,
    nodes: prepared.nodes,
  };
  // first, so that `bgplab down` finds everything even if we die half-way; exclusive, so
  // that of two `up`s of one name started together only one goes on
  if (!(await claimState(state))) {
    throw new BgplabError('E_LAB_UP', `lab "${plan.name}" is already up: another bgplab process is bringing it up right now`, {
      hint: `give each instance its own name (bgplab up LABFILE --name NAME), or take it down first: bgplab down ${plan.name}`,
    });
  }
  try {
    await runtime.deploy(prepared, opts);
  } catch (e) {
    opts.onProgress?.('deploy failed: cleaning up');
    await runtime.destroy(plan.name).catch(() => {});
    if (isBgplabError(e)) {
      throw new BgplabError(e.code, e.message, {
        hint: e.hint ?? `nothing was left behind (if something was: bgplab down ${plan.name})`,
        details: e.details,
        data: { ...e.data },
        cause: e,
      });
    }
    throw e;
  }
  const up: LabState = { ...state, phase: 'up' };
  await writeState(up);
  return { state: up, prepared };
}

/** Where each fabric interface of a node leads, for its state record. */
export function linksOf(plan: PreparedLab['plan'], node: string): { ifname: string; peer: string; peerIfname: string }[] {
  return plan.links.flatMap((l) => [
    ...(l.a.node === node ? [{ ifname: l.a.ifname, peer: l.b.node, peerIfname: l.b.ifname }] : []),
    ...(l.b.node === node ? [{ ifname: l.b.ifname, peer: l.a.node, peerIfname: l.a.ifname }] : []),
  ]);
}

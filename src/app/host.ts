/**
 * `bgplab host`: the machine's budgets (neighbour table, memory, tasks), what the labs up
 * hold, and how many more labs of a given file fit; `host tune` / `--revert` around
 * runtime/host-tune.ts. Values, no printing.
 */
import { DEFAULT_LAB, loadLab } from '../lab/load.js';
import { renderDaemons } from '../render/frr.js';
import { parseDaemonsFile } from '../runtime/netns/frr.js';
import { readHostFacts, runningDemand } from '../runtime/host-facts.js';
import { assessFit, demandOf, sumDemand, type BudgetRow, type HostFacts, type LabDemand } from '../runtime/host-limits.js';
import { readTuneRecord, revertHost, tuneHost, type TuneRecord } from '../runtime/host-tune.js';
import type { TuneStep } from '../runtime/host-limits.js';

export interface HostReport {
  facts: HostFacts;
  running: { lab: string; demand: LabDemand }[];
  /** the lab file measured against the machine (default: the default lab) */
  labfile: string;
  one: LabDemand;
  /** budgets of one more such lab */
  rows: BudgetRow[];
  /** how many more such labs fit without a refusal, and without a warning; what stops the next */
  fit: { refuse: number; warn: number; limitedBy?: string };
  tuned?: TuneRecord;
}

/** What a lab file needs (its nodes, their interfaces, the daemons bgplab renders for them). */
export async function labDemand(labfile: string): Promise<LabDemand> {
  const lab = await loadLab(labfile);
  return demandOf(lab.nodes.map((n) => ({ interfaces: n.interfaces, daemons: parseDaemonsFile(renderDaemons(n)).daemons })));
}

/** The largest k whose k labs of `one` pass `ok` (k up to `max`). */
function largest(ok: (k: number) => boolean, max = 10_000): number {
  let k = 0;
  while (k < max && ok(k + 1)) k++;
  return k;
}

export async function hostReport(labfile = DEFAULT_LAB): Promise<HostReport> {
  const [facts, running, one, tuned] = await Promise.all([readHostFacts(), runningDemand(), labDemand(labfile), readTuneRecord()]);
  const up = running.map((r) => r.demand);
  const rows = assessFit(facts, up, one);
  const times = (k: number) => sumDemand(Array.from({ length: k }, () => one));
  const rowsFor = (k: number) => assessFit(facts, up, times(k));
  const refuse = largest((k) => rowsFor(k).every((r) => r.verdict !== 'refuse'));
  const warn = largest((k) => rowsFor(k).every((r) => r.verdict === 'ok'), refuse);
  const limitedBy = rowsFor(warn + 1).find((r) => r.verdict !== 'ok')?.resource;
  return { facts, running, labfile, one, rows, fit: { refuse, warn, ...(limitedBy ? { limitedBy } : {}) }, ...(tuned ? { tuned } : {}) };
}

export async function hostTune(nodes: number): Promise<{ steps: TuneStep[]; record: TuneRecord }> {
  return tuneHost(nodes);
}

export async function hostRevert(): Promise<TuneStep[] | undefined> {
  return revertHost();
}

/**
 * bgplab host [--lab FILE] [--json]: the machine's budgets for labs.
 * bgplab host tune [--nodes N] [--revert]: the one explicit, reversible change bgplab makes
 * to the host (IPv6 neighbour-table thresholds), each sysctl printed before and after.
 */
import chalk from 'chalk';
import { hostReport, hostRevert, hostTune } from '../app/host.js';
import { TUNE_RECORD } from '../runtime/host-tune.js';
import type { TuneStep } from '../runtime/host-limits.js';
import { printTable } from '../report/table.js';
import { BgplabError } from '../util/errors.js';

export async function hostCommand(o: { labfile?: string; json: boolean }): Promise<void> {
  const r = await hostReport(o.labfile);
  if (o.json) {
    console.log(JSON.stringify(r, null, 2));
    return;
  }
  const n6 = r.facts.neigh6;
  if (n6) console.log(`IPv6 neighbour table (one for the whole machine): ${n6.entries} entries now; gc_thresh1/2/3 = ${n6.gcThresh1}/${n6.gcThresh2}/${n6.gcThresh3}${r.tuned ? chalk.yellow(`  (tuned by bgplab for ${r.tuned.nodes} nodes at ${r.tuned.at}; bgplab host tune --revert)`) : ''}`);
  if (r.facts.memAvailableKiB !== undefined) console.log(`memory available: ${Math.round(r.facts.memAvailableKiB / 1024)} MiB; tasks: ${r.facts.tasksNow ?? '?'} of kernel.pid_max ${r.facts.pidMax ?? '?'}`);
  const up = r.running.reduce((s, x) => ({ n: s.n + x.demand.nodes, i: s.i + x.demand.interfaces }), { n: 0, i: 0 });
  console.log(`labs up: ${r.running.length} (${up.n} nodes, ${up.i} interfaces)${r.running.length ? `: ${r.running.map((x) => x.lab).join(', ')}` : ''}`);
  console.log('');
  console.log(`one more ${r.labfile} (${r.one.nodes} nodes, ${r.one.interfaces} interfaces, ${r.one.tasks} tasks):`);
  const mark = (v: string) => (v === 'ok' ? chalk.green('ok') : v === 'warn' ? chalk.yellow('warn') : chalk.red('refuse'));
  printTable(
    ['BUDGET', 'LIMIT', 'HELD BY LABS UP', 'THIS LAB', 'VERDICT'],
    r.rows.map((x) => [x.resource, `${x.cap} ${x.unit}`, String(x.used), String(x.need), mark(x.verdict)]),
  );
  console.log('');
  console.log(
    `${r.fit.warn} more such labs fit cleanly, ${r.fit.refuse} before one is refused${r.fit.limitedBy ? ` (the next is limited by: ${r.fit.limitedBy})` : ''}.` +
      (r.fit.refuse > r.fit.warn || r.fit.limitedBy?.startsWith('IPv6') ? ' More: bgplab host tune --nodes N' : ''),
  );
}

function printSteps(steps: readonly TuneStep[]): void {
  printTable(
    ['SYSCTL', 'BEFORE', 'AFTER'],
    steps.map((s) => [s.key, String(s.before), s.after === s.before ? `${s.after} (unchanged)` : String(s.after)]),
  );
}

export async function hostTuneCommand(o: { nodes: string; revert: boolean }): Promise<void> {
  const nodes = Number(o.nodes);
  if (!/^\d+$/.test(o.nodes) || nodes <= 0) throw new BgplabError('E_USAGE', `--nodes must be a positive whole number, got "${o.nodes}"`, { hint: 'e.g. bgplab host tune --nodes 400' });
  if (o.revert) {
    const steps = await hostRevert();
    if (!steps) {
      console.log(`nothing to revert: bgplab has not tuned this host (no ${TUNE_RECORD})`);
      return;
    }
    printSteps(steps);
    console.log(`restored the values from before bgplab host tune; removed ${TUNE_RECORD}`);
    return;
  }
  const { steps } = await hostTune(nodes);
  printSteps(steps);
  console.log(`the table fits ${nodes} nodes; the previous values are in ${TUNE_RECORD}: bgplab host tune --revert restores them`);
}

/**
 * bgplab up [LABFILE|TOPOLOGY.clab.yml] [--name NAME] [--runtime auto|netns|clab] [-o DIR] [--timeout s]
 * Thin: the bring-up is app/up.ts (a lab file) or app/foreign.ts (a containerlab topology
 * bgplab did not write); this renders its progress and says what to try next.
 */
import chalk from 'chalk';
import { bringUpForeign, isTopologyFile } from '../app/foreign.js';
import { withInterrupts } from '../app/signals.js';
import { bringUp, type UpOptions } from '../app/up.js';
import { BgplabError } from '../util/errors.js';
import { consoleRenderer } from '../ui/progress.js';

export async function upCommand(o: UpOptions): Promise<void> {
  const ui = consoleRenderer();
  const interrupts = {
    what: 'finishing the current step, then taking the lab down',
    cleanup: () => (o.name ? `bgplab down ${o.name}` : 'bgplab down'),
  };
  try {
    if (isTopologyFile(o.labfile)) {
      if (o.frr || o.out) throw new BgplabError('E_USAGE', `${o.frr ? '--frr' : '-o'} is for lab files: a containerlab topology runs the FRR its images name, from its own directory`);
      const r = await withInterrupts((signal) => bringUpForeign({ topology: o.labfile!, ...(o.name ? { name: o.name } : {}), runtime: o.runtime, timeoutSec: o.timeoutSec }, { signal, onEvent: ui.onEvent }), interrupts);
      await ui.done();
      const first = r.model.nodes.find((n) => n.router)?.name ?? 'NODE';
      console.log(`${chalk.green('lab up')}: ${r.model.name} on ${r.selected.kind} in ${((r.timings.reduce((s, t) => s + t.ms, 0)) / 1000).toFixed(1)} s. Try: bgplab check ${r.model.name} · bgplab vtysh --lab ${r.model.name} ${first} · bgplab down ${r.model.name}`);
      return;
    }
    const r = await withInterrupts((signal) => bringUp(o, { signal, onEvent: ui.onEvent }), interrupts);
    await ui.done();
    console.log(
      `${chalk.green('lab up')}: ${r.lab.name} on ${r.selected.kind}. Try: bgplab status ${r.lab.name} · bgplab vtysh --lab ${r.lab.name} ${r.lab.nodes[0]?.name ?? 'NODE'} · bgplab down ${r.lab.name}`,
    );
  } finally {
    await ui.done();
  }
}

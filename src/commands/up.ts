/**
 * bgplab up [LABFILE] [--name NAME] [--runtime auto|netns|clab] [-o DIR] [--timeout s]
 * Thin: the bring-up is app/up.ts; this renders its progress and says what to try next.
 */
import chalk from 'chalk';
import { withInterrupts } from '../app/signals.js';
import { bringUp, type UpOptions } from '../app/up.js';
import { consoleRenderer } from '../ui/progress.js';

export async function upCommand(o: UpOptions): Promise<void> {
  const ui = consoleRenderer();
  try {
    const r = await withInterrupts((signal) => bringUp(o, { signal, onEvent: ui.onEvent }), {
      what: 'finishing the current step, then taking the lab down',
      cleanup: () => (o.name ? `bgplab down ${o.name}` : 'bgplab down'),
    });
    await ui.done();
    console.log(
      `${chalk.green('lab up')}: ${r.lab.name} on ${r.selected.kind}. Try: bgplab status ${r.lab.name} · bgplab vtysh --lab ${r.lab.name} ${r.lab.nodes[0]?.name ?? 'NODE'} · bgplab down ${r.lab.name}`,
    );
  } finally {
    await ui.done();
  }
}

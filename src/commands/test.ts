import { BgplabError } from '../util/errors.js';
import { isTopologyFile } from '../app/foreign.js';
/** bgplab test [LABFILE]: thin; the run is app/test.ts (up → every check → down). */
import { withInterrupts } from '../app/signals.js';
import { testLab, type TestOptions } from '../app/test.js';
import { consoleRenderer } from '../ui/progress.js';
import { emitReport, printCheck } from './check.js';

export async function testCommand(o: TestOptions & { json: boolean; junit?: string; verbose?: boolean }): Promise<void> {
  if (isTopologyFile(o.labfile)) {
    throw new BgplabError('E_USAGE', 'bgplab test runs lab files; a containerlab topology is brought up and checked step by step', {
      hint: `bgplab up ${o.labfile} --name NAME && bgplab check NAME; bgplab down NAME`,
    });
  }
  // machine-readable stdout: progress and tables go to stderr or away
  const ui = consoleRenderer({ quiet: o.json });
  const r = await withInterrupts((signal) => testLab(o, { signal, onEvent: ui.onEvent, onCheck: printCheck(o) }), {
    what: 'restoring what the running check broke, then taking the lab down',
    cleanup: () => 'bgplab down',
  });
  await ui.done();
  if (r.upError !== undefined) {
    if (o.junit || o.json) await emitReport(r.report, o);
    throw r.upError;
  }
  await emitReport(r.report, o);
}

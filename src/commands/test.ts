import { isTopologyFile } from '../app/foreign.js';
/** bgplab test [LABFILE]: thin; the run is app/test.ts (up → every check → down). */
import { withInterrupts } from '../app/signals.js';
import { baselineAfter, readSnapshot } from '../app/snapshot.js';
import { BgplabError } from '../util/errors.js';
import { testLab, type TestOptions } from '../app/test.js';
import { consoleRenderer } from '../ui/progress.js';
import { emitReport, parseTolerance, printCheck } from './check.js';

export async function testCommand(o: TestOptions & { json: boolean; junit?: string; verbose?: boolean; baseline?: string; outageToleranceMs?: string }): Promise<void> {
  // a bad baseline or tolerance fails before anything is deployed
  const toleranceMs = parseTolerance(o.outageToleranceMs);
  if (toleranceMs !== undefined && !o.baseline) throw new BgplabError('E_USAGE', '--outage-tolerance-ms needs --baseline FILE');
  const after = o.baseline ? baselineAfter(await readSnapshot(o.baseline), { file: o.baseline, ...(toleranceMs !== undefined ? { toleranceMs } : {}) }) : undefined;
  if (isTopologyFile(o.labfile)) {
    throw new BgplabError('E_USAGE', 'bgplab test runs lab files; a containerlab topology is brought up and checked step by step', {
      hint: `bgplab up ${o.labfile} --name NAME && bgplab check NAME; bgplab down NAME`,
    });
  }
  // machine-readable stdout: progress and tables go to stderr or away
  const ui = consoleRenderer({ quiet: o.json });
  const r = await withInterrupts((signal) => testLab(o, { signal, onEvent: ui.onEvent, onCheck: printCheck(o), ...(after ? { after } : {}) }), {
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

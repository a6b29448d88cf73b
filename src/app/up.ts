/**
 * Bring a lab up: validate → generate → deploy → wait (sessions, then loopback routes).
 * On timeout: every session still down with its state and FRR's reason (E_WAIT_TIMEOUT),
 * the lab left up for inspection. On the signal: the lab is taken down, E_INTERRUPTED.
 */
import { resolve } from 'node:path';
import { DEFAULT_LAB, loadLab } from '../lab/load.js';
import type { FrrVersion, Lab } from '../lab/model.js';
import { waitTimeoutError } from '../observe/explain.js';
import { explainSessions } from '../observe/sessions.js';
import { findLostLinkLocals } from '../observe/link-local.js';
import { LabWaiter, type WaitResult } from '../observe/wait.js';
import { defaultOutDir, writeArtifacts } from '../render/index.js';
import { formatSessionTable } from '../report/sessions.js';
import { readNeighbourTable } from '../runtime/host-facts.js';
import { neighbourTableDiagnosis, type NeighbourTable } from '../runtime/host-limits.js';
import { deployLab } from '../runtime/lifecycle.js';
import type { Runtime } from '../runtime/runtime.js';
import { availableRuntimes, selectRuntime, type RuntimeChoice, type SelectedRuntime } from '../runtime/select.js';
import { BgplabError, errorText, isBgplabError } from '../util/errors.js';
import { assertUserConfigParses, userConfigNotes } from './frr-syntax.js';
import { throwIfAborted } from '../util/pool.js';
import { formatTimings, ignore, runSteps, type AppOptions, type StepTiming } from './events.js';

export interface UpOptions {
  labfile?: string;
  /** run the file as a lab of this name (`--name`: one lab file, many instances) */
  name?: string;
  runtime: RuntimeChoice;
  out?: string;
  timeoutSec: number;
  /** overrides the lab file's `frr:` */
  frr?: FrrVersion;
}

export interface UpResult {
  lab: Lab;
  /** artifacts directory (absolute) */
  dir: string;
  selected: SelectedRuntime;
  wait: WaitResult;
  timings: StepTiming[];
}

export async function bringUp(o: UpOptions, app: AppOptions = {}): Promise<UpResult> {
  if (!Number.isFinite(o.timeoutSec) || o.timeoutSec <= 0) {
    throw new BgplabError('E_USAGE', `--timeout must be a positive number of seconds, got ${o.timeoutSec}`);
  }
  const onEvent = app.onEvent ?? ignore;
  const signal = app.signal;
  const timeoutMs = o.timeoutSec * 1000;
  const labfile = o.labfile ?? DEFAULT_LAB;
  let lab: Lab | undefined;
  let dir: string | undefined;
  let selected: SelectedRuntime | undefined;
  let waiter: LabWaiter | undefined;
  let neighbours: NeighbourTable | undefined;
  let wait: WaitResult | undefined;
  let deployed = false;
  const timings: StepTiming[] = [];
  try {
    await runSteps(
      [
        {
          key: 'validate',
          title: `validate ${labfile}`,
          run: async (h) => {
            // the runtime's own checks (root, FRR installed) before anything is written
            selected = await selectRuntime(o.runtime);
            await selected.runtime.preflight();
            lab = await loadLab(labfile, [], { name: o.name, ...(o.frr ? { frr: o.frr } : {}) });
            // the user's own FRR lines through FRR's parser: nothing is written or deployed on error
            await assertUserConfigParses(lab, labfile);
            for (const note of userConfigNotes(lab)) h.output(note);
            h.title(`validate ${labfile}: lab ${lab.name}, ${lab.nodes.length} nodes, ${lab.links.length} links, FRR ${lab.frr}`);
            throwIfAborted(signal);
          },
        },
        {
          key: 'generate',
          title: 'generate',
          run: async (h) => {
            dir = resolve(o.out ?? defaultOutDir(lab!));
            await writeArtifacts(lab!, dir);
            h.title(`generate ${dir}`);
            throwIfAborted(signal);
          },
        },
        {
          key: 'deploy',
          title: 'deploy',
          run: async (h) => {
            h.title(`deploy on ${selected!.kind} (${selected!.reason})`);
            // one "already up" rule: a lab of this name on ANY runtime is refused, untouched
            await deployLab(selected!.runtime, dir!, await availableRuntimes(), { onProgress: (m) => h.output(m) });
            deployed = true;
            // measured from here: what the user waits for after the lab exists
            waiter = new LabWaiter(selected!.runtime, lab!, { signal });
            neighbours = await readNeighbourTable();
            throwIfAborted(signal);
          },
        },
        {
          key: 'sessions',
          title: 'BGP sessions Established',
          run: async (h) => {
            wait = await waitSessionsRelearning(selected!.runtime, lab!, waiter!, timeoutMs, (t) => onEvent({ type: 'warn', text: t }));
            h.title(`BGP sessions: ${lab!.sessions.length - wait.down.length}/${lab!.sessions.length} Established`);
            if (!wait.ok) throw new BgplabError('E_WAIT_TIMEOUT', `timed out after ${o.timeoutSec} s`);
          },
        },
        {
          key: 'routes',
          title: 'loopback routes on every node',
          run: async (h) => {
            const left = Math.max(1, timeoutMs - (wait?.elapsedMs ?? 0));
            wait = await waiter!.until('routes', left);
            const n = lab!.nodes.length;
            h.title(`loopback routes: ${n - new Set(wait.missing.map((m) => m.node)).size}/${n} nodes reach every loopback`);
            if (!wait.ok) throw new BgplabError('E_WAIT_TIMEOUT', `timed out after ${o.timeoutSec} s`);
          },
        },
      ],
      onEvent,
      timings,
    );
  } catch (e) {
    if (signal?.aborted || isBgplabError(e, 'E_INTERRUPTED')) {
      if (deployed && lab && selected) {
        onEvent({ type: 'warn', text: `taking lab ${lab.name} down` });
        await selected.runtime.destroy(lab.name);
      }
      throw new BgplabError('E_INTERRUPTED', `interrupted${deployed ? `: lab ${lab?.name} was taken down` : ''}`);
    }
    if (isBgplabError(e, 'E_WAIT_TIMEOUT') && wait && lab && selected) {
      const explained = await explainSessions(selected.runtime, lab, wait.down);
      const byKey = new Map(explained.map((s) => [`${s.node}:${s.ifname}`, s]));
      const all = wait.nodes.flatMap((n) => n.sessions).map((s) => byKey.get(`${s.node}:${s.ifname}`) ?? s);
      onEvent({ type: 'print', text: formatSessionTable(all) });
      onEvent({ type: 'print', text: formatTimings(timings) });
      throw waitTimeoutError(lab, { ...wait, down: explained }, timeoutMs, neighbourTableDiagnosis(neighbours, await readNeighbourTable()));
    }
    throw e;
  }
  const fresh = await waiter!.refresh();
  onEvent({ type: 'print', text: formatSessionTable(fresh.nodes.flatMap((n) => n.sessions)) });
  onEvent({
    type: 'print',
    text: `${formatTimings(timings)}  (after deploy: sessions Established at ${wait!.sessionsMs} ms, every loopback route at ${wait!.routesMs} ms, ${wait!.rounds} poll rounds)`,
  });
  return { lab: lab!, dir: dir!, selected: selected!, wait: wait!, timings };
}

/** First look for a lost link-local address this long after deploy: 4 of FRR's 3 s RAs (render/frr.ts). */
const RELEARN_AFTER_MS = 12_000;
/** and again at this period while sessions are still down */
const RELEARN_EVERY_MS = 6_000;

/**
 * Wait for the sessions; meanwhile, a session whose bgpd lost the peer's link-local
 * address while zebra holds it (observe/link-local.ts: FRR 8.4 does not recover;
 * docs/frr-8.4-lost-link-local.md) gets its link set down and up, once per interface,
 * said in a warning. Anything else still down is waited for and reported as before.
 */
export async function waitSessionsRelearning(
  runtime: Runtime,
  lab: Lab,
  waiter: LabWaiter,
  timeoutMs: number,
  warn: (text: string) => void,
  t: { afterMs: number; everyMs: number } = { afterMs: RELEARN_AFTER_MS, everyMs: RELEARN_EVERY_MS },
): Promise<WaitResult> {
  const bounced = new Set<string>();
  let next = t.afterMs;
  let elapsed = 0; // since the waiter was created, as its results count
  for (;;) {
    const r = await waiter.until('sessions', Math.max(1, Math.min(timeoutMs, next) - elapsed));
    elapsed = r.elapsedMs;
    if (r.ok || elapsed >= timeoutMs) return r;
    next = elapsed + t.everyMs;
    const lost = (await findLostLinkLocals(runtime, lab, r.down)).filter((l) => !bounced.has(`${l.node}:${l.ifname}`));
    for (const l of lost) {
      bounced.add(`${l.node}:${l.ifname}`);
      warn(
        `${l.node}:${l.ifname} -> ${l.peer}: bgpd has no address for its peer (last reset: ${l.reason}) while zebra holds ${l.zebraHas.join(', ')}; ` +
          'FRR 8.4 does not recover from this on its own (its bgpd handles each interface down twice; fixed in FRR 10.0): the link was set down and up',
      );
      try {
        await runtime.setLink(lab.name, l.node, l.ifname, false);
        await runtime.setLink(lab.name, l.node, l.ifname, true);
      } catch (e) {
        warn(`${l.node}:${l.ifname}: setting the link down and up failed: ${errorText(e)}`);
      }
    }
  }
}

/**
 * bgplab up [LABFILE] [--runtime auto|netns|clab] [-o DIR] [--timeout s]
 * validate → generate → deploy → wait (sessions, then loopback routes) → session table.
 *
 * On timeout: names every session still down with its state and last error, exits
 * non-zero and leaves the lab up for inspection. Ctrl-C: finishes the running step, then
 * takes the lab down (a second Ctrl-C exits at once and says how to clean up).
 */
import { resolve } from 'node:path';
import chalk from 'chalk';
import { DEFAULT_LAB, loadLab } from '../lab/load.js';
import type { Lab } from '../lab/model.js';
import { explainSessions, LabWaiter, waitTimeoutError, type WaitResult } from '../lab/wait.js';
import { neighbourTableDiagnosis, readNeighbourTable, type NeighbourTable } from '../runtime/host-limits.js';
import { defaultOutDir, writeArtifacts } from '../render/index.js';
import { formatSessionTable } from '../report/sessions.js';
import { selectRuntime, type RuntimeChoice, type SelectedRuntime } from '../runtime/select.js';
import { formatTimings, runSteps, type StepTiming } from '../ui/progress.js';
import { BgplabError } from '../util/errors.js';

export interface UpOptions {
  labfile?: string;
  runtime: RuntimeChoice;
  out?: string;
  timeoutSec: number;
}

export interface UpResult {
  lab: Lab;
  /** artifacts directory (absolute) */
  dir: string;
  selected: SelectedRuntime;
  wait: WaitResult;
  timings: StepTiming[];
}

interface Ctx {
  lab?: Lab;
  dir?: string;
  selected?: SelectedRuntime;
  waiter?: LabWaiter;
  /** the machine's IPv6 neighbour table when the wait began (to explain stuck sessions) */
  neighbours?: NeighbourTable;
  wait?: WaitResult;
}

/**
 * The whole bring-up, for `up` and `test`. Resolves when converged; on timeout throws
 * E_WAIT_TIMEOUT (lab left up); on Ctrl-C takes the lab down and throws E_INTERRUPTED.
 * `print` receives the lines to show after progress (session table, timings).
 */
export async function bringUp(o: UpOptions, print: (line: string) => void = (l) => console.log(l)): Promise<UpResult> {
  if (!Number.isFinite(o.timeoutSec) || o.timeoutSec <= 0) {
    throw new BgplabError('E_USAGE', `--timeout must be a positive number of seconds, got ${o.timeoutSec}`);
  }
  const timeoutMs = o.timeoutSec * 1000;
  const ctx: Ctx = {};
  const abort = new AbortController();
  let deployed = false;
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write(`\n${chalk.yellow('interrupted')}: finishing the current step, then taking the lab down (Ctrl-C again to exit now)\n`);
      abort.abort();
    } else {
      process.stderr.write(`${chalk.yellow('exiting')}: clean up with: bgplab down${ctx.lab ? ` ${ctx.lab.name}` : ''}\n`);
      process.exit(130);
    }
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  const timings: StepTiming[] = [];
  const checkAbort = () => {
    if (abort.signal.aborted) throw new BgplabError('E_INTERRUPTED', 'interrupted');
  };
  try {
    await runSteps<Ctx>(
      ctx,
      [
        {
          key: 'validate',
          title: `validate ${o.labfile ?? DEFAULT_LAB}`,
          run: async (c, h) => {
            // the runtime's own checks (root, FRR installed) before anything is written
            c.selected = await selectRuntime(o.runtime);
            const pre = (c.selected.runtime as { preflight?: () => Promise<void> }).preflight;
            if (pre) await pre.call(c.selected.runtime);
            c.lab = await loadLab(o.labfile ?? DEFAULT_LAB);
            h.title(`validate ${o.labfile ?? DEFAULT_LAB}: lab ${c.lab.name}, ${c.lab.nodes.length} nodes, ${c.lab.links.length} links`);
            checkAbort();
          },
        },
        {
          key: 'generate',
          title: 'generate',
          run: async (c, h) => {
            c.dir = resolve(o.out ?? defaultOutDir(c.lab!));
            await writeArtifacts(c.lab!, c.dir);
            h.title(`generate ${c.dir}`);
            checkAbort();
          },
        },
        {
          key: 'deploy',
          title: 'deploy',
          run: async (c, h) => {
            c.selected ??= await selectRuntime(o.runtime);
            h.title(`deploy on ${c.selected.kind} (${c.selected.reason})`);
            await c.selected.runtime.deploy(c.dir!, { onProgress: (m) => h.output(m) });
            deployed = true;
            // measured from here: what the user waits for after the lab exists
            c.waiter = new LabWaiter(c.selected.runtime, c.lab!, { signal: abort.signal });
            c.neighbours = await readNeighbourTable();
            checkAbort();
          },
        },
        {
          key: 'sessions',
          title: 'BGP sessions Established',
          run: async (c, h) => {
            const w = await c.waiter!.until('sessions', timeoutMs);
            c.wait = w;
            h.title(`BGP sessions: ${c.lab!.sessions.length - w.down.length}/${c.lab!.sessions.length} Established`);
            if (!w.ok) throw new BgplabError('E_WAIT_TIMEOUT', `timed out after ${o.timeoutSec} s`);
          },
        },
        {
          key: 'routes',
          title: 'loopback routes on every node',
          run: async (c, h) => {
            const left = Math.max(1, timeoutMs - (c.wait?.elapsedMs ?? 0));
            const w = await c.waiter!.until('routes', left);
            c.wait = w;
            const n = c.lab!.nodes.length;
            h.title(`loopback routes: ${n - new Set(w.missing.map((m) => m.node)).size}/${n} nodes reach every loopback`);
            if (!w.ok) throw new BgplabError('E_WAIT_TIMEOUT', `timed out after ${o.timeoutSec} s`);
          },
        },
      ],
      timings,
    );
  } catch (e) {
    if (abort.signal.aborted || (e instanceof BgplabError && e.code === 'E_INTERRUPTED')) {
      if (deployed && ctx.lab && ctx.selected) {
        process.stderr.write(`taking lab ${ctx.lab.name} down\n`);
        await ctx.selected.runtime.destroy(ctx.lab.name);
      }
      throw new BgplabError('E_INTERRUPTED', `interrupted${deployed ? `: lab ${ctx.lab?.name} was taken down` : ''}`);
    }
    if (e instanceof BgplabError && e.code === 'E_WAIT_TIMEOUT' && ctx.wait && ctx.lab && ctx.selected) {
      const explained = await explainSessions(ctx.selected.runtime, ctx.lab, ctx.wait.down);
      const byKey = new Map(explained.map((s) => [`${s.node}:${s.ifname}`, s]));
      const wait = { ...ctx.wait, down: explained };
      const all = ctx.wait.nodes.flatMap((n) => n.sessions).map((s) => byKey.get(`${s.node}:${s.ifname}`) ?? s);
      print(formatSessionTable(all));
      print(chalk.dim(formatTimings(timings)));
      throw waitTimeoutError(ctx.lab, wait, timeoutMs, neighbourTableDiagnosis(ctx.neighbours, await readNeighbourTable()));
    }
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
  const lab = ctx.lab!;
  const wait = ctx.wait!;
  const fresh = await ctx.waiter!.refresh();
  print(formatSessionTable(fresh.nodes.flatMap((n) => n.sessions)));
  print(
    chalk.dim(
      `${formatTimings(timings)}  (after deploy: sessions Established at ${wait.sessionsMs} ms, every loopback route at ${wait.routesMs} ms, ${wait.rounds} poll rounds)`,
    ),
  );
  return { lab, dir: ctx.dir!, selected: ctx.selected!, wait, timings };
}

export async function upCommand(o: UpOptions): Promise<void> {
  const r = await bringUp(o);
  console.log(
    `${chalk.green('lab up')}: ${r.lab.name} on ${r.selected.kind}. Try: bgplab status · bgplab vtysh ${r.lab.nodes[0]?.name ?? 'NODE'} · bgplab down ${r.lab.name}`,
  );
}

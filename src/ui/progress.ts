/**
 * Progress is a renderer choice: listr2's default renderer on a terminal, its simple line
 * renderer (one line per step and per message, each step with its time) when stdout is
 * not a terminal or CI is set, silent in tests (VITEST) or with BGPLAB_QUIET=1.
 * Steps are timed here too, so callers can print a phase summary whatever the renderer.
 */
import { Listr, PRESET_TIMER, PRESET_TIMESTAMP } from 'listr2';

export type ProgressMode = 'tty' | 'plain' | 'silent';

export function progressMode(): ProgressMode {
  if (process.env['VITEST'] || process.env['BGPLAB_QUIET'] === '1') return 'silent';
  if (!process.stdout.isTTY || process.env['CI'] || process.env['TERM'] === 'dumb') return 'plain';
  return 'tty';
}

export interface StepHandle {
  /** a short progress message under the running step */
  output(msg: string): void;
  /** replace the step's title (e.g. to say which runtime was picked) */
  title(t: string): void;
}

export interface Step<C> {
  /** stable key for timings (validate, generate, deploy, sessions, routes) */
  key: string;
  title: string;
  run(ctx: C, h: StepHandle): Promise<void>;
  /** skip when this returns true (evaluated when the step is reached) */
  skip?: (ctx: C) => boolean;
}

export interface StepTiming {
  key: string;
  title: string;
  ms: number;
}

/**
 * Run steps in order with progress. Throws the first step's error unchanged (BgplabErrors
 * reach the CLI's error boundary as they are). Timings of finished steps are pushed into
 * `timings` as they complete, so they are available even when a later step throws.
 */
export async function runSteps<C>(ctx: C, steps: Step<C>[], timings: StepTiming[] = [], mode: ProgressMode = progressMode()): Promise<StepTiming[]> {
  const list = new Listr<C>(
    steps.map((s) => ({
      title: s.title,
      skip: s.skip ? (c: C) => s.skip!(c) : undefined,
      task: async (c: C, task) => {
        const t0 = performance.now();
        let title = s.title;
        await s.run(c, {
          output: (m) => {
            task.output = m;
          },
          title: (t) => {
            title = t;
            task.title = t;
          },
        });
        timings.push({ key: s.key, title, ms: Math.round(performance.now() - t0) });
      },
    })),
    {
      concurrent: false,
      exitOnError: true,
      registerSignalListeners: false,
      renderer: 'default',
      rendererOptions: { timer: PRESET_TIMER, collapseSubtasks: false },
      fallbackRenderer: 'simple',
      fallbackRendererOptions: { timer: PRESET_TIMER, timestamp: PRESET_TIMESTAMP },
      fallbackRendererCondition: mode === 'plain',
      silentRendererCondition: mode === 'silent',
    },
  );
  await list.run(ctx);
  return timings;
}

const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms} ms`);

/** "validate 12 ms · generate 8 ms · deploy 0.64 s · ... · total 3.1 s" */
export function formatTimings(timings: readonly StepTiming[]): string {
  const total = timings.reduce((n, t) => n + t.ms, 0);
  return [...timings.map((t) => `${t.key} ${fmt(t.ms)}`), `total ${fmt(total)}`].join(' · ');
}

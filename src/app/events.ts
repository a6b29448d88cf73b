/**
 * What the application layer tells whoever runs it. Commands render these (ui/progress.ts
 * for steps, the console for lines); tests and the benchmark collect or ignore them.
 */
export type AppEvent =
  /** the steps that will run, in order (first event of a bring-up) */
  | { type: 'plan'; steps: { key: string; title: string }[] }
  | { type: 'step'; key: string; phase: 'start' | 'title' | 'output' | 'done' | 'failed'; text?: string; ms?: number }
  /** a line for the reader (a table, a summary) */
  | { type: 'print'; text: string }
  /** something went wrong on the side, or is about to (printed in yellow) */
  | { type: 'warn'; text: string }
  /** a check's progress line */
  | { type: 'log'; text: string };

export type OnEvent = (e: AppEvent) => void;

export interface AppOptions {
  /** Ctrl-C / SIGTERM: the operation stops at its next step, undoes what it must, throws E_INTERRUPTED */
  signal?: AbortSignal;
  onEvent?: OnEvent;
}

export const ignore: OnEvent = () => {};

export interface StepTiming {
  key: string;
  title: string;
  ms: number;
}

/**
 * Run named steps in order, announcing each (plan, start, output, done or failed) and
 * timing it. Timings of finished steps are in `timings` even when a later step throws.
 */
export async function runSteps(
  steps: { key: string; title: string; run(h: { title(t: string): void; output(m: string): void }): Promise<void> }[],
  onEvent: OnEvent,
  timings: StepTiming[] = [],
): Promise<StepTiming[]> {
  onEvent({ type: 'plan', steps: steps.map((s) => ({ key: s.key, title: s.title })) });
  for (const s of steps) {
    const t0 = performance.now();
    let title = s.title;
    onEvent({ type: 'step', key: s.key, phase: 'start', text: title });
    try {
      await s.run({
        title: (t) => {
          title = t;
          onEvent({ type: 'step', key: s.key, phase: 'title', text: t });
        },
        output: (m) => onEvent({ type: 'step', key: s.key, phase: 'output', text: m }),
      });
    } catch (e) {
      onEvent({ type: 'step', key: s.key, phase: 'failed', text: title, ms: Math.round(performance.now() - t0) });
      throw e;
    }
    const ms = Math.round(performance.now() - t0);
    timings.push({ key: s.key, title, ms });
    onEvent({ type: 'step', key: s.key, phase: 'done', text: title, ms });
  }
  return timings;
}

const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms} ms`);

/** "validate 12 ms · generate 8 ms · deploy 0.64 s · ... · total 3.1 s" */
export function formatTimings(timings: readonly StepTiming[]): string {
  const total = timings.reduce((n, t) => n + t.ms, 0);
  return [...timings.map((t) => `${t.key} ${fmt(t.ms)}`), `total ${fmt(total)}`].join(' · ');
}

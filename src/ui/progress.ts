/**
 * Progress is a renderer choice, made by the command: listr2's default renderer on a
 * terminal, its simple line renderer (one line per step and per message, each step with
 * its time) when stdout is not a terminal or CI is set, nothing when the command's
 * stdout is machine-readable (--json). It renders the
 * application layer's step events (app/events.ts); it never runs the work itself.
 */
import chalk from 'chalk';
import { Listr, PRESET_TIMER, PRESET_TIMESTAMP } from 'listr2';
import type { AppEvent, OnEvent } from '../app/events.js';

export type ProgressMode = 'tty' | 'plain' | 'silent';

export function progressMode(opts: { quiet?: boolean } = {}): ProgressMode {
  if (opts.quiet) return 'silent';
  if (!process.stdout.isTTY || process.env['CI'] || process.env['TERM'] === 'dumb') return 'plain';
  return 'tty';
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(e: Error): void;
  task?: { title: string; output: string };
  pending: { title?: string; output?: string };
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject, pending: {} };
}

/**
 * An event handler that shows step events with listr2, and passes every other event to
 * `other`. `done()` waits until listr2 has drawn its last frame.
 */
export function stepRenderer(mode: ProgressMode, other: OnEvent): { onEvent: OnEvent; done(): Promise<void> } {
  let run: Promise<unknown> = Promise.resolve();
  const steps = new Map<string, Deferred>();
  // lines printed while listr2 draws would be overwritten: they wait for its last frame
  let active = false;
  const queued: AppEvent[] = [];
  const onEvent = (e: AppEvent) => {
    if (e.type === 'plan') {
      if (mode === 'silent') return;
      for (const s of e.steps) steps.set(s.key, deferred());
      const list = new Listr(
        e.steps.map((s) => ({
          title: s.title,
          task: async (_: unknown, task: { title: string; output: string }) => {
            const d = steps.get(s.key)!;
            d.task = task;
            if (d.pending.title) task.title = d.pending.title;
            if (d.pending.output) task.output = d.pending.output;
            await d.promise;
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
        },
      );
      active = true;
      run = list
        .run()
        .catch(() => undefined)
        .finally(() => {
          active = false;
          for (const q of queued.splice(0)) other(q);
        });
      return;
    }
    if (e.type !== 'step') {
      if (active) queued.push(e);
      else other(e);
      return;
    }
    const d = steps.get(e.key);
    if (!d) return;
    const set = (k: 'title' | 'output', v: string) => {
      if (d.task) d.task[k] = v;
      else d.pending[k] = v;
    };
    if (e.phase === 'title' && e.text) set('title', e.text);
    else if (e.phase === 'output' && e.text) set('output', e.text);
    else if (e.phase === 'done') d.resolve();
    else if (e.phase === 'failed') {
      d.reject(new Error(e.text ?? e.key));
      // steps after a failed one never start
      for (const x of steps.values()) x.reject(new Error('skipped'));
    }
  };
  return { onEvent, done: () => run.then(() => undefined) };
}

/**
 * The console side of a command: step events through listr2 (stepRenderer), `print` on
 * stdout (on stderr when stdout is machine-readable), `warn` and check `log` lines on
 * stderr. `quiet`: stdout carries JSON only.
 */
export function consoleRenderer(o: { quiet?: boolean } = {}): { onEvent: OnEvent; done(): Promise<void> } {
  const out = (line: string) => (o.quiet ? process.stderr.write(`${line}\n`) : console.log(line));
  return stepRenderer(progressMode({ quiet: o.quiet }), (e) => {
    if (e.type === 'print') out(e.text);
    else if (e.type === 'warn') process.stderr.write(`${chalk.yellow('warning')} ${e.text}\n`);
    else if (e.type === 'log') process.stderr.write(chalk.dim(`  › ${e.text}\n`));
  });
}

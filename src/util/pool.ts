/**
 * Bounded concurrency and waiting, one copy for the whole code base.
 */
import { BgplabError } from './errors.js';

/** Run fn over items with at most `limit` in flight; results in input order. Rejects on the first failure after in-flight work settles. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed: { error: unknown } | undefined;
  const worker = async () => {
    while (failed === undefined && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!, i);
      } catch (e) {
        failed ??= { error: e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed) throw failed.error;
  return results;
}

/** Wait for all, then throw the first failure (if any). */
export async function allSettledOrThrow(ps: Promise<unknown>[]): Promise<void> {
  const rs = await Promise.allSettled(ps);
  const bad = rs.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (bad) throw bad.reason;
}

/** Split items into at most n contiguous, non-empty chunks of near-equal size. */
export function chunk<T>(items: readonly T[], n: number): T[][] {
  const k = Math.max(1, Math.min(n, items.length));
  const out: T[][] = [];
  const size = Math.ceil(items.length / k);
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export const interrupted = () => new BgplabError('E_INTERRUPTED', 'interrupted');

/** Throws E_INTERRUPTED when the signal has fired. */
export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw interrupted();
}

/** Sleep; with a signal, rejects with E_INTERRUPTED as soon as it fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (!signal) return new Promise<void>((r) => setTimeout(r, ms));
  if (signal.aborted) return Promise.reject(interrupted());
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(t);
      reject(interrupted());
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Poll `probe` until `done` holds for its value, or `timeoutMs` passes. The one polling
 * loop of the code base (bring-up, checks, failover, heal): a round slower than the
 * interval is followed by a rest as long as itself, so on a big lab on a small machine
 * polling takes at most about half a CPU from the daemons it is waiting for.
 */
export async function pollUntil<T>(
  probe: () => Promise<T>,
  done: (v: T) => boolean,
  o: { timeoutMs: number; intervalMs?: number; signal?: AbortSignal; onRound?: (v: T) => void },
): Promise<{ ok: boolean; value: T; elapsedMs: number; rounds: number }> {
  const t0 = performance.now();
  const deadline = t0 + o.timeoutMs;
  let rounds = 0;
  for (;;) {
    throwIfAborted(o.signal);
    const r0 = performance.now();
    const value = await probe();
    rounds++;
    o.onRound?.(value);
    const elapsedMs = Math.round(performance.now() - t0);
    if (done(value)) return { ok: true, value, elapsedMs, rounds };
    if (performance.now() >= deadline) return { ok: false, value, elapsedMs, rounds };
    const took = performance.now() - r0;
    const wait = Math.min(Math.max((o.intervalMs ?? 200) - took, took), deadline - performance.now());
    if (wait > 0) await sleep(wait, o.signal);
  }
}

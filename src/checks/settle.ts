/**
 * How long a check re-reads a failing lab before it judges. A lab that just came up or was
 * just restored may still be converging, so a failing reading is read again (once a
 * second) while it keeps changing, up to `maxMs`; a reading that fails the same way for
 * `stableMs` is a broken fabric, not a converging one, and is judged at once.
 *
 * Measured on the default lab (netns): a session that was reset needs 1–3 s to come back
 * (router advertisements every 3 s find the peer's link-local), so while it comes back the
 * failing rows change (Idle → Active → OpenSent → Established, prefix counts rising) at
 * least every 3 s; 4 s of no change is past that. With a wrong ASN on one session the old
 * fixed 10 s settle made `check` spend 10 s in sessions and 10 s more in routes.
 */
import { pollUntil } from '../util/pool.js';
import type { CheckResult } from './types.js';

export const SETTLE_MAX_MS = 10_000;
export const SETTLE_STABLE_MS = 4_000;

const failing = (rs: readonly CheckResult[]) =>
  rs
    .filter((r) => r.status === 'fail')
    .map((r) => `${r.name}\u0000${r.message}`)
    .sort()
    .join('\u0001');

export async function settled(
  read: () => Promise<CheckResult[]>,
  o: { maxMs?: number; stableMs?: number; signal?: AbortSignal } = {},
): Promise<CheckResult[]> {
  const stableMs = o.stableMs ?? SETTLE_STABLE_MS;
  let last = '';
  let since = performance.now();
  const r = await pollUntil(
    read,
    (rs) => {
      const now = failing(rs);
      if (!now) return true;
      if (now !== last) {
        last = now;
        since = performance.now();
        return false;
      }
      return performance.now() - since >= stableMs;
    },
    { timeoutMs: o.maxMs ?? SETTLE_MAX_MS, intervalMs: 1000, signal: o.signal },
  );
  return r.value;
}

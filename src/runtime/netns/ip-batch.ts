/**
 * Per-node work through a few `ip -batch -` processes instead of one spawn per node: the
 * process, how many run in parallel, and what a batch line can carry.
 */
import { availableParallelism } from 'node:os';
import { BgplabError } from '../../util/errors.js';
import { run } from '../../util/process.js';

/** A token an `ip -batch` line carries as is (ip splits lines on blanks, and reads quotes and #). */
export const BATCH_TOKEN_RE = /^[^\s"'#\\]+$/;

/** One `ip -batch -` process for many commands; stops at the first failure unless force. */
export async function ipBatch(lines: readonly string[], opts: { force?: boolean } = {}): Promise<void> {
  if (!lines.length) return;
  const args = opts.force ? ['-force', '-batch', '-'] : ['-batch', '-'];
  const r = await run('ip', args, { check: false, input: lines.join('\n') + '\n' });
  if (r.exitCode !== 0 && !opts.force) {
    throw new BgplabError('E_IP', `ip -batch failed: ${r.stderr.trim().split('\n')[0] ?? ''}`, {
      details: r.stderr.trim().split('\n').slice(-8),
    });
  }
}

/** Parallel `ip -batch` processes for per-node work: a few per CPU (the work is CPU-bound). */
export function batchShards(concurrency: number): number {
  return Math.max(1, Math.min(concurrency, 2 * availableParallelism()));
}

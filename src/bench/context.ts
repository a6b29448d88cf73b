/**
 * What every part of the bench shares: its log line, how an error reads in the results, the
 * lab-name prefix (--prefix) and the Ctrl-C flag (finish the current run, skip the rest).
 */
import { isBgplabError } from '../util/errors.js';

export const bench = {
  /** Ctrl-C: finish the current run, take its lab down, skip the rest, write what was measured */
  interrupted: false,
  /** Prefix of every lab and namespace the bench creates (--prefix, or BGPLAB_BENCH_PREFIX): two benches on one machine never collide */
  prefix: 'bn',
};

export function log(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

export const errText = (e: unknown): string => {
  if (isBgplabError(e)) return `${e.code}: ${e.message}${e.details.length ? ` (${e.details.slice(0, 3).join(' | ')})` : ''}`;
  return e instanceof Error ? e.message : String(e);
};

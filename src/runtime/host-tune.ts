/**
 * `bgplab host tune`: the one place bgplab changes a host setting, and only when asked.
 * It raises the IPv6 neighbour-table thresholds (host-limits.ts tunePlan says to what),
 * recording the previous values first in /var/lib/bgplab/host-tune.json, so that
 * `--revert` restores them even after a crash half-way, and a second tune keeps the
 * original values to go back to.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BgplabError } from '../util/errors.js';
import { readSysctlNumber, sysctlPath } from './host-facts.js';
import { NEIGH6_KEYS, tunePlan, type TuneKey, type TuneStep } from './host-limits.js';

export const TUNE_RECORD = process.env['BGPLAB_TUNE_FILE'] ?? '/var/lib/bgplab/host-tune.json';

export interface TuneRecord {
  /** the values before bgplab first changed them: what --revert writes back */
  before: Partial<Record<TuneKey, number>>;
  nodes: number;
  at: string;
}

export async function readTuneRecord(): Promise<TuneRecord | undefined> {
  try {
    return JSON.parse(await readFile(TUNE_RECORD, 'utf8')) as TuneRecord;
  } catch {
    return undefined;
  }
}

async function writeRecord(r: TuneRecord): Promise<void> {
  await mkdir(dirname(TUNE_RECORD), { recursive: true });
  const tmp = `${TUNE_RECORD}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(r, null, 2) + '\n');
  await rename(tmp, TUNE_RECORD);
}

function requireRoot(what: string): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new BgplabError('E_NOT_ROOT', `${what} changes host sysctls and needs root`, { hint: 'run it with sudo' });
  }
}

async function current(): Promise<Record<TuneKey, number>> {
  const out = {} as Record<TuneKey, number>;
  for (const k of NEIGH6_KEYS) {
    const v = await readSysctlNumber(k);
    if (v === undefined) throw new BgplabError('E_HOST_TUNE', `cannot read ${k} (${sysctlPath(k)})`, { hint: 'is IPv6 enabled in this kernel?' });
    out[k] = v;
  }
  return out;
}

async function writeSysctl(key: string, value: number): Promise<void> {
  try {
    await writeFile(sysctlPath(key), `${value}\n`);
  } catch (e) {
    throw new BgplabError('E_HOST_TUNE', `cannot set ${key}=${value}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, {
      hint: 'a read-only /proc/sys (a container without privileges?) cannot be tuned from here',
      cause: e,
    });
  }
}

/**
 * Raise the thresholds to fit `nodes` nodes. Each step's before/after (before = the value
 * just read; unchanged steps have before === after). The gc_thresh3 >= gc_thresh2 >=
 * gc_thresh1 order holds at every moment: raised from the top down.
 */
export async function tuneHost(nodes: number): Promise<{ steps: TuneStep[]; record: TuneRecord }> {
  requireRoot('bgplab host tune');
  if (!Number.isInteger(nodes) || nodes <= 0) throw new BgplabError('E_USAGE', `--nodes must be a positive whole number, got ${nodes}`);
  const now = await current();
  const steps = tunePlan(now, nodes);
  const prev = await readTuneRecord();
  // first, so that a crash half-way can still be reverted; the oldest values win
  const before: TuneRecord['before'] = { ...Object.fromEntries(steps.filter((s) => s.after !== s.before).map((s) => [s.key, s.before])), ...prev?.before };
  const record: TuneRecord = { before, nodes: Math.max(nodes, prev?.nodes ?? 0), at: new Date().toISOString() };
  if (Object.keys(before).length) await writeRecord(record);
  for (const s of [...steps].reverse()) if (s.after !== s.before) await writeSysctl(s.key, s.after);
  return { steps, record };
}

/** Put back what the record says; lowered from the bottom up. Undefined when nothing was tuned. */
export async function revertHost(): Promise<TuneStep[] | undefined> {
  requireRoot('bgplab host tune --revert');
  const rec = await readTuneRecord();
  if (!rec) return undefined;
  const now = await current();
  const steps: TuneStep[] = NEIGH6_KEYS.filter((k) => rec.before[k] !== undefined).map((k) => ({ key: k, before: now[k], after: rec.before[k]! }));
  for (const s of steps) if (s.after !== s.before) await writeSysctl(s.key, s.after);
  await rm(TUNE_RECORD, { force: true });
  return steps;
}

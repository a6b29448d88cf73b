/**
 * Host limits, live: a fabric whose link-local peers alone overflow the machine's IPv6
 * neighbour table (630 links, 1260 interfaces, against gc_thresh3 1024) is refused before
 * anything is created, with the numbers and `bgplab host tune`; after `host tune` the same
 * fabric converges; `host tune --revert` restores every value. The host is ALWAYS reverted
 * (afterAll), and the test does not run when someone else's tune is in place.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fabricLabText, linksOf } from '../../src/bench/labs.js';
import { NEIGH6_KEYS } from '../../src/runtime/host-limits.js';
import { sysctlPath } from '../../src/runtime/host-facts.js';
import { TUNE_RECORD } from '../../src/runtime/host-tune.js';
import { NetnsRuntime } from '../../src/runtime/netns/index.js';
import { readState } from '../../src/runtime/state.js';
import { isRoot, leftovers } from './netns-helpers.js';

const rt = new NetnsRuntime();
const LAB = 'stbig630';
/** 5 spines x 62 leaves + 160 dual-homed servers: 227 nodes, 630 links */
const SIZE = { spines: 5, leaves: 62, servers: 160 };
const tunedBySomeoneElse = existsSync(TUNE_RECORD);
let tmp = '';
let file = '';
let original: Record<string, string> = {};
let weTuned = false;

const readAll = async () => Object.fromEntries(await Promise.all(NEIGH6_KEYS.map(async (k) => [k, (await readFile(sysctlPath(k), 'utf8')).trim()] as const)));

function cli(args: string[], timeout = 600_000) {
  const env: Record<string, string | undefined> = { ...process.env, VITEST: undefined, VITEST_WORKER_ID: undefined, VITEST_POOL_ID: undefined, NO_COLOR: '1' };
  return execa('node', ['dist/cli.js', ...args], { reject: false, env, extendEnv: false, timeout, all: true });
}

describe.skipIf(!isRoot || tunedBySomeoneElse)('host limits and host tune (live, netns; always reverted)', () => {
  beforeAll(async () => {
    expect(linksOf(SIZE)).toBe(630);
    await execa('npx', ['tsc', '-p', 'tsconfig.json'], { reject: false });
    await stat('dist/cli.js');
    await rt.destroy(LAB);
    tmp = await mkdtemp(join(tmpdir(), 'stbig-'));
    file = join(tmp, `${LAB}.yml`);
    await writeFile(file, fabricLabText(LAB, SIZE));
    original = await readAll();
  }, 120_000);

  afterAll(async () => {
    await rt.destroy(LAB).catch(() => {});
    if (weTuned && existsSync(TUNE_RECORD)) await cli(['host', 'tune', '--revert']);
    await rm(tmp, { recursive: true, force: true });
    expect(await leftovers(LAB)).toEqual([]);
    // whatever happened above, the host is as it was
    expect(await readAll()).toEqual(original);
  }, 300_000);

  it('a fabric that cannot fit the neighbour table is refused before deploy, with the numbers and `bgplab host tune`', async () => {
    const cap = Number(original['net.ipv6.neigh.default.gc_thresh3']);
    expect(cap, 'this test needs an untuned table (gc_thresh3 below 1260)').toBeLessThan(1260);
    const up = await cli(['up', file, '--runtime', 'netns', '--timeout', '60'], 120_000);
    expect(up.exitCode).toBe(1);
    expect(up.all).toMatch(/does not fit this machine: nothing was created/);
    expect(up.all).toMatch(new RegExp(`needs 1260 entries, the labs up hold \\d+, the limit is ${cap}`));
    expect(up.all).toMatch(/bgplab host tune --nodes 227/);
    expect(up.all).not.toMatch(/internal error|at .*\.js:\d+/);
    expect(await readState(LAB)).toBeUndefined();
    expect(await leftovers(LAB)).toEqual([]);
  }, 180_000);

  it('after host tune the 630-link fabric converges; host tune --revert restores every value', async () => {
    const tune = await cli(['host', 'tune', '--nodes', '400']);
    weTuned = true;
    expect(tune.exitCode, tune.all).toBe(0);
    for (const k of NEIGH6_KEYS) expect(tune.all).toMatch(new RegExp(`${k.replace(/\./g, '\\.')}\\s+${original[k]}\\s+\\d+`));
    expect(Number((await readAll())['net.ipv6.neigh.default.gc_thresh3'])).toBeGreaterThanOrEqual(4 * 1260);
    // shared 2-CPU machine: a 227-node deploy took ~60 s alone, leave room
    const up = await cli(['up', file, '--runtime', 'netns', '--timeout', '300']);
    expect(up.exitCode, up.all.slice(-3000)).toBe(0);
    const check = await cli(['check', LAB, '--only', 'sessions,routes']);
    expect(check.exitCode, check.all.slice(-3000)).toBe(0);
    const down = await cli(['down', LAB]);
    expect(down.exitCode, down.all).toBe(0);
    const revert = await cli(['host', 'tune', '--revert']);
    expect(revert.exitCode, revert.all).toBe(0);
    for (const k of NEIGH6_KEYS) expect(revert.all).toMatch(new RegExp(`${k.replace(/\./g, '\\.')}\\s+\\d+\\s+${original[k]}`));
    expect(await readAll()).toEqual(original);
    expect(existsSync(TUNE_RECORD)).toBe(false);
  }, 900_000);
});

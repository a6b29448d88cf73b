/**
 * A workshop: one lab file, one lab per student. Ten `bgplab up labs/clos.yml --name stiN
 * --runtime netns` started at the same moment as separate processes (the CLI a student
 * types) all converge, each passes `check --only sessions,routes`, and each goes with its
 * own `down` (never `down --all`: other people's labs share this machine). Also: two `up`s
 * of one name at once, exactly one deploys.
 */
import { rm, stat } from 'node:fs/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetnsRuntime } from '../../src/runtime/netns/index.js';
import { readState } from '../../src/runtime/state.js';
import { isRoot, leftovers } from './netns-helpers.js';

const rt = new NetnsRuntime();
const N = 10;
const NAMES = Array.from({ length: N }, (_, i) => `sti${i + 1}`);
const TWIN = 'stitwin';
const ALL = [...NAMES, TWIN];

function cli(args: string[], timeout = 300_000) {
  const env: Record<string, string | undefined> = { ...process.env, VITEST: undefined, VITEST_WORKER_ID: undefined, VITEST_POOL_ID: undefined, NO_COLOR: '1' };
  return execa('node', ['dist/cli.js', ...args], { reject: false, env, extendEnv: false, timeout, all: true });
}

describe.skipIf(!isRoot)('instances: one lab file, many named labs at once (live, netns)', () => {
  beforeAll(async () => {
    await execa('npx', ['tsc', '-p', 'tsconfig.json'], { reject: false });
    await stat('dist/cli.js');
    for (const l of ALL) await rt.destroy(l);
  }, 120_000);

  afterAll(async () => {
    for (const l of ALL) await rt.destroy(l).catch(() => {});
    for (const l of ALL) await rm(`out/${l}`, { recursive: true, force: true });
    for (const l of ALL) expect(await leftovers(l)).toEqual([]);
  }, 120_000);

  it(`${N} concurrent ups of labs/clos.yml under their own --name all converge, pass sessions and routes, and go by name`, async () => {
    // 2 shared CPUs: ten labs deploy in ~35 s together (measured), so the wait gets room
    const ups = await Promise.all(NAMES.map((n) => cli(['up', 'labs/clos.yml', '--name', n, '--runtime', 'netns', '--timeout', '180'])));
    ups.forEach((u, i) => expect(u.exitCode, `${NAMES[i]}: ${u.all}`).toBe(0));
    for (const n of NAMES) {
      const st = await readState(n);
      // the model's name was replaced before render: its own artifacts and namespaces
      expect(st?.dir).toMatch(new RegExp(`/out/${n}$`));
      expect(st?.nodes.every((x) => x.ns?.startsWith(`clab-${n}-`))).toBe(true);
    }
    const ls = await cli(['ls', '--json']);
    const listed = (JSON.parse(ls.stdout) as { labs: { name: string }[] }).labs.map((l) => l.name);
    for (const n of NAMES) expect(listed).toContain(n);
    for (const n of NAMES) {
      const c = await cli(['check', n, '--only', 'sessions,routes']);
      expect(c.exitCode, `${n}: ${c.all}`).toBe(0);
      expect(c.all).toMatch(new RegExp(`PASSED lab ${n} `));
    }
    for (const n of NAMES) {
      const d = await cli(['down', n]);
      expect(d.exitCode, d.all).toBe(0);
      expect(await leftovers(n)).toEqual([]);
    }
  }, 600_000);

  it('two ups of one name at the same moment: exactly one deploys, the other is refused as already up and touches nothing of it', async () => {
    const [a, b] = await Promise.all([0, 1].map(() => cli(['up', 'labs/minimal.yml', '--name', TWIN, '--runtime', 'netns', '--timeout', '120'])));
    const codes = [a!.exitCode, b!.exitCode].sort();
    expect(codes, `${a!.all}\n---\n${b!.all}`).toEqual([0, 1]);
    const loser = a!.exitCode === 0 ? b! : a!;
    expect(loser.all).toMatch(/E_LAB_UP|already up/);
    expect(loser.all).not.toMatch(/internal error/);
    const c = await cli(['check', TWIN, '--only', 'sessions,routes']);
    expect(c.exitCode, c.all).toBe(0);
    const d = await cli(['down', TWIN]);
    expect(d.exitCode, d.all).toBe(0);
  }, 300_000);
});

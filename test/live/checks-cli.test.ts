/**
 * Live: `bgplab test` and `bgplab check` as the CLI runs them (command functions, real
 * netns lab): exit codes, JUnit written and well-formed, the lab taken down after `test`
 * (also when the bring-up fails), kept with --keep. Lab names ckcli*.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkCommand } from '../../src/commands/check.js';
import { downLab } from '../../src/app/down.js';
import { testCommand } from '../../src/commands/test.js';
import { NetnsRuntime } from '../../src/runtime/netns/index.js';
import { listNetns } from '../../src/runtime/netns/proc.js';
import { parseXml } from '../unit/junit-parse.js';
import { isRoot } from './checks-helpers.js';

const LAB = (name: string) => `name: ${name}\nfabric:\n  spines: 1\n  leaves: 2\n  servers: 1\n`;
const nsOf = async (lab: string) => (await listNetns()).filter((n) => n.startsWith(`clab-${lab}-`));

describe.skipIf(!isRoot)('bgplab test / bgplab check', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ckcli-'));
  });
  afterEach(() => {
    process.exitCode = undefined;
  });
  afterAll(async () => {
    for (const l of ['ckcli', 'ckclikeep', 'ckclislow']) await new NetnsRuntime().destroy(l).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('test: up → checks → down, exit 0, valid JUnit, nothing left behind', async () => {
    const file = join(dir, 'ckcli.yml');
    await writeFile(file, LAB('ckcli'));
    const junit = join(dir, 'out', 'ckcli.xml');
    await testCommand({ labfile: file, runtime: 'netns', out: join(dir, 'ckcli'), only: ['sessions', 'routes', 'traceroute', 'transit'], keep: false, json: false, junit, timeoutSec: 60 });
    expect(process.exitCode).toBe(0);
    const root = parseXml(await readFile(junit, 'utf8'));
    expect(root.name).toBe('testsuites');
    expect(root.attrs.failures).toBe('0');
    expect(root.children.map((s) => s.attrs.name)).toEqual(['sessions', 'routes', 'traceroute', 'transit']);
    expect(Number(root.attrs.tests)).toBeGreaterThan(10);
    expect(await nsOf('ckcli')).toEqual([]);
  }, 180_000);

  it('test --keep leaves the lab up; check then fails (exit 1) on an injected fault, naming the session', async () => {
    const file = join(dir, 'ckclikeep.yml');
    await writeFile(file, LAB('ckclikeep'));
    try {
      await testCommand({ labfile: file, runtime: 'netns', out: join(dir, 'ckclikeep'), only: ['sessions'], keep: true, json: false, timeoutSec: 60 });
      expect(process.exitCode).toBe(0);
      expect((await nsOf('ckclikeep')).length).toBe(4);

      const rt = new NetnsRuntime();
      await rt.vtysh('ckclikeep', 'spine1', ['conf t', 'router bgp 65000', 'neighbor eth1 shutdown']);
      const junit = join(dir, 'keep.xml');
      let out = '';
      const write = process.stdout.write.bind(process.stdout);
      process.stdout.write = ((chunk: string) => ((out += chunk), true)) as typeof process.stdout.write;
      try {
        await checkCommand({ lab: 'ckclikeep', only: ['sessions'], json: true, junit });
      } finally {
        process.stdout.write = write;
      }
      expect(process.exitCode).toBe(1);
      const report = JSON.parse(out);
      expect(report.passed).toBe(false);
      const failed = report.checks[0].results.filter((r: { status: string }) => r.status === 'fail');
      expect(failed.map((r: { name: string }) => r.name)).toContain('spine1:eth1 → leaf1');
      const root = parseXml(await readFile(junit, 'utf8'));
      const failures = root.children[0]!.children.filter((c) => c.name === 'testcase' && c.children.some((x) => x.name === 'failure'));
      expect(failures.some((c) => c.children.find((x) => x.name === 'failure')!.attrs.message!.includes('Admin. shutdown'))).toBe(true);
    } finally {
      await downLab('ckclikeep', 'netns');
    }
    expect(await nsOf('ckclikeep')).toEqual([]);
  }, 180_000);

  it('test: a bring-up that times out is a failed "up" case, and the lab still goes down', async () => {
    const file = join(dir, 'ckclislow.yml');
    await writeFile(file, LAB('ckclislow'));
    const junit = join(dir, 'slow.xml');
    await expect(
      testCommand({ labfile: file, runtime: 'netns', out: join(dir, 'ckclislow'), keep: false, json: false, junit, timeoutSec: 0.05 }),
    ).rejects.toMatchObject({ code: 'E_WAIT_TIMEOUT' });
    const root = parseXml(await readFile(junit, 'utf8'));
    expect(root.attrs.failures).toBe('1');
    expect(root.children[0]!.attrs.name).toBe('up');
    expect(await nsOf('ckclislow')).toEqual([]);
  }, 120_000);
});

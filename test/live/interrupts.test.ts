/**
 * Live, through the CLI as a user runs it (real processes, real signals):
 * - Ctrl-C (SIGINT) during `bgplab check --only failover`, a few seconds into a scenario:
 *   afterwards every link of the lab is up, no impairment is left, no fault is recorded,
 *   and `bgplab check --only sessions,routes` passes;
 * - `bgplab up --runtime clab` over a running netns lab of the same name is refused with
 *   the "already up" error and the netns lab stays whole (`bgplab ls` shows its daemons);
 * - `bgplab exec` gives an interactive shell with a terminal, on both runtimes.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeFaults } from '../../src/faults/index.js';
import { NetnsRuntime } from '../../src/runtime/netns/index.js';
import { ClabRuntime } from '../../src/runtime/clab/index.js';
import { containerlabOnPath, ensureDockerAndImage } from './clab-helpers.js';
import { isRoot } from './netns-helpers.js';

const cli = (args: string[], o: { input?: string } = {}) =>
  execa('node', ['dist/cli.js', ...args], { reject: false, all: true, env: { FORCE_COLOR: '0' }, input: o.input, timeout: 180_000 });

/** Start `bgplab ARGS`, send SIGINT once `trigger` appears on its stderr (plus delayMs), resolve with its exit and output. */
function interruptWhen(args: string[], trigger: RegExp, delayMs: number): Promise<{ code: number | null; out: string; sentAt?: number }> {
  return new Promise((resolve) => {
    const p = spawn('node', ['dist/cli.js', ...args], { env: { ...process.env, FORCE_COLOR: '0' } });
    let out = '';
    let sent = false;
    let sentAt: number | undefined;
    const on = (b: Buffer) => {
      out += b.toString();
      if (!sent && trigger.test(out)) {
        sent = true;
        setTimeout(() => {
          sentAt = Date.now();
          p.kill('SIGINT');
        }, delayMs);
      }
    };
    p.stdout.on('data', on);
    p.stderr.on('data', on);
    p.on('exit', (code) => resolve({ code, out, ...(sentAt ? { sentAt } : {}) }));
  });
}

/** `bgplab exec --lab LAB spine1 -- sh` under a pseudo-terminal (script(1)): a shell that has a terminal and runs what is typed. */
async function expectShellWithTty(lab: string): Promise<void> {
  const r = await execa('script', ['-qfec', `node dist/cli.js exec --lab ${lab} spine1 -- sh`, '/dev/null'], {
    input: 'tty; echo done-$((2+3)); exit\n',
    reject: false,
    timeout: 60_000,
  });
  expect(r.stdout).toMatch(/\/dev\/pts\/\d+/);
  expect(r.stdout).toMatch(/done-5/);
}

/** Every fabric interface of every node up with carrier, no qdisc and no nftables table left. */
async function wholeFabric(lab: string, rt: NetnsRuntime): Promise<string[]> {
  const problems: string[] = [];
  const st = (await rt.list()).find((l) => l.name === lab)!;
  for (const n of st.nodes) {
    const links = JSON.parse((await rt.exec(lab, n.name, ['ip', '-j', 'link', 'show'])).stdout) as { ifname: string; flags: string[] }[];
    for (const l of links) if (l.ifname !== 'lo' && !l.flags.includes('LOWER_UP')) problems.push(`${n.name}:${l.ifname} ${l.flags.join(',')}`);
    const qd = (await rt.exec(lab, n.name, ['tc', 'qdisc', 'show'])).stdout;
    if (/netem/.test(qd)) problems.push(`${n.name}: netem left: ${qd.trim()}`);
    const nft = (await rt.exec(lab, n.name, ['nft', 'list', 'tables'])).stdout;
    if (/bgplab_/.test(nft)) problems.push(`${n.name}: nftables left: ${nft.trim()}`);
    if (!n.daemons.every((d) => d.running)) problems.push(`${n.name}: daemons ${n.daemons.map((d) => `${d.daemon}=${d.running}`).join(' ')}`);
  }
  return problems;
}

describe.skipIf(!isRoot)('interrupting and refusing, through the CLI', () => {
  let dir: string;
  let file: string;
  const LAB = 'intclos';
  const rt = new NetnsRuntime();
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'intr-'));
    file = join(dir, `${LAB}.yml`);
    await writeFile(file, (await readFile('labs/clos.yml', 'utf8')).replace(/^name: .*$/m, `name: ${LAB}`));
    await rt.destroy(LAB).catch(() => {});
    const up = await cli(['up', file, '--runtime', 'netns', '-o', join(dir, 'out')]);
    expect(up.exitCode, up.all).toBe(0);
  }, 180_000);
  afterAll(async () => {
    await cli(['down', LAB]);
    await rm(dir, { recursive: true, force: true });
  }, 120_000);

  for (const [kind, trigger] of [
    ['link-down', /failover [^\n]*: link-down /],
    ['link-cut', /failover [^\n]*: link-cut /],
  ] as const) {
    it(`SIGINT during a failover ${kind} restores the fault: links up, no impairment, nothing recorded, sessions and routes pass`, async () => {
      const r = await interruptWhen(['check', LAB, '--only', 'failover'], trigger, 1500);
      expect(r.sentAt, r.out).toBeDefined();
      expect(r.code, r.out).not.toBe(0);
      expect(r.out).toMatch(/interrupted/);
      expect(r.out).not.toMatch(/^\s+at .*\.js:\d+/m);
      expect(await activeFaults(LAB)).toEqual([]);
      expect(await wholeFabric(LAB, rt)).toEqual([]);
      const ok = await cli(['check', LAB, '--only', 'sessions,routes']);
      expect(ok.exitCode, ok.all).toBe(0);
    }, 240_000);
  }

  it('bgplab exec on netns gives an interactive shell with a terminal', () => expectShellWithTty(LAB), 60_000);

  describe('with Docker and containerlab', async () => {
    const docker = await ensureDockerAndImage();
    const clab = docker.ok && (await containerlabOnPath());
    it.skipIf(!clab)('up --runtime clab over the running netns lab: "already up", and ls still shows the netns lab with all its daemons', async () => {
      const r = await cli(['up', file, '--runtime', 'clab', '-o', join(dir, 'out2')]);
      expect(r.exitCode).not.toBe(0);
      expect(r.all).toMatch(new RegExp(`lab "${LAB}" is already up \\(netns`));
      const ls = await cli(['ls', '--json']);
      const lab = (JSON.parse(ls.stdout) as { labs: { name: string; runtime: string; health: { up: number; total: number } }[] }).labs.find((l) => l.name === LAB);
      expect(lab).toMatchObject({ runtime: 'netns' });
      expect(lab!.health.total).toBeGreaterThan(0);
      expect(lab!.health.up).toBe(lab!.health.total);
      expect((await new ClabRuntime().leftovers(LAB)).containers).toEqual([]);
    }, 120_000);
  });
});

describe.skipIf(!isRoot)('bgplab exec on containerlab', async () => {
  const docker = isRoot ? await ensureDockerAndImage() : { ok: false as const };
  const clab = docker.ok && (await containerlabOnPath());
  const LAB = 'c5exec';
  let dir: string;
  beforeAll(async () => {
    if (!clab) return;
    dir = await mkdtemp(join(tmpdir(), 'c5exec-'));
    const file = join(dir, `${LAB}.yml`);
    await writeFile(file, (await readFile('labs/minimal.yml', 'utf8')).replace(/^name: .*$/m, `name: ${LAB}`));
    const up = await cli(['up', file, '--runtime', 'clab', '-o', join(dir, 'out')]);
    expect(up.exitCode, up.all).toBe(0);
  }, 300_000);
  afterAll(async () => {
    if (!clab) return;
    await cli(['down', LAB]);
    await rm(dir, { recursive: true, force: true });
  }, 180_000);
  it.skipIf(!clab)('gives an interactive shell with a terminal (pseudo-terminal from script(1))', () => expectShellWithTty(LAB), 90_000);
});

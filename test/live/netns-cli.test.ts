/**
 * The commands a workshop user types, run as a separate process (the built CLI) on the
 * netns runtime: up (plain progress, phase times, session table), status, ls, exec, vtysh,
 * down (idempotent), up's timeout (names the sessions, leaves the lab up) and Ctrl-C
 * during up (takes the lab down).
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetnsRuntime } from '../../src/runtime/netns/index.js';
import { isRoot, leftovers } from './netns-helpers.js';

const rt = new NetnsRuntime();
const LABS = ['nstcli', 'nsttmo', 'nstint'];
let tmp = '';

/** The CLI as a user runs it: not under vitest (so progress renders), not a TTY (plain lines). */
function cli(args: string[], opts: { timeout?: number; env?: Record<string, string>; prefix?: string[] } = {}) {
  const env: Record<string, string | undefined> = {
    ...process.env,
    VITEST: undefined,
    VITEST_WORKER_ID: undefined,
    VITEST_POOL_ID: undefined,
    FORCE_COLOR: '0',
    NO_COLOR: '1',
    ...opts.env,
  };
  const argv = [...(opts.prefix ?? []), 'node', 'dist/cli.js', ...args];
  return execa(argv[0]!, argv.slice(1), { reject: false, env, extendEnv: false, timeout: opts.timeout ?? 120_000, all: true });
}

async function labFile(name: string): Promise<string> {
  const f = join(tmp, `${name}.yml`);
  await writeFile(f, (await readFile('labs/minimal.yml', 'utf8')).replace(/^name: .*$/m, `name: ${name}`));
  return f;
}

describe.skipIf(!isRoot)('bgplab up/status/ls/exec/vtysh/down (live, netns)', () => {
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'nstcli-'));
    // the CLI under test is the built one
    await execa('npx', ['tsc', '-p', 'tsconfig.json'], { reject: false });
    await stat('dist/cli.js');
    for (const l of LABS) await rt.destroy(l);
  });

  afterAll(async () => {
    for (const l of LABS) await rt.destroy(l).catch(() => {});
    await rm(tmp, { recursive: true, force: true });
    for (const l of LABS) expect(await leftovers(l)).toEqual([]);
  });

  it('up prints plain progress with each phase\'s time and a session table; status, ls, exec, vtysh work; down is idempotent', async () => {
    const file = await labFile('nstcli');
    const out = join(tmp, 'out-nstcli');
    const up = await cli(['up', file, '--runtime', 'netns', '-o', out]);
    expect(up.exitCode, up.all).toBe(0);
    // plain line renderer (stdout is a pipe): one line per step with its time
    expect(up.stdout).toMatch(/validate .*lab nstcli, 4 nodes, 4 links/);
    expect(up.stdout).toMatch(/deploy on netns \(requested with --runtime netns\)/);
    expect(up.stdout).toMatch(/BGP sessions: 8\/8 Established/);
    expect(up.stdout).toMatch(/loopback routes: 4\/4 nodes/);
    expect(up.stdout).toMatch(/validate \d+ ms · generate \d+ ms · deploy [\d.]+ m?s · sessions [\d.]+ m?s · routes [\d.]+ m?s · total/);
    expect(up.stdout).toMatch(/^NODE +IFACE +PEER +STATE/m);
    expect(up.stdout).toMatch(/^server1 +eth1 +leaf1 +Established/m);
    expect(up.stdout).toMatch(/8\/8 sessions Established/);

    const again = await cli(['up', file, '--runtime', 'netns', '-o', out]);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toMatch(/lab "nstcli" is already up/);
    expect(again.stderr).toMatch(/bgplab down nstcli/);
    expect(again.stderr).not.toMatch(/ at .*\.js:\d+/); // a user error: no stack

    const st = await cli(['status', 'nstcli', '--json']);
    expect(st.exitCode, st.all).toBe(0);
    const j = JSON.parse(st.stdout) as { labs: { name: string; runtime: string; sessions: { state: string }[]; nodes: { daemons: { running: boolean }[] }[] }[] };
    expect(j.labs).toHaveLength(1);
    expect(j.labs[0]!.runtime).toBe('netns');
    expect(j.labs[0]!.sessions.map((s) => s.state)).toEqual(Array(8).fill('Established'));
    expect(j.labs[0]!.nodes.flatMap((n) => n.daemons).every((d) => d.running)).toBe(true);
    const text = await cli(['status', 'nstcli']);
    // 4 nodes x (zebra, bgpd): bgplab's nodes run no staticd (they have no static routes)
    expect(text.stdout).toMatch(/daemons: 8\/8 running/);

    const ls = await cli(['ls']);
    expect(ls.stdout).toMatch(/^nstcli +netns +4 +8\/8 running +up/m);

    const ping = await cli(['exec', '--lab', 'nstcli', 'server1', '--', 'ping', '-c', '1', '-W', '2', '-I', '10.0.3.1', '10.0.1.1']);
    expect(ping.exitCode, ping.all).toBe(0);
    expect(ping.stdout).toMatch(/1 received/);
    expect((await cli(['exec', '--lab', 'nstcli', 'server1', '--', 'false'])).exitCode).toBe(1);
    const noNode = await cli(['exec', '--lab', 'nstcli', 'server9', '--', 'true']);
    expect(noNode.stderr).toMatch(/lab "nstcli" has no node "server9"/);
    expect(noNode.stderr).toMatch(/nodes: spine1, leaf1, leaf2, server1/);

    const v = await cli(['vtysh', '--lab', 'nstcli', 'leaf1', '-c', 'show bgp summary json']);
    expect(v.exitCode, v.all).toBe(0);
    expect(JSON.parse(v.stdout).ipv4Unicast.routerId).toBe('10.0.2.1');

    const down = await cli(['down', 'nstcli']);
    expect(down.exitCode, down.all).toBe(0);
    expect(down.stdout).toMatch(/down: lab nstcli \(netns: removed 4 namespaces, 8 processes\)/);
    expect(await leftovers('nstcli')).toEqual([]);
    const down2 = await cli(['down', 'nstcli']);
    expect(down2.exitCode, down2.all).toBe(0);
  });

  it('up with a timeout too short names every session still down, exits 1 and leaves the lab up', async () => {
    const file = await labFile('nsttmo');
    const r = await cli(['up', file, '--runtime', 'netns', '-o', join(tmp, 'out-nsttmo'), '--timeout', '0.05']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/lab nsttmo did not converge in 0.05 s: \d+ of 8 BGP sessions not Established/);
    expect(r.stderr).toMatch(/session \w+:eth\d -> \w+: (Idle|Connect|Active|OpenSent|OpenConfirm)/);
    expect(r.stderr).toMatch(/left up for inspection/);
    expect((await leftovers('nsttmo')).length).toBeGreaterThan(0);
    const d = await cli(['down', 'nsttmo']);
    expect(d.exitCode).toBe(0);
    expect(await leftovers('nsttmo')).toEqual([]);
  });

  it('not root, or FRR missing: a clear error with a hint, before anything is written', async () => {
    const file = await labFile('nstcli');
    const out = join(tmp, 'out-pre');
    const noFrr = await cli(['up', file, '--runtime', 'netns', '-o', out], { env: { BGPLAB_FRR_DIR: '/nonexistent/frr' } });
    expect(noFrr.exitCode).toBe(1);
    expect(noFrr.stderr).toMatch(/FRR is not installed: \/nonexistent\/frr\/zebra not found/);
    expect(noFrr.stderr).toMatch(/apt-get install -y frr \(or run `make setup`\)/);
    const nobody = await cli(['up', file, '--runtime', 'netns', '-o', out], { prefix: ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] });
    expect(nobody.exitCode).toBe(1);
    expect(nobody.stderr).toMatch(/needs root/);
    expect(nobody.stderr).toMatch(/sudo/);
    await expect(stat(out)).rejects.toThrow();
    expect(await leftovers('nstcli')).toEqual([]);
  });

  it('Ctrl-C during up takes the lab down', async () => {
    const file = await labFile('nstint');
    const p: ResultPromise = cli(['up', file, '--runtime', 'netns', '-o', join(tmp, 'out-nstint'), '--timeout', '60']);
    // interrupt once deploy has begun (its state file is written first)
    const t0 = Date.now();
    for (;;) {
      try {
        await stat('/run/bgplab/nstint/state.json');
        break;
      } catch {
        if (Date.now() - t0 > 20_000) throw new Error('deploy never started');
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    p.kill('SIGINT');
    const r = await p;
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/interrupted/);
    expect(await leftovers('nstint')).toEqual([]);
  });
});

/**
 * Live: the containerlab runtime on real Docker with real FRR containers (bgplab/frr:latest).
 * Runs once per deployer available here: containerlab itself when it is on PATH, and
 * always bgplab's docker deployer (the path for machines without containerlab). Both
 * must give the same containers (names, labels) so every post-deploy operation — exec,
 * vtysh, link down/up, impairment, stop/start routing, list, destroy — is exercised on
 * each. Labs are named c5* so they never collide with other tests.
 * Skips (saying why) only when Docker cannot run at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSummaries, waitForSessions } from '../../src/checks/sessions.js';
import type { CheckContext } from '../../src/checks/types.js';
import { isBgplabError } from '../../src/util/errors.js';
import { labContainers, LABEL_DEPLOYER, LABEL_LAB, LABEL_NODE } from '../../src/runtime/clab/docker.js';
import { readState } from '../../src/runtime/state.js';
import type { Deployer } from '../../src/runtime/clab/index.js';
import { containerlabOnPath, deployClabLab, ensureDockerAndImage, LAB_1x2x1, until, type ClabLab } from './clab-helpers.js';

const env = await ensureDockerAndImage().catch((e: unknown) => ({ ok: false as const, reason: `setup failed: ${(e as Error).message}` }));
if (!env.ok) console.warn(`[clab live tests] SKIPPED: ${env.reason}`);
const deployers: Deployer[] = env.ok ? [...((await containerlabOnPath()) ? (['containerlab'] as const) : []), 'docker'] : [];
if (env.ok && !deployers.includes('containerlab')) console.warn('[clab live tests] containerlab is not on PATH: only the docker deployer is tested (make containerlab)');

/** state of each session of `node` (ifname → state) */
async function sessionStates(ctx: CheckContext, node: string): Promise<Map<string, string>> {
  const s = (await readSummaries(ctx, [node])).get(node);
  const out = new Map<string, string>();
  if (!s || s instanceof Error) return out;
  for (const [ifname, p] of Object.entries(s.ipv4Unicast?.peers ?? {})) out.set(ifname, p.state ?? '?');
  return out;
}

describe.skipIf(!env.ok).each((deployers.length ? deployers : (['docker'] as Deployer[])).map((d) => [d]))('clab runtime, deployed by %s (lab c5rt*)', (deployer) => {
  const name = deployer === 'containerlab' ? 'c5rtclab' : 'c5rtdock';
  let L: ClabLab;
  let ctx: CheckContext;

  beforeAll(async () => {
    L = await deployClabLab(LAB_1x2x1, name, deployer);
    ctx = { lab: L.lab, runtime: L.runtime };
    console.log(`[${name}] deployed by ${L.runtime.lastDeployer} in ${L.deployMs} ms`);
  }, 300_000);
  afterAll(async () => {
    await L?.destroy();
  }, 120_000);

  it('used the requested deployer and labelled the containers as containerlab does', async () => {
    expect(L.runtime.lastDeployer).toBe(deployer);
    const cs = await labContainers(name);
    expect(cs.map((c) => c.node).sort()).toEqual(L.lab.nodes.map((n) => n.name).sort());
    for (const c of cs) {
      expect(c.name).toBe(`clab-${name}-${c.node}`);
      expect(c.labels[LABEL_LAB]).toBe(name);
      expect(c.labels[LABEL_NODE]).toBe(c.node);
      expect(c.state).toBe('running');
      // only bgplab's own deployer marks its containers; containerlab's are unmarked
      expect(c.labels[LABEL_DEPLOYER] === 'docker-deploy').toBe(deployer === 'docker');
    }
    const st = await readState(name);
    expect(st?.runtime).toBe('clab');
    expect(st?.phase).toBe('up');
  });

  it('brings every expected session to Established', async () => {
    const t0 = Date.now();
    const w = await waitForSessions(ctx, 60_000);
    expect(w.ok, w.failing.map((f) => f.message).join('; ')).toBe(true);
    console.log(`[${name}] all ${L.lab.sessions.length} sessions Established ${Date.now() - t0} ms after deploy returned`);
  });

  it('exec: separate stdout and stderr, the real exit code, stdin-free argv without a shell', async () => {
    const r = await L.runtime.exec(name, 'server1', ['sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(r).toEqual({ stdout: 'out\n', stderr: 'err\n', exitCode: 3 });
    // an argument with shell metacharacters arrives as one literal argument
    const lit = await L.runtime.exec(name, 'server1', ['printf', '%s', 'a;b $(x) "c"']);
    expect(lit.stdout).toBe('a;b $(x) "c"');
    // the node is its own network namespace: its fabric interfaces are there
    const links = JSON.parse((await L.runtime.exec(name, 'server1', ['ip', '-j', 'link', 'show'])).stdout) as { ifname: string }[];
    expect(links.map((l) => l.ifname)).toEqual(expect.arrayContaining(['eth1', 'eth2']));
  });

  it('exec: a timeout kills the process and says so', async () => {
    const t0 = Date.now();
    const e = await L.runtime.exec(name, 'server1', ['sleep', '7'], { timeoutMs: 500 }).catch((x: unknown) => x);
    expect(isBgplabError(e) && e.code).toBe('E_TIMEOUT');
    expect(Date.now() - t0).toBeLessThan(5000);
    const ps = await L.runtime.exec(name, 'server1', ['ps', '-e', '-o', 'args=']);
    expect(ps.stdout).not.toMatch(/^sleep 7$/m);
  });

  it('vtysh: output of each command; an unknown command is an error', async () => {
    const out = await L.runtime.vtysh(name, 'spine1', ['show bgp summary json']);
    const j = JSON.parse(out) as { ipv4Unicast?: { peers?: Record<string, unknown> } };
    expect(Object.keys(j.ipv4Unicast?.peers ?? {}).sort()).toEqual(
      L.lab.sessions.filter((s) => s.node === 'spine1').map((s) => s.ifname).sort(),
    );
    await expect(L.runtime.vtysh(name, 'spine1', ['show no-such-thing'])).rejects.toMatchObject({ code: 'E_VTYSH' });
    await expect(L.runtime.exec(name, 'nosuchnode', ['true'])).rejects.toMatchObject({ code: 'E_NO_NODE' });
  });

  it('link down drops carrier on both ends and the session; link up restores it', async () => {
    const s = L.lab.sessions.find((x) => x.node === 'server1' && x.peer.startsWith('leaf'))!;
    await L.runtime.setLink(name, s.peer, s.peerIfname, false);
    try {
      const far = JSON.parse((await L.runtime.exec(name, 'server1', ['ip', '-j', 'link', 'show', 'dev', s.ifname])).stdout) as { flags: string[] }[];
      expect(far[0]!.flags).not.toContain('LOWER_UP');
      const ms = await until(`server1:${s.ifname} session down`, async () => {
        const st = (await sessionStates(ctx, 'server1')).get(s.ifname);
        return st === 'Established' ? [`still ${st}`] : [];
      }, 15_000);
      console.log(`[${name}] session on server1:${s.ifname} left Established ${ms} ms after link down`);
    } finally {
      await L.runtime.setLink(name, s.peer, s.peerIfname, true);
    }
    await until(`server1:${s.ifname} session back`, async () => {
      const st = (await sessionStates(ctx, 'server1')).get(s.ifname);
      return st === 'Established' ? [] : [`${st}`];
    }, 30_000);
    await expect(L.runtime.setLink(name, 'server1', 'eth9', false)).rejects.toMatchObject({ code: 'E_IFACE_MISSING' });
  });

  it('impairment: 100 % loss cuts traffic on that link only (carrier stays); removing it restores', async () => {
    const s = L.lab.sessions.find((x) => x.node === 'server1' && x.peer.startsWith('leaf'))!;
    const peerAddrs = JSON.parse((await L.runtime.exec(name, s.peer, ['ip', '-j', '-6', 'addr', 'show', 'dev', s.peerIfname])).stdout) as {
      addr_info: { local: string; scope: string }[];
    }[];
    const lla = peerAddrs[0]!.addr_info.find((a) => a.scope === 'link')!.local;
    const ping = async () =>
      L.runtime.exec(name, 'server1', ['ping', '-n', '-q', '-c', '5', '-i', '0.2', '-W', '1', `${lla}%${s.ifname}`], { timeoutMs: 15_000 });
    expect((await ping()).exitCode).toBe(0);
    await L.runtime.impairLink(name, 'server1', s.ifname, { lossPct: 100 });
    try {
      const r = await ping();
      expect(r.exitCode).not.toBe(0);
      expect(r.stdout).toMatch(/100% packet loss/);
      const link = JSON.parse((await L.runtime.exec(name, 'server1', ['ip', '-j', 'link', 'show', 'dev', s.ifname])).stdout) as { flags: string[] }[];
      expect(link[0]!.flags).toContain('LOWER_UP');
    } finally {
      await L.runtime.impairLink(name, 'server1', s.ifname, null);
    }
    expect((await ping()).exitCode).toBe(0);
    // delay needs sch_netem: where the kernel has it, it must work; where not, a clear error
    const d = await L.runtime.impairLink(name, 'server1', s.ifname, { delayMs: 50 }).then(
      () => 'applied',
      (e: unknown) => (isBgplabError(e) ? e.code : String(e)),
    );
    try {
      if (d === 'applied') {
        const r = await ping();
        const avg = Number(/= [\d.]+\/([\d.]+)\//.exec(r.stdout)?.[1]);
        expect(avg).toBeGreaterThanOrEqual(45);
      } else {
        expect(d).toBe('E_UNSUPPORTED');
      }
    } finally {
      await L.runtime.impairLink(name, 'server1', s.ifname, null);
    }
  });

  it('stop routing: daemons gone, links stay, neighbors drop the session; start brings it back', async () => {
    await L.runtime.stopRouting(name, 'server1');
    try {
      const lab = (await L.runtime.list()).find((l) => l.name === name)!;
      const node = lab.nodes.find((n) => n.name === 'server1')!;
      expect(node.daemons.find((d) => d.daemon === 'bgpd')?.running).toBe(false);
      const links = JSON.parse((await L.runtime.exec(name, 'server1', ['ip', '-j', 'link', 'show', 'dev', 'eth1'])).stdout) as { flags: string[] }[];
      expect(links[0]!.flags).toContain('LOWER_UP');
      const peers = L.lab.sessions.filter((x) => x.peer === 'server1');
      await until('leaves drop their server1 sessions', async () => {
        const bad: string[] = [];
        for (const p of peers) if ((await sessionStates(ctx, p.node)).get(p.ifname) === 'Established') bad.push(`${p.node}:${p.ifname}`);
        return bad;
      }, 15_000);
    } finally {
      await L.runtime.startRouting(name, 'server1');
    }
    const lab = (await L.runtime.list()).find((l) => l.name === name)!;
    expect(lab.nodes.find((n) => n.name === 'server1')!.daemons.every((d) => d.running)).toBe(true);
    const w = await waitForSessions(ctx, 60_000);
    expect(w.ok, w.failing.map((f) => f.message).join('; ')).toBe(true);
  });

  it('list shows the lab with every node and its daemons', async () => {
    const lab = (await L.runtime.list()).find((l) => l.name === name);
    expect(lab?.runtime).toBe('clab');
    expect(lab?.dir).toBe(L.dir);
    expect(lab?.nodes.map((n) => n.name).sort()).toEqual(L.lab.nodes.map((n) => n.name).sort());
    for (const n of lab!.nodes) expect(n.daemons.filter((d) => !d.running).map((d) => `${n.name}:${d.daemon}`)).toEqual([]);
  });
});

describe.skipIf(!env.ok)('clab runtime: destroy', () => {
  it.each((deployers.length ? deployers : (['docker'] as Deployer[])).map((d) => [d]))('leaves no container and no state, and is idempotent (%s)', async (deployer) => {
    const name = deployer === 'containerlab' ? 'c5dnclab' : 'c5dndock';
    const L = await deployClabLab(LAB_1x2x1, name, deployer);
    try {
      expect((await labContainers(name)).length).toBe(L.lab.nodes.length);
      const t0 = Date.now();
      await L.runtime.destroy(name);
      console.log(`[${name}] destroyed in ${Date.now() - t0} ms`);
      expect(await labContainers(name)).toEqual([]);
      expect(await readState(name)).toBeUndefined();
      await L.runtime.destroy(name);
      expect((await L.runtime.list()).some((l) => l.name === name)).toBe(false);
    } finally {
      await L.destroy();
    }
  });

  it('a missing image fails before anything is created', async () => {
    const name = 'c5noimg';
    const err = await deployClabLab(LAB_1x2x1, name, 'docker', (t) => t.replaceAll('bgplab/frr:latest', 'bgplab/does-not-exist:1')).catch((e: unknown) => e);
    expect(isBgplabError(err) && err.code).toBe('E_IMAGE_MISSING');
    expect(await labContainers(name)).toEqual([]);
    expect(await readState(name)).toBeUndefined();
  });

  it.each((deployers.length ? deployers : (['docker'] as Deployer[])).map((d) => [d]))(
    'a deploy that fails after its containers exist (a failing exec command) removes them (%s)',
    async (deployer) => {
      const name = deployer === 'containerlab' ? 'c5failclab' : 'c5faildock';
      const failingExec = (t: string) => t.replace(/^( +)binds:\n((?:\1  - .*\n)+)/m, (m, ind: string) => `${m}${ind}exec:\n${ind}  - ip link set dev nonexist up\n`);
      const err = await deployClabLab(LAB_1x2x1, name, deployer, failingExec).catch((e: unknown) => e);
      expect(isBgplabError(err) && err.code).toBe('E_EXEC');
      expect(isBgplabError(err) && err.details.join('\n')).toMatch(/nonexist/);
      expect(await labContainers(name)).toEqual([]);
      expect(await readState(name)).toBeUndefined();
    },
  );
});

/**
 * The netns runtime against the real kernel and Debian's FRR (root). Labs are named nst*
 * so that other tests' labs running at the same time never collide with these.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { LabWaiter } from '../../src/observe/wait.js';
import { observeLab } from '../../src/observe/sessions.js';
import { deployLab } from '../../src/runtime/lifecycle.js';
import type { Lab } from '../../src/lab/model.js';
import { NetnsRuntime } from '../../src/runtime/netns/index.js';
import { parseDaemonsFile } from '../../src/runtime/netns/frr.js';
import { readState } from '../../src/runtime/state.js';
import { isBgplabError } from '../../src/util/errors.js';
import { artifacts, isRoot, leftovers } from './netns-helpers.js';

const rt = new NetnsRuntime();
const labsUsed = new Set<string>();
const dirs: string[] = [];

async function gen(file: string, name: string, edit?: (t: string) => string) {
  labsUsed.add(name);
  await rt.destroy(name); // a previous crashed run
  const a = await artifacts(file, name, edit);
  dirs.push(a.dir);
  return a;
}

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection(p: Promise<unknown>): Promise<{ code: string; message: string; details: string[]; hint?: string }> {
  try {
    await p;
  } catch (e) {
    if (isBgplabError(e)) return { code: e.code, message: e.message, details: e.details, hint: e.hint };
    throw e;
  }
  throw new Error('expected a rejection');
}

const established = async (lab: Lab, node: string, ifname: string) =>
  JSON.parse(await rt.vtysh(lab.name, node, ['show bgp summary json'])).ipv4Unicast.peers[ifname]?.state as string | undefined;

async function until(pred: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  while (!(await pred())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`condition not met in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - t0;
}


async function hostLinks(): Promise<Set<string>> {
  const r = await execa('ip', ['-o', 'link', 'show']);
  return new Set(r.stdout.split('\n').map((l) => l.split(': ')[1]?.split('@')[0] ?? ''));
}

describe.skipIf(!isRoot)('netns runtime (live)', () => {
  afterAll(async () => {
    for (const l of labsUsed) await rt.destroy(l).catch(() => {});
    for (const d of dirs) await rm(d, { recursive: true, force: true });
    for (const l of labsUsed) expect(await leftovers(l)).toEqual([]);
  });

  it('the default lab comes up: every session Established, the model\'s routes, ping between all server loopbacks; down leaves nothing', async () => {
    const { lab, dir } = await gen('labs/clos.yml', 'nstclos');
    const hostBefore = await hostLinks();
    const t0 = performance.now();
    await deployLab(rt, dir, [rt]);
    const deployMs = Math.round(performance.now() - t0);
    const w = new LabWaiter(rt, lab);
    const s = await w.until('sessions', 60_000);
    const r = await w.until('routes', 60_000);
    console.log(`nstclos (${lab.nodes.length} nodes): deploy ${deployMs} ms, sessions +${s.sessionsMs} ms, routes +${r.routesMs} ms, total ${Math.round(performance.now() - t0)} ms`);
    expect(s.down).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.missing).toEqual([]);
    // every expected session, seen from both ends, names the right peer (cabling)
    const fresh = await observeLab(rt, lab);
    const sessions = fresh.flatMap((n) => n.sessions);
    expect(sessions).toHaveLength(lab.sessions.length);
    for (const x of sessions) {
      expect(x.state).toBe('Established');
      expect(x.peerHostname).toBe(x.peer);
    }
    // full loopback reachability between servers, sourced from the loopback
    const servers = lab.nodes.filter((n) => n.role === 'server');
    expect(servers.length).toBeGreaterThanOrEqual(2);
    const pairs = servers.flatMap((a) => servers.filter((b) => b !== a).map((b) => [a, b] as const));
    const pings = await Promise.all(
      pairs.map(async ([a, b]) => ({ pair: `${a.name}->${b.name}`, r: await rt.exec(lab.name, a.name, ['ping', '-c', '1', '-W', '2', '-I', a.loopback, b.loopback]) })),
    );
    expect(pings.filter((p) => p.r.exitCode !== 0).map((p) => p.pair)).toEqual([]);
    // vtysh reaches that node's daemons and no other's
    for (const n of lab.nodes) {
      const conf = await rt.vtysh(lab.name, n.name, ['show running-config']);
      expect(conf).toMatch(new RegExp(`^hostname ${n.name}$`, 'm'));
    }
    // the host namespace got none of the lab's interfaces (veths are created inside the namespaces)
    const ours = new Set(lab.nodes.flatMap((n) => n.interfaces));
    const added = [...(await hostLinks())].filter((l) => !hostBefore.has(l) && ours.has(l));
    expect(added).toEqual([]);
    const st = await readState(lab.name);
    expect(st?.phase).toBe('up');
    expect(st?.nodes.map((n) => n.ns)).toEqual(lab.nodes.map((n) => `clab-nstclos-${n.name}`));

    const d0 = performance.now();
    await rt.destroy(lab.name);
    console.log(`nstclos down in ${Math.round(performance.now() - d0)} ms`);
    expect(await leftovers(lab.name)).toEqual([]);
    await rt.destroy(lab.name); // idempotent
  });

  it('a topology exec command the node cannot run fails deploy with the command, and leaves nothing', async () => {
    const { lab, dir } = await gen('labs/minimal.yml', 'nstexec');
    const f = join(dir, 'nstexec.clab.yml');
    const text = await readFile(f, 'utf8');
    await writeFile(f, text.replace(/(    server1:\n)/, '$1      exec:\n        - ip link set nosuchif0 up\n'));
    const e = await rejection(deployLab(rt, dir, [rt]));
    expect(e.code).toBe('E_EXEC');
    expect(e.message).toMatch(/server1: exec command failed .*ip link set nosuchif0 up/);
    expect(e.details.join('\n')).toMatch(/nosuchif0/);
    expect(await leftovers(lab.name)).toEqual([]);
  });

  it('two labs with the same node names and addresses run side by side without interfering', async () => {
    const a = await gen('labs/minimal.yml', 'nsta');
    const b = await gen('labs/minimal.yml', 'nstb');
    await Promise.all([deployLab(rt, a.dir, [rt]), deployLab(rt, b.dir, [rt])]);
    const [wa, wb] = await Promise.all([new LabWaiter(rt, a.lab).until('routes', 60_000), new LabWaiter(rt, b.lab).until('routes', 60_000)]);
    expect(wa.ok && wb.ok).toBe(true);
    // stop leaf1's routing in lab A: only lab A's vtysh loses it, lab B's leaf1 keeps its sessions
    await rt.stopRouting(a.lab.name, 'leaf1');
    const e = await rejection(rt.vtysh(a.lab.name, 'leaf1', ['show bgp summary json']));
    expect(e.message).toMatch(/not running|failed to connect/);
    expect(await established(b.lab, 'leaf1', 'eth1')).toBe('Established');
    // the daemons its daemons file enables (bgplab's: zebra and bgpd, no staticd)
    const started = (await readState(a.lab.name))!.nodes.find((n) => n.name === 'leaf1')!.daemons;
    expect(started).toEqual(expect.arrayContaining(['zebra', 'bgpd']));
    const health = await rt.daemonHealth(a.lab.name, 'leaf1', started);
    expect(health.every((h) => !h.running)).toBe(true);
    // and back
    await rt.startRouting(a.lab.name, 'leaf1');
    expect((await rt.daemonHealth(a.lab.name, 'leaf1', started)).every((h) => h.running)).toBe(true);
    await until(async () => (await established(a.lab, 'leaf1', 'eth1').catch(() => undefined)) === 'Established', 30_000);
    // taking A down leaves B whole
    const bBefore = (await observeLab(rt, b.lab)).flatMap((n) => n.sessions);
    await rt.destroy(a.lab.name);
    expect(await leftovers(a.lab.name)).toEqual([]);
    const bAfter = (await observeLab(rt, b.lab)).flatMap((n) => n.sessions);
    expect(bAfter.map((s) => s.state)).toEqual(bBefore.map(() => 'Established'));
    // no B session restarted: each is at least as old as before
    for (let i = 0; i < bAfter.length; i++) expect(bAfter[i]!.uptimeMs!).toBeGreaterThanOrEqual(bBefore[i]!.uptimeMs!);
    await rt.destroy(b.lab.name);
    expect(await leftovers(b.lab.name)).toEqual([]);
  });

  it('a broken frr.conf fails deploy naming the file, line and daemons\' verdict, and cleans up', async () => {
    const { lab, dir } = await gen('labs/minimal.yml', 'nstbad');
    const conf = join(dir, 'nodes/leaf1/frr.conf');
    const lines = (await readFile(conf, 'utf8')).split('\n');
    const i = lines.findIndex((l) => /^router bgp /.test(l));
    lines.splice(i + 1, 0, ' neighbor FABRIC remote-as externall');
    await writeFile(conf, lines.join('\n'));
    const e = await rejection(deployLab(rt, dir, [rt]));
    expect(e.code).toBe('E_FRR_CONFIG');
    expect(e.message).toMatch(/leaf1/);
    expect(e.details.join('\n')).toContain(`${conf}:${i + 2}: neighbor FABRIC remote-as externall`);
    // every daemon the node runs rejected it (its daemons file: zebra, bgpd)
    const enabled = parseDaemonsFile(await readFile(join(dir, 'nodes/leaf1/daemons'), 'utf8'), (d) => d !== 'mgmtd').daemons; // FRR 8.4: no mgmtd
    expect(e.details.join('\n')).toContain(`rejected by ${enabled.join(', ')}`);
    expect(await leftovers(lab.name)).toEqual([]);
  });

  it('a daemon that dies at start fails deploy with the tail of its output, and cleans up', async () => {
    const { lab, dir } = await gen('labs/minimal.yml', 'nstdie');
    const f = join(dir, 'nodes/spine1/daemons');
    await writeFile(f, (await readFile(f, 'utf8')).replace(/^bgpd_options=.*$/m, 'bgpd_options="--no-such-option"'));
    const e = await rejection(deployLab(rt, dir, [rt]));
    expect(e.code).toBe('E_DAEMON_DIED');
    expect(e.message).toMatch(/spine1: bgpd/);
    expect(e.details.join('\n')).toMatch(/spine1\/bgpd: .*(unrecognized|invalid) option/);
    expect(await leftovers(lab.name)).toEqual([]);
  });

  it('refuses a lab that is already up, and down cleans a crashed half-deployed lab by name', async () => {
    const { lab, dir } = await gen('labs/minimal.yml', 'nstdup');
    await deployLab(rt, dir, [rt]);
    const e = await rejection(deployLab(rt, dir, [rt]));
    expect(e.code).toBe('E_LAB_UP');
    expect(e.hint).toMatch(/bgplab down nstdup/);
    // a crash: state file gone, daemons and namespaces still there
    await rm(join('/run/bgplab', lab.name, 'state.json'));
    expect((await leftovers(lab.name)).length).toBeGreaterThan(0);
    await rt.destroy(lab.name);
    expect(await leftovers(lab.name)).toEqual([]);
  });

  it('link down, loss, and interface errors through the Runtime interface', async () => {
    const { lab, dir } = await gen('labs/minimal.yml', 'nstops');
    await deployLab(rt, dir, [rt]);
    expect((await new LabWaiter(rt, lab).until('routes', 60_000)).ok).toBe(true);
    const server = lab.nodes.find((n) => n.role === 'server')!;
    const s = lab.sessions.find((x) => x.node === server.name)!;
    // link down on the server end: the leaf end loses carrier and drops the session at once
    await rt.setLink(lab.name, server.name, s.ifname, false);
    const downMs = await until(async () => (await established(lab, s.peer, s.peerIfname)) !== 'Established', 5000);
    expect(downMs).toBeLessThan(5000);
    await rt.setLink(lab.name, server.name, s.ifname, true);
    await until(async () => (await established(lab, s.peer, s.peerIfname)) === 'Established', 30_000);
    // 100 % loss on both server uplinks: its pings to a leaf loopback all fail; removed: they pass
    const leaf = lab.nodes.find((n) => n.name === s.peer)!;
    const ping = () => rt.exec(lab.name, server.name, ['ping', '-c', '5', '-i', '0.05', '-W', '1', '-I', server.loopback, leaf.loopback]);
    for (const x of lab.sessions.filter((y) => y.node === server.name)) await rt.impairLink(lab.name, server.name, x.ifname, { lossPct: 100 });
    expect((await ping()).stdout).toMatch(/ 100% packet loss/);
    for (const x of lab.sessions.filter((y) => y.node === server.name)) await rt.impairLink(lab.name, server.name, x.ifname, null);
    expect((await ping()).stdout).toMatch(/ 0% packet loss/);
    const e = await rejection(rt.setLink(lab.name, server.name, 'eth99', false));
    expect(e.code).toBe('E_IFACE_MISSING');
    expect(e.hint).toMatch(/eth1/);
    const n = await rejection(rt.exec(lab.name, 'nosuchnode', ['true']));
    expect(n.code).toBe('E_NO_NODE');
    await rt.destroy(lab.name);
  });
});

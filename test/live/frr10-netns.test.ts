/**
 * FRR 10 on the netns runtime, without Docker: the daemons and vtysh from the trixie rootfs
 * (images/build-offline.sh FRR=10), real namespaces, real FRR (root). Labs are named f10n*
 * so that other tests' labs running at the same time never collide with these.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { LabWaiter } from '../../src/observe/wait.js';
import { deployLab } from '../../src/runtime/lifecycle.js';
import { NetnsRuntime } from '../../src/runtime/netns/index.js';
import { readState } from '../../src/runtime/state.js';
import { isBgplabError } from '../../src/util/errors.js';
import { artifacts, isRoot, leftovers } from './netns-helpers.js';

const rt = new NetnsRuntime();
const labsUsed = new Set<string>();
const ten = (t: string) => `${t}\nfrr: "10"\n`;

async function gen(name: string, edit: (t: string) => string = ten) {
  labsUsed.add(name);
  await rt.destroy(name); // a previous crashed run
  return artifacts('labs/minimal.yml', name, edit);
}

describe.skipIf(!isRoot)('FRR 10 on the netns runtime (live)', () => {
  afterAll(async () => {
    for (const l of labsUsed) await rt.destroy(l);
  });

  it('runs 10.3 from the rootfs: show version, mgmtd per node, sessions Established, routes; down leaves nothing', async () => {
    const { lab, dir } = await gen('f10n1');
    expect(lab.frr).toBe('10');
    await deployLab(rt, dir, [rt]);
    const st = await readState(lab.name);
    expect(st!.nodes.every((n) => n.frrRoot && n.daemons[0] === 'zebra' && n.daemons.includes('mgmtd'))).toBe(true);
    const node = lab.nodes[0]!.name;
    // through real vtysh (not the vty socket shortcut): the rootfs's vtysh, inside the node
    expect(await rt.vtysh(lab.name, node, ['show version'])).toMatch(/^FRRouting 10\.\d+ \(/m);
    // its own UTS namespace: bgpd advertises the node's name, not the host's
    expect(await rt.vtysh(lab.name, node, ['show version'])).toContain(`(${node})`);
    const w = await new LabWaiter(rt, lab).until('routes', 60_000);
    expect(w.ok, JSON.stringify(w.down)).toBe(true);
    const peers = JSON.parse(await rt.vtysh(lab.name, node, ['show bgp neighbors json'])) as Record<string, { hostname?: string }>;
    const names = new Set(lab.sessions.filter((s) => s.node === node).map((s) => s.peer));
    for (const p of Object.values(peers)) expect(names.has(p.hostname ?? '')).toBe(true);
    // each node's mgmtd sockets are its own (the node dir over the rootfs's /run/frr)
    // mgmtd first, then the daemons the daemons file enables (bgplab's: zebra, bgpd; no staticd)
    const started = (await readState(lab.name))!.nodes.find((n) => n.name === node)!.daemons;
    expect(started).toEqual(expect.arrayContaining(['mgmtd', 'zebra', 'bgpd']));
    const health = await rt.daemonHealth(lab.name, node, started);
    expect(health.every((h) => h.running)).toBe(true);
    await rt.destroy(lab.name);
    expect(await leftovers(lab.name)).toEqual([]);
  });

  it('routing stopped and started again: FRR 10 daemons get their config back (vtysh -b), sessions return', async () => {
    const { lab, dir } = await gen('f10n2');
    await deployLab(rt, dir, [rt]);
    expect((await new LabWaiter(rt, lab).until('sessions', 60_000)).ok).toBe(true);
    const victim = lab.nodes.find((n) => n.role === 'spine')!.name;
    await rt.stopRouting(lab.name, victim);
    expect((await rt.daemonHealth(lab.name, victim, ['bgpd'])).every((h) => !h.running)).toBe(true);
    await rt.startRouting(lab.name, victim);
    const w = await new LabWaiter(rt, lab).until('routes', 60_000);
    expect(w.ok, JSON.stringify(w.down)).toBe(true);
    await rt.destroy(lab.name);
    expect(await leftovers(lab.name)).toEqual([]);
  });

  it('a line FRR 10 rejects fails the deploy with file:line, and nothing is left', async () => {
    const { lab, dir } = await gen('f10n3');
    const { readFile, writeFile } = await import('node:fs/promises');
    const conf = `${dir}/nodes/${lab.nodes[0]!.name}/frr.conf`;
    await writeFile(conf, (await readFile(conf, 'utf8')).replace('remote-as external', 'remote-as externall'));
    let err: unknown;
    try {
      await deployLab(rt, dir, [rt]);
    } catch (e) {
      err = e;
    }
    expect(isBgplabError(err, 'E_FRR_CONFIG')).toBe(true);
    if (isBgplabError(err)) expect(err.details.join('\n')).toMatch(new RegExp(`${conf.replace(/[.]/g, '\\.')}:\\d+: .*externall`));
    expect(await leftovers(lab.name)).toEqual([]);
  });
});

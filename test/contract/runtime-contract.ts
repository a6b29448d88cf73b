/**
 * The Runtime contract: what every runtime promises the rest of bgplab (commands, checks,
 * observation, faults), as one suite. It runs against both real runtimes
 * (test/live/runtime-contract.test.ts: netns, and containerlab where Docker and the image
 * are present) and against an in-memory fake (test/unit/runtime-contract.test.ts), so the
 * unit layer's fake cannot drift from the real thing. A harness supplies the runtime and
 * how to look at the lab from outside it (carrier, reachability).
 */
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healAll, healFault, injectFault, activeFaults } from '../../src/faults/index.js';
import type { FrrVersion, Lab, LabNode } from '../../src/lab/model.js';
import { deployLab } from '../../src/runtime/lifecycle.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { readState } from '../../src/runtime/state.js';
import { isBgplabError } from '../../src/util/errors.js';

export interface ContractHarness {
  name: string;
  /** a reason to skip (no root, no Docker), or false */
  skip: string | false;
  /** the runtime under test */
  runtime(): Promise<Runtime>;
  /** another runtime on the same machine: a lab up on one must be "already up" for the other */
  other(): Promise<Runtime>;
  /** artifacts of a small lab under `name` */
  artifacts(name: string): Promise<{ lab: Lab; dir: string }>;
  /** does node:ifname have carrier (seen from inside the lab, not through the runtime's own bookkeeping)? */
  carrier(rt: Runtime, lab: Lab, node: string, ifname: string): Promise<boolean>;
  /** does `from` reach `to`'s loopback right now? */
  reaches(rt: Runtime, lab: Lab, from: LabNode, to: LabNode): Promise<boolean>;
  /** wait until the lab's sessions are up (a fresh deploy, or after a restore) */
  converged(rt: Runtime, lab: Lab): Promise<void>;
  /** real FRR: the version the lab's artifacts ask for, which `show version` must report (fakes: undefined) */
  frr?: FrrVersion;
}

const rejection = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
};

export function runtimeContract(h: ContractHarness, name: string): void {
  describe.skipIf(!!h.skip)(`Runtime contract: ${h.name}`, () => {
    let rt: Runtime;
    let other: Runtime;
    let lab: Lab;
    let dir: string;
    let server: LabNode;
    let peer: { node: string; ifname: string; peer: string; peerIfname: string };

    beforeAll(async () => {
      rt = await h.runtime();
      other = await h.other();
      ({ lab, dir } = await h.artifacts(name));
      await rt.destroy(lab.name).catch(() => {});
      server = lab.nodes.find((n) => n.role === 'server')!;
      const s = lab.sessions.find((x) => x.node === server.name)!;
      peer = { node: s.node, ifname: s.ifname, peer: s.peer, peerIfname: s.peerIfname };
    }, 300_000);

    afterAll(async () => {
      await rt?.destroy(lab.name).catch(() => {});
    }, 300_000);

    it('deploy: the lab is recorded, listed with every node and its daemons running, and converges', async () => {
      await deployLab(rt, dir, [rt, other]);
      const st = await readState(lab.name);
      expect(st).toMatchObject({ name: lab.name, runtime: rt.kind, phase: 'up' });
      const listed = (await rt.list()).find((l) => l.name === lab.name);
      expect(listed?.nodes.map((n) => n.name).sort()).toEqual(lab.nodes.map((n) => n.name).sort());
      expect(listed!.nodes.every((n) => n.daemons.length > 0 && n.daemons.every((d) => d.running))).toBe(true);
      expect((await rt.leftovers(lab.name)).items.length).toBeGreaterThan(0);
      await h.converged(rt, lab);
    }, 300_000);

    it('one "already up" rule: deploying the same name again, on this runtime or the other, is refused and touches nothing', async () => {
      const before = await readState(lab.name);
      for (const r of [rt, other]) {
        const e = await rejection(deployLab(r, dir, [rt, other]));
        expect(isBgplabError(e, 'E_LAB_UP'), String(e)).toBe(true);
        expect((e as Error).message).toMatch(new RegExp(`lab "${lab.name}" is already up`));
      }
      expect(await readState(lab.name)).toEqual(before);
      const listed = (await rt.list()).find((l) => l.name === lab.name);
      expect(listed!.nodes.every((n) => n.daemons.every((d) => d.running))).toBe(true);
    }, 120_000);

    it.skipIf(!h.frr)('vtysh: the node runs the FRR version the lab asks for', async () => {
      expect(lab.frr).toBe(h.frr);
      const v = await rt.vtysh(lab.name, server.name, ['show version']);
      expect(v).toMatch(new RegExp(`^FRRouting ${h.frr!.replace('.', '\\.')}[.\\s]`, 'm'));
    }, 60_000);

    it('exec: argv inside the node, stdout and the real exit code; vtysh: JSON from that node only', async () => {
      const r = await rt.exec(lab.name, server.name, ['sh', '-c', 'echo out; echo err >&2; exit 3']);
      expect(r).toMatchObject({ stdout: 'out\n', stderr: 'err\n', exitCode: 3 });
      const sum = JSON.parse(await rt.vtysh(lab.name, server.name, ['show bgp summary json'])) as { ipv4Unicast?: { peers?: object } };
      expect(Object.keys(sum.ipv4Unicast?.peers ?? {}).sort()).toEqual(lab.sessions.filter((s) => s.node === server.name).map((s) => s.ifname).sort());
      expect(await rejection(rt.exec(lab.name, 'nosuchnode', ['true']))).toMatchObject({ code: 'E_NO_NODE' });
    }, 60_000);

    it('execStream: stdout streamed byte for byte, the real exit code; the signal stops a command that runs on', async () => {
      const chunks: Buffer[] = [];
      const sink = new PassThrough();
      sink.on('data', (c: Buffer) => chunks.push(c));
      const r = await rt.execStream(lab.name, server.name, ['sh', '-c', 'printf "a\\000\\377b"; echo err >&2; exit 4'], { stdout: sink });
      expect(r).toMatchObject({ exitCode: 4, stopped: false });
      expect(r.stderr).toContain('err');
      expect([...Buffer.concat(chunks)]).toEqual([0x61, 0, 0xff, 0x62]);
      const ac = new AbortController();
      const t0 = performance.now();
      setTimeout(() => ac.abort(), 300);
      const s = await rt.execStream(lab.name, server.name, ['sleep', '31.4159'], { stdout: new PassThrough(), signal: ac.signal });
      expect(s.stopped).toBe(true);
      expect(performance.now() - t0).toBeLessThan(10_000);
      // a duration nobody else uses (the netns runtime shares the host's pid namespace)
      await new Promise((r) => setTimeout(r, 500));
      const left = await rt.exec(lab.name, server.name, ['sh', '-c', 'ps -eo args= | grep -c "^sleep 31.4159$" || true']);
      expect(left.stdout.trim()).toBe('0');
      expect(await rejection(rt.execStream(lab.name, 'nosuchnode', ['true'], { stdout: new PassThrough() }))).toMatchObject({ code: 'E_NO_NODE' });
    }, 60_000);

    it('setLink: one end down drops carrier at the other end too; up restores it', async () => {
      await rt.setLink(lab.name, peer.node, peer.ifname, false);
      try {
        expect(await h.carrier(rt, lab, peer.peer, peer.peerIfname)).toBe(false);
      } finally {
        await rt.setLink(lab.name, peer.node, peer.ifname, true);
      }
      expect(await h.carrier(rt, lab, peer.peer, peer.peerIfname)).toBe(true);
      expect(await rejection(rt.setLink(lab.name, server.name, 'eth9', false))).toMatchObject({ code: 'E_IFACE_MISSING' });
    }, 60_000);

    it('faults through the runtime: recorded before applied, refused twice, healed and unrecorded', async () => {
      const s2 = lab.sessions.filter((x) => x.node === server.name);
      const f = await injectFault(rt, lab.name, { kind: 'cut', node: server.name, ifname: s2[0]!.ifname, peer: { node: s2[0]!.peer, ifname: s2[0]!.peerIfname }, by: 'contract test' });
      try {
        expect((await activeFaults(lab.name)).map((x) => x.kind)).toEqual(['cut']);
        // a cut keeps carrier
        expect(await h.carrier(rt, lab, server.name, s2[0]!.ifname)).toBe(true);
        expect(await rejection(injectFault(rt, lab.name, { kind: 'link-down', node: server.name, ifname: s2[0]!.ifname, by: 'contract test' }))).toMatchObject({ code: 'E_FAULT' });
      } finally {
        const healed = await healAll(rt, lab.name);
        expect(healed.errors).toEqual([]);
        expect(healed.healed.map((x) => x.kind)).toEqual([f.kind]);
      }
      expect(await activeFaults(lab.name)).toEqual([]);
      // a link down (carrier lost: the route moves at once, unlike a cut that only BFD or the
      // hold timer sees and that ECMP may still hash a flow into): the other uplink carries it
      const down = await injectFault(rt, lab.name, { kind: 'link-down', node: server.name, ifname: s2[0]!.ifname, by: 'contract test' });
      try {
        const spine = lab.nodes.find((n) => n.role === 'spine')!;
        let reached = false;
        for (let i = 0; i < 10 && !reached; i++) {
          reached = await h.reaches(rt, lab, server, spine);
          if (!reached) await new Promise((r) => setTimeout(r, 1000));
        }
        expect(reached).toBe(true);
      } finally {
        await healFault(rt, lab.name, down);
      }
      expect(await activeFaults(lab.name)).toEqual([]);
      await h.converged(rt, lab);
    }, 90_000);

    it('stopRouting / startRouting: the daemons stop with the links up, and come back', async () => {
      await rt.stopRouting(lab.name, server.name);
      try {
        const listed = (await rt.list()).find((l) => l.name === lab.name)!;
        expect(listed.nodes.find((n) => n.name === server.name)!.daemons.some((d) => d.running)).toBe(false);
        expect(await h.carrier(rt, lab, server.name, peer.ifname)).toBe(true);
        const e = await rejection(rt.vtysh(lab.name, server.name, ['show bgp summary json']));
        expect(isBgplabError(e, 'E_DAEMON_DOWN') || isBgplabError(e, 'E_VTYSH'), String(e)).toBe(true);
      } finally {
        await rt.startRouting(lab.name, server.name);
      }
      const listed = (await rt.list()).find((l) => l.name === lab.name)!;
      expect(listed.nodes.find((n) => n.name === server.name)!.daemons.every((d) => d.running)).toBe(true);
      await h.converged(rt, lab);
    }, 120_000);

    it('instances: the same lab under another name deploys beside it and goes without touching it; two deploys of one name at once, one wins', async () => {
      // `${name}-2` shares the prefix clab-${name}-: neither lab may count the other's parts as its own
      const second = await h.artifacts(`${name}-2`);
      const mine = await rt.leftovers(lab.name);
      try {
        const [a, b] = await Promise.allSettled([deployLab(rt, second.dir, [rt, other]), deployLab(rt, second.dir, [rt, other])]);
        const won = [a, b].filter((x) => x.status === 'fulfilled');
        const lost = [a, b].filter((x): x is PromiseRejectedResult => x.status === 'rejected');
        expect(won.length, lost.map((l) => String(l.reason)).join('; ')).toBe(1);
        expect(isBgplabError(lost[0]!.reason, 'E_LAB_UP'), String(lost[0]!.reason)).toBe(true);
        expect(await rt.leftovers(lab.name)).toEqual(mine);
        const listed = (await rt.list()).find((l) => l.name === second.lab.name);
        expect(listed?.nodes.every((n) => n.daemons.length > 0 && n.daemons.every((d) => d.running))).toBe(true);
        await h.converged(rt, second.lab);
      } finally {
        await rt.destroy(second.lab.name);
      }
      expect((await rt.leftovers(second.lab.name)).items).toEqual([]);
      expect(await rt.leftovers(lab.name)).toEqual(mine);
      const first = (await rt.list()).find((l) => l.name === lab.name)!;
      expect(first.nodes.every((n) => n.daemons.every((d) => d.running))).toBe(true);
    }, 300_000);

    it('destroy: nothing is left, and a second destroy is fine', async () => {
      await rt.destroy(lab.name);
      expect((await rt.leftovers(lab.name)).items).toEqual([]);
      expect(await readState(lab.name)).toBeUndefined();
      await rt.destroy(lab.name);
      expect((await rt.list()).some((l) => l.name === lab.name)).toBe(false);
    }, 300_000);
  });
}

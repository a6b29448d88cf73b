import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { daemonFor, vtyCommand, vtyShow } from '../../src/runtime/netns/vty.js';

describe('daemonFor', () => {
  it('routes show commands to the daemon that owns them, nothing else', () => {
    expect(daemonFor('show bgp summary json')).toBe('bgpd');
    expect(daemonFor('show ip bgp neighbors eth1 json')).toBe('bgpd');
    expect(daemonFor('show ip route json')).toBe('zebra');
    expect(daemonFor('show ipv6  route json')).toBe('zebra');
    expect(daemonFor('show bfd peers json')).toBe('bfdd');
    expect(daemonFor('show running-config')).toBeUndefined();
    expect(daemonFor('configure terminal')).toBeUndefined();
    expect(daemonFor('show bgpx')).toBeUndefined();
  });
});

/** A fake daemon: answers each NUL-terminated command with reply(cmd), split into small writes, then \0\0\0<status>. */
async function fakeDaemon(dir: string, daemon: string, reply: (cmd: string) => { out: string; status: number }): Promise<Server> {
  const srv = createServer((c) => {
    let buf = '';
    c.on('data', (d) => {
      buf += d.toString();
      const i = buf.indexOf('\0');
      if (i < 0) return;
      const r = reply(buf.slice(0, i));
      buf = buf.slice(i + 1);
      const payload = Buffer.concat([Buffer.from(r.out), Buffer.from([0, 0, 0, r.status])]);
      // worst case for the reader: the end marker split across writes
      for (let o = 0; o < payload.length; o += 3) c.write(payload.subarray(o, o + 3));
    });
  });
  await new Promise<void>((res) => srv.listen(join(dir, `${daemon}.vty`), res));
  return srv;
}

describe('vty socket client', () => {
  let dir = '';
  const servers: Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reads a reply whose end marker arrives in pieces, and concatenates commands like vtysh -c -c', async () => {
    dir = await mkdtemp(join(tmpdir(), 'vty-'));
    servers.push(await fakeDaemon(dir, 'bgpd', (c) => ({ out: `{"cmd":"${c}"}\n`, status: 0 })));
    servers.push(await fakeDaemon(dir, 'zebra', () => ({ out: '{"10.0.0.1/32":[]}\n', status: 0 })));
    expect(await vtyCommand(dir, 'bgpd', 'show bgp summary json')).toEqual({ output: '{"cmd":"show bgp summary json"}\n', status: 0 });
    expect(await vtyShow(dir, ['show bgp summary json', 'show ip route json'])).toBe('{"cmd":"show bgp summary json"}\n{"10.0.0.1/32":[]}\n');
  });

  it('leaves it to vtysh (undefined) on a failed command, a missing daemon or a non-show command', async () => {
    dir = await mkdtemp(join(tmpdir(), 'vty-'));
    servers.push(await fakeDaemon(dir, 'bgpd', () => ({ out: '% Unknown command\n', status: 2 })));
    expect(await vtyShow(dir, ['show bgp nonsense'])).toBeUndefined();
    expect(await vtyShow(dir, ['show ip route json'])).toBeUndefined(); // no zebra socket
    expect(await vtyShow(dir, ['show running-config'])).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import type { Lab } from '../../src/lab/model.js';
import { installedPrefixes as installedRib, parseRib } from '../../src/frr/routes.js';
import { splitJson } from '../../src/frr/json.js';
import { vtyshError } from '../../src/frr/vtysh.js';
import { waitTimeoutError } from '../../src/observe/explain.js';
import { expectedRoutes, sessionsFromSummary } from '../../src/observe/sessions.js';
import { LabWaiter } from '../../src/observe/wait.js';

const installedPrefixes = (doc: unknown) => installedRib(parseRib(doc));
import { chunk, mapLimit } from '../../src/util/pool.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { BgplabError } from '../../src/util/errors.js';

const bfd = { enabled: false, intervalMs: 300, multiplier: 3 };
/** spine1, spine2 (shared ASN) — leaf1 — server1 */
const lab: Lab = {
  name: 'w',
  frr: '8.4',
  nodes: [
    { name: 'spine1', role: 'spine', asn: 65000, loopback: '10.0.1.1', announce: [], bfd, image: 'i', interfaces: ['eth1'] },
    { name: 'spine2', role: 'spine', asn: 65000, loopback: '10.0.1.2', announce: [], bfd, image: 'i', interfaces: ['eth1'] },
    { name: 'leaf1', role: 'leaf', asn: 65101, loopback: '10.0.2.1', announce: [], bfd, image: 'i', interfaces: ['eth1', 'eth2', 'eth3'] },
    { name: 'server1', role: 'server', asn: 4200000001, loopback: '10.0.3.1', announce: [], bfd, image: 'i', interfaces: ['eth1'] },
  ],
  links: [
    { a: { node: 'leaf1', ifname: 'eth1' }, b: { node: 'spine1', ifname: 'eth1' } },
    { a: { node: 'leaf1', ifname: 'eth2' }, b: { node: 'spine2', ifname: 'eth1' } },
    { a: { node: 'leaf1', ifname: 'eth3' }, b: { node: 'server1', ifname: 'eth1' } },
  ],
  sessions: [],
  checks: { traceroute: [], failover: [] },
  options: { transitFilters: true, keepalive: 3, hold: 9 },
};
for (const l of lab.links) {
  const asn = (n: string) => lab.nodes.find((x) => x.name === n)!.asn;
  lab.sessions.push({ node: l.a.node, ifname: l.a.ifname, peer: l.b.node, peerIfname: l.b.ifname, peerAsn: asn(l.b.node) });
  lab.sessions.push({ node: l.b.node, ifname: l.b.ifname, peer: l.a.node, peerIfname: l.a.ifname, peerAsn: asn(l.a.node) });
}

describe('splitJson', () => {
  it('splits concatenated documents, braces inside strings included', () => {
    expect(splitJson('{"a":"}{"}\n{\n "b":[1,{"c":"\\"}"}]}\n')).toEqual([{ a: '}{' }, { b: [1, { c: '"}' }] }]);
    expect(splitJson('')).toEqual([]);
  });
});

describe('sessionsFromSummary', () => {
  const expected = lab.sessions.filter((s) => s.node === 'leaf1');
  it('reads state, uptime and prefixes per expected interface; missing peers are named', () => {
    const sum = {
      ipv4Unicast: {
        peers: {
          eth1: { state: 'Established', hostname: 'spine1', peerUptimeMsec: 5000, pfxRcd: 3, pfxSnt: 4 },
          eth2: { state: 'Active' },
        },
      },
    };
    const obs = sessionsFromSummary(sum, expected);
    expect(obs.map((o) => o.state)).toEqual(['Established', 'Active', 'not configured']);
    expect(obs[0]).toMatchObject({ peer: 'spine1', peerHostname: 'spine1', uptimeMs: 5000, pfxRcd: 3, pfxSnt: 4 });
    expect(sessionsFromSummary({}, expected)[0]!.state).toBe('no IPv4 unicast');
  });
});

describe('installedPrefixes / expectedRoutes', () => {
  it('counts only selected routes that are installed', () => {
    const t = {
      '10.0.1.1/32': [{ selected: true, installed: true }],
      '10.0.1.2/32': [{ selected: false }],
      '10.0.3.1/32': [{ selected: true, installed: false }],
    };
    expect([...installedPrefixes(t)]).toEqual(['10.0.1.1/32']);
  });

  it('follows the model: spines sharing an ASN never expect each other', () => {
    expect(expectedRoutes(lab, 'spine1').map((r) => r.dest)).toEqual(['leaf1', 'server1']);
    expect(expectedRoutes(lab, 'server1').map((r) => r.dest)).toEqual(['spine1', 'spine2', 'leaf1']);
  });
});

const routeCalls: Record<string, number> = {};

/** A fake runtime whose nodes converge after a number of polls. */
function fakeRuntime(convergeAfter: Record<string, number>, calls: Record<string, number>): Runtime {
  const all = new Map(lab.nodes.map((n) => [n.name, n]));
  return {
    kind: 'netns',
    async vtysh(_lab, node, commands) {
      calls[node] = (calls[node] ?? 0) + 1;
      const up = calls[node]! > (convergeAfter[node] ?? 0);
      const peers: Record<string, unknown> = {};
      for (const s of lab.sessions.filter((x) => x.node === node)) peers[s.ifname] = { state: up ? 'Established' : 'Connect' };
      const summary = JSON.stringify({ ipv4Unicast: { peers } });
      if (!commands.includes('show ip route json')) return summary;
      // asked for routes: only ever after this node's sessions were seen up
      if (!up) throw new Error(`${node}: routes asked before its sessions were up`);
      routeCalls[node] = (routeCalls[node] ?? 0) + 1;
      const routes: Record<string, unknown> = {};
      for (const r of expectedRoutes(lab, node)) routes[r.prefix] = [{ selected: true, installed: true }];
      routes[`${all.get(node)!.loopback}/32`] = [{ selected: true }];
      return summary + '\n' + JSON.stringify(routes);
    },
  } as Runtime;
}

describe('LabWaiter', () => {
  it('polls only nodes that are not done, the route table only once sessions are up, and reports when each converged', async () => {
    const calls: Record<string, number> = {};
    const w = new LabWaiter(fakeRuntime({ server1: 3 }, calls), lab, { intervalMs: 1 });
    const r = await w.until('routes', 5000);
    expect(r.ok).toBe(true);
    expect(r.down).toEqual([]);
    expect(r.missing).toEqual([]);
    // sessions first (3 polls down, 1 up), then one poll with the route table
    expect(calls['server1']).toBe(5);
    expect(routeCalls['server1']).toBe(1);
    expect(calls['spine1']).toBe(2);
    expect(routeCalls['spine1']).toBe(1);
    expect(r.sessionsMs).toBeDefined();
    expect(r.routesMs).toBeGreaterThanOrEqual(r.sessionsMs!);
  });

  it('times out without throwing, naming every session still down', async () => {
    const calls: Record<string, number> = {};
    const w = new LabWaiter(fakeRuntime({ server1: 1e9 }, calls), lab, { intervalMs: 5 });
    const r = await w.until('sessions', 60);
    expect(r.ok).toBe(false);
    expect(r.down.map((s) => `${s.node}:${s.ifname}`).sort()).toEqual(['server1:eth1']);
    const e = waitTimeoutError(lab, r, 60_000);
    expect(e).toBeInstanceOf(BgplabError);
    expect(e.details.join('\n')).toMatch(/session server1:eth1 -> leaf1: Connect/);
  });

  it('a node whose vtysh fails counts as down with the reason', async () => {
    const rt = {
      kind: 'netns',
      async vtysh() {
        throw vtyshError('leaf1', '% bgpd is not running', 1);
      },
    } as unknown as Runtime;
    const r = await new LabWaiter(rt, lab, { intervalMs: 5 }).until('sessions', 20);
    expect(r.ok).toBe(false);
    expect(r.nodes.find((n) => n.node === 'leaf1')!.error).toBe('bgpd is not running');
    expect(r.down.every((s) => s.state === 'bgpd down')).toBe(true);
  });
});

describe('pool', () => {
  it('mapLimit keeps order and the bound', async () => {
    let inFlight = 0;
    let max = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (x) => {
      inFlight++;
      max = Math.max(max, inFlight);
      await new Promise((r) => setTimeout(r, x));
      inFlight--;
      return x * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(max).toBe(2);
  });
  it('chunk splits into at most n non-empty parts', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2, 3], [4, 5]]);
    expect(chunk([1], 8)).toEqual([[1]]);
  });
});

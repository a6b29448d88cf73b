/**
 * The checks of a containerlab lab bgplab did not write (src/clab/foreign.ts): the BGP
 * sessions and OSPF adjacencies its frr.conf files configure, reachability by ping (each
 * host to every other host and every router loopback, each router to every other
 * loopback), and the side file's traceroute expectations (hops as node names).
 */
import { linkPeer, type ForeignLab } from '../clab/foreign.js';
import { ESTABLISHED } from '../frr/bgp.js';
import { isAdjacencyUp } from '../frr/ospf.js';
import { parseTraceroute } from '../frr/traceroute.js';
import { observeAdjacencies, observeReach, observeSessions, reachPairs } from '../observe/foreign.js';
import type { Check, CheckContext, CheckResult } from './types.js';
import { settled } from './settle.js';
import { foreignScenario } from './foreign-failover.js';

/** One row of a state check: up, or the state and where it is configured. */
function stateRow(check: string, name: string, state: string, up: boolean, okText: string, where: string, subject: CheckResult['subject'], t0: number): CheckResult {
  return { check, name, status: up ? 'pass' : 'fail', message: up ? okText : `${state} (${where})`, measured: { state }, ...(subject ? { subject } : {}), durationMs: Date.now() - t0 };
}

/** A check over configured things: a skip row when the configs have none. */
function stateCheck(id: string, description: string, count: number, none: string, rows: (ctx: CheckContext, t0: number) => Promise<CheckResult[]>): Check {
  return {
    id,
    description,
    // a lab just up or healed may still converge: failing rows are read again while they change (settle.ts)
    run: async (ctx) => (count ? settled(() => rows(ctx, Date.now()), ctx.signal ? { signal: ctx.signal } : {}) : [{ check: id, name: id, status: 'skip', message: none, durationMs: 0 }]),
  };
}

/** Which node owns an address (any of its interface addresses or loopbacks). */
const ownerOf = (lab: ForeignLab, addr: string) => lab.nodes.find((n) => n.addresses.includes(addr) || n.loopbacks.includes(addr))?.name;

export function foreignChecks(lab: ForeignLab): Check[] {
  const sessions = stateCheck('sessions', 'every BGP neighbour configured in an frr.conf is Established', lab.sessions.length, 'no frr.conf configures a BGP neighbour', async (ctx, t0) =>
    (await observeSessions(ctx.runtime, lab.name, lab.sessions)).map((x) =>
      stateRow('sessions', `bgp ${x.node} → ${x.peer}${x.peerNode ? ` (${x.peerNode})` : ''}`, x.state, x.state === ESTABLISHED, 'Established', `configured at ${x.where}`, {
        nodes: [x.node, ...(x.peerNode ? [x.peerNode] : [])],
        ...(x.link ? { link: x.link } : {}),
      }, t0),
    ),
  );
  const adjacencies = stateCheck('adjacencies', 'every OSPF/OSPFv3 adjacency the frr.conf files configure on a link is Full', lab.adjacencies.length, 'no frr.conf runs OSPF on a link between two FRR nodes', async (ctx, t0) =>
    (await observeAdjacencies(ctx.runtime, lab.name, lab.adjacencies)).map((x) => {
      const peer = linkPeer(lab.links, x.node, x.ifname);
      return stateRow('adjacencies', `ospf${x.version === 3 ? 'v3' : ''} ${x.node}:${x.ifname} ↔ ${x.peerNode}`, x.state, isAdjacencyUp(x.state), `Full (area ${x.area})`, `area ${x.area}, ${x.where}`, {
        nodes: [x.node, x.peerNode],
        ...(peer ? { link: `${x.node}:${x.ifname}--${peer.node}:${peer.ifname}` } : {}),
      }, t0);
    }),
  );
  const reach: Check = {
    id: 'reachability',
    description: 'each host pings every other host, and every node every advertised router loopback',
    async run(ctx) {
      const t0 = Date.now();
      const pairs = reachPairs(lab);
      const read = async () => (await observeReach(ctx.runtime, lab.name, pairs)).map((x): CheckResult => ({
        check: 'reachability',
        name: `${x.from} → ${x.to} ${x.address}`,
        status: x.ok ? 'pass' : 'fail',
        message: x.ok ? 'ping answered' : 'no ping reply (1 s)',
        subject: { nodes: [x.from, x.to], prefix: x.address },
        durationMs: Date.now() - t0,
      }));
      const r = await settled(read, ctx.signal ? { signal: ctx.signal } : {});
      const quiet: CheckResult[] = lab.nodes.flatMap((n) =>
        n.unadvertised.map((a): CheckResult => ({ check: 'reachability', name: `${n.name} loopback ${a}`, status: 'skip', message: 'not advertised by any routing protocol in its frr.conf: not expected to answer from other nodes', durationMs: 0 })),
      );
      return [...quiet, ...r];
    },
  };
  const trace: Check = {
    id: 'traceroute',
    description: "the side file's traceroute expectations: the path's hops as node names",
    async run(ctx) {
      if (!lab.checks.traceroute.length) return [{ check: 'traceroute', name: 'traceroute', status: 'skip', message: `no traceroute expectations (checks.traceroute in the side file)`, durationMs: 0 }];
      const out: CheckResult[] = [];
      for (const t of lab.checks.traceroute) {
        const t0 = Date.now();
        const dst = lab.nodes.find((n) => n.name === t.to);
        const addr = dst?.loopbacks[0] ?? dst?.addresses[0];
        const name = `${t.from} → ${t.to}`;
        if (!addr || !lab.nodes.some((n) => n.name === t.from)) {
          out.push({ check: 'traceroute', name, status: 'fail', message: `unknown node or no address: ${t.from} / ${t.to}`, durationMs: 0 });
          continue;
        }
        const read = async (): Promise<CheckResult[]> => {
          const r = await ctx.runtime.exec(lab.name, t.from, ['traceroute', '-n', '-q', '1', '-w', '1', '-m', '16', addr], { timeoutMs: 40_000 });
          const hops = parseTraceroute(r.stdout).map((h) => (h.address ? (ownerOf(lab, h.address) ?? h.address) : '*'));
          const ok = r.exitCode === 0 && (t.hops ? JSON.stringify(hops) === JSON.stringify(t.hops) : hops[hops.length - 1] === t.to);
          return [{
            check: 'traceroute',
            name,
            status: ok ? 'pass' : 'fail',
            message: ok ? `path ${hops.join(' → ')}` : `path ${hops.join(' → ') || '(none)'}${t.hops ? `, expected ${t.hops.join(' → ')}` : `, does not end at ${t.to}`}`,
            measured: { hops },
            subject: { nodes: [t.from, t.to] },
            durationMs: Date.now() - t0,
          }];
        };
        out.push(...(await settled(read, ctx.signal ? { signal: ctx.signal } : {})));
      }
      return out;
    },
  };
  const failover: Check = {
    id: 'failover',
    description: "the side file's failover scenarios: the longest outage of host-to-host traffic within max_outage_ms",
    async run(ctx) {
      if (!lab.checks.failover.length) return [{ check: 'failover', name: 'failover', status: 'skip', message: 'no failover scenarios (checks.failover in the side file)', durationMs: 0 }];
      const out: CheckResult[] = [];
      for (const s of lab.checks.failover) out.push(await foreignScenario(ctx, lab, s));
      return out;
    },
  };
  return [sessions, adjacencies, reach, trace, failover];
}

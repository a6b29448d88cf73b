/**
 * transit: servers never carry traffic for others.
 * - policy, both sides (transit-policy.ts): each server's outbound policy lets out only its
 *   own prefixes, each leaf's inbound policy for a server accepts only that server's;
 * - control plane: no BGP path on any switch has a server ASN anywhere but as the origin;
 * - data plane: no traceroute between servers (or between leaves sharing servers) shows a
 *   server as an intermediate hop;
 * - under stress: one leaf loses all its uplinks; it must not reach the rest of the fabric
 *   through its servers (no route, ping from its loopback fails), the rest of the fabric
 *   must not reach it through them either, while its servers keep reaching the fabric via
 *   their other leaf. Then the uplinks come back and every session re-establishes.
 * With `options.transit_filters: false` (the unsafe workshop demo) this check fails.
 */
import { healFault, injectFault, type Fault } from '../faults/index.js';
import { bgpTablePaths } from '../frr/bgp.js';
import { bgpRoutesTo, type FrrRib } from '../frr/routes.js';
import { holdSeconds, SWITCH_ROLES, type Lab, type LabNode } from '../lab/model.js';
import { familiesOf, predictFabric, type FabricPrediction } from '../lab/paths.js';
import { errorText, isBgplabError } from '../util/errors.js';
import { mapLimit, sleep } from '../util/pool.js';
import { notHealthy, readHealth, routeBlockers, unhealthy, type HealthReading } from './preconditions.js';
import { readFrrRib } from './routes.js';
import { auditTransitPolicy } from './transit-policy.js';
import { vtyshJson, waitForSessions } from './sessions.js';
import { AddressBook, pathKey } from './trace.js';
import { defaultTracerouteExpectations, enumeratePaths } from './traceroute.js';
import type { Check, CheckContext, CheckResult } from './types.js';

/**
 * Server ASNs in a path anywhere but the last (origin) position. With one ASN for all
 * servers (design.server_asn: shared) the position still tells transit from origin; the
 * server is then named by the neighbour the path came from (`from`) when that is one of them.
 */
export function transitServers(lab: Lab, asPath: string, from?: string): LabNode[] {
  const asns = asPath.split(/[\s{},()[\]]+/).filter((t) => /^\d+$/.test(t)).map(Number);
  const out: LabNode[] = [];
  for (const asn of asns.slice(0, -1)) {
    const owners = lab.nodes.filter((s) => s.role === 'server' && s.asn === asn);
    const sender = owners.length > 1 && asns[0] === asn ? owners.find((s) => s.name === from) : undefined;
    for (const s of sender ? [sender] : owners) if (!out.includes(s)) out.push(s);
  }
  return out;
}

async function controlPlane(ctx: CheckContext): Promise<CheckResult[]> {
  const switches = ctx.lab.nodes.filter((n) => SWITCH_ROLES.includes(n.role));
  return mapLimit(switches, 4, async (sw): Promise<CheckResult> => {
    const t0 = Date.now();
    const name = `control plane: ${sw.name}`;
    const subject = { nodes: [sw.name] };
    try {
      const violations: string[] = [];
      const offenders = new Set<string>();
      let paths = 0;
      for (const family of familiesOf(ctx.lab)) {
        const table = bgpTablePaths(await vtyshJson(ctx, sw.name, `show bgp ${family} unicast json`));
        for (const [prefix, list] of table) {
          for (const p of list) {
            paths++;
            const bad = transitServers(ctx.lab, p.path ?? '', p.from);
            if (bad.length) {
              bad.forEach((b) => offenders.add(b.name));
              violations.push(`${prefix} via AS path "${p.path}"${p.bestpath ? ' (best)' : ''}: ${bad.map((b) => `${b.name} (AS ${b.asn})`).join(', ')} in transit`);
            }
          }
        }
      }
      const measured = { paths, violations: violations.length };
      if (violations.length) {
        return {
          check: 'transit',
          name,
          status: 'fail',
          message: `${sw.name} has ${violations.length} BGP path(s) through server(s) ${[...offenders].join(', ')}: ${violations.slice(0, 3).join('; ')}${violations.length > 3 ? '; …' : ''}`,
          measured,
          subject: { nodes: [...offenders, sw.name] },
          durationMs: Date.now() - t0,
        };
      }
      return { check: 'transit', name, status: 'pass', message: `${paths} BGP paths, no server ASN except as origin`, measured, subject, durationMs: Date.now() - t0 };
    } catch (e) {
      return { check: 'transit', name, status: 'fail', message: `${sw.name}: cannot read the BGP table: ${errorText(e)}`, subject, durationMs: Date.now() - t0 };
    }
  });
}

/** Pairs whose traffic a transit server would carry: server pairs, and leaf pairs that share servers. */
export function transitProbePairs(lab: Lab, prediction: FabricPrediction): { from: string; to: string }[] {
  const pairs = new Map<string, { from: string; to: string }>();
  const add = (from: string, to: string) => pairs.set(`${from}>${to}`, { from, to });
  for (const x of lab.checks.traceroute) add(x.from, x.to);
  for (const x of defaultTracerouteExpectations(lab, prediction)) add(x.from, x.to);
  const serversOf = (leaf: string) => lab.sessions.filter((s) => s.node === leaf && lab.nodes.find((n) => n.name === s.peer)?.role === 'server').map((s) => s.peer);
  const switches = lab.nodes.filter((n) => SWITCH_ROLES.includes(n.role));
  for (const a of switches) {
    for (const b of switches) {
      if (a.name >= b.name) continue;
      if (serversOf(a.name).some((s) => serversOf(b.name).includes(s))) add(a.name, b.name);
    }
  }
  return [...pairs.values()].slice(0, 12);
}

async function dataPlane(ctx: CheckContext, prediction: FabricPrediction, health: HealthReading): Promise<CheckResult[]> {
  const book = new AddressBook(ctx);
  const results: CheckResult[] = [];
  let base = 42000;
  // precondition per pair: traffic can only show a server in transit where the routes
  // along its predicted paths are right; a wrong route there is the routes check's to report
  const blocker = await routeBlockers(ctx, prediction, health);
  for (const { from, to } of transitProbePairs(ctx.lab, prediction)) {
    const t0 = Date.now();
    const name = `data plane: ${from} → ${to}`;
    const onPaths = [...new Set(prediction.paths(from, to).flat())];
    const blocking = blocker(from, to);
    if (blocking) {
      results.push({ check: 'transit', name, status: 'skip', message: `not judged: the route ${blocking.name} on its paths is wrong (see routes)`, subject: { nodes: onPaths }, durationMs: 0 });
      continue;
    }
    try {
      const e = await enumeratePaths(ctx, from, to, { flows: 16, prediction, book, sportBase: (base += 16) });
      const bad = [...e.seen.values()]
        .map((s) => ({ s, servers: s.path.slice(1, -1).filter((n) => ctx.lab.nodes.find((x) => x.name === n)?.role === 'server') }))
        .filter((x) => x.servers.length);
      const measured = { flows: e.flows, pathsSeen: e.seen.size, paths: [...e.seen.values()].map((s) => pathKey(s.path)) };
      const subject = { nodes: onPaths };
      if (bad.length) {
        results.push({
          check: 'transit',
          name,
          status: 'fail',
          message: `server ${[...new Set(bad.flatMap((b) => b.servers))].join(', ')} is transit: ${bad.slice(0, 3).map((b) => `${pathKey(b.s.path)} (sport ${b.s.sports[0]})`).join('; ')}`,
          measured,
          subject,
          durationMs: Date.now() - t0,
        });
      } else if (e.seen.size === 0) {
        results.push({ check: 'transit', name, status: 'fail', message: `${from} → ${to}: no flow completed (${e.broken.length} broken), cannot tell`, measured, subject, durationMs: Date.now() - t0 });
      } else {
        results.push({ check: 'transit', name, status: 'pass', message: `${e.seen.size} path(s) over ${e.flows} flows, no server in between`, measured, subject, durationMs: Date.now() - t0 });
      }
    } catch (err) {
      if (isBgplabError(err, 'E_INTERRUPTED')) throw err;
      results.push({ check: 'transit', name, status: 'fail', message: `${name}: ${errorText(err)}`, subject: { nodes: onPaths }, durationMs: Date.now() - t0 });
    }
  }
  return results;
}

/** The leaf to isolate: the first switch with both servers and non-server neighbors. */
export function pickStressLeaf(lab: Lab): { leaf: LabNode; uplinks: string[]; servers: { name: string; ifname: string }[] } | undefined {
  const roleOf = (n: string) => lab.nodes.find((x) => x.name === n)?.role;
  const ordered = [...lab.nodes.filter((n) => n.role === 'leaf'), ...lab.nodes.filter((n) => n.role !== 'leaf' && SWITCH_ROLES.includes(n.role))];
  for (const leaf of ordered) {
    const sess = lab.sessions.filter((s) => s.node === leaf.name);
    const servers = sess.filter((s) => roleOf(s.peer) === 'server').map((s) => ({ name: s.peer, ifname: s.ifname }));
    const uplinks = sess.filter((s) => roleOf(s.peer) !== 'server').map((s) => s.ifname);
    if (servers.length && uplinks.length) return { leaf, uplinks, servers };
  }
  return undefined;
}

/** FRR's delay before a conditional default-originate is evaluated again, seconds */
const RMAP_DEFAULT_ORIGINATE_EVAL_S = 5;

async function ping(ctx: CheckContext, node: string, src: string, dst: string): Promise<boolean> {
  const r = await ctx.runtime.exec(ctx.lab.name, node, ['ping', '-n', '-q', '-c', '3', '-i', '0.2', '-W', '1', '-I', src, dst], { timeoutMs: 10_000 });
  return r.exitCode === 0;
}


export interface StressOptions {
  /** how long the fabric gets to converge after the uplinks go down */
  settleMs?: number;
  /** how long the restore may take (sessions back with their prefixes) */
  restoreTimeoutMs?: number;
}

async function stress(ctx: CheckContext, prediction: FabricPrediction, health: HealthReading, opts: StressOptions = {}): Promise<CheckResult[]> {
  const lab = ctx.lab;
  const pick = pickStressLeaf(lab);
  if (!pick) return [{ check: 'transit', name: 'stress', status: 'skip', message: 'no leaf with both servers and uplinks to isolate', durationMs: 0 }];
  const { leaf, uplinks, servers } = pick;
  // precondition: the stress breaks a healthy fabric and waits for it to heal; a fabric
  // already broken would only make it wait out its timeouts (60 s) and blame the stress
  const failing = await unhealthy(ctx, prediction, { reading: health });
  if (failing.length) return [{ check: 'transit', name: `stress: ${leaf.name}`, status: 'skip', message: notHealthy(failing, 'the stress'), durationMs: 0 }];
  const results: CheckResult[] = [];
  const serverNames = new Set(servers.map((s) => s.name));
  const serverIfs = new Map(servers.map((s) => [s.ifname, s.name]));
  // what the isolated leaf may still reach: itself and its own servers' prefixes
  const remote = [...prediction.origins.entries()]
    .filter(([p, o]) => !p.includes(':') && !o.split(',').some((x) => x === leaf.name || serverNames.has(x)))
    .map(([p]) => p);
  const targets = pickTargets(lab, leaf.name, serverNames);
  const t0 = Date.now();
  const downed: Fault[] = [];
  let interrupted: unknown;
  try {
    ctx.log?.(`transit stress: ${leaf.name} uplinks ${uplinks.join(', ')} down`);
    for (const i of uplinks) {
      downed.push(await injectFault(ctx.runtime, lab.name, { kind: 'link-down', node: leaf.name, ifname: i, by: 'check transit' }));
    }
    // converge: poll the leaf's RIB until it is the same twice in a row, 0.5 s apart, and
    // nothing goes over a downed uplink (or settle time ends). With filters off, the leaks
    // through the servers are there within 0.1 s (BGP updates without advertisement
    // interval in the datacenter profile); polling once a second spent 2 s here.
    const settleMs = opts.settleMs ?? Math.max(8_000, (holdSeconds(lab) + 2) * 1000);
    let last = '';
    let rib: FrrRib = {};
    for (let t = Date.now(); Date.now() - t < settleMs; ) {
      await sleep(500, ctx.signal);
      rib = await readFrrRib(ctx, leaf.name, 'ipv4');
      const now = JSON.stringify(bgpRoutesTo(rib, remote));
      const viaDowned = bgpRoutesTo(rib, remote).some((r) => r.ifnames.some((i) => uplinks.includes(i)));
      if (now === last && !viaDowned) break;
      last = now;
    }
    const isolatedMs = Date.now() - t0;

    // 1. the isolated leaf has no route to the rest of the fabric
    {
      const leaks = bgpRoutesTo(rib, remote);
      const viaServers = leaks.filter((l) => l.ifnames.some((i) => serverIfs.has(i)));
      const name = `stress: ${leaf.name} isolated, no route out`;
      if (leaks.length) {
        const first = viaServers[0] ?? leaks[0]!;
        const through = first.ifnames.map((i) => (serverIfs.has(i) ? `${serverIfs.get(i)} (${leaf.name}:${i})` : `${leaf.name}:${i}`)).join(', ');
        const culprits = [...new Set(viaServers.flatMap((l) => l.ifnames.filter((i) => serverIfs.has(i)).map((i) => serverIfs.get(i)!)))];
        results.push({
          check: 'transit',
          name,
          status: 'fail',
          message: `${leaf.name} (uplinks ${uplinks.join(', ')} down) still routes ${leaks.length} remote prefix(es), e.g. ${first.prefix} through ${through}${culprits.length ? `: server ${culprits.join(', ')} is transit` : ''}`,
          measured: { remoteRoutes: leaks.length, isolatedMs },
          durationMs: Date.now() - t0,
        });
      } else {
        results.push({ check: 'transit', name, status: 'pass', message: `no route to any of ${remote.length} remote prefixes`, measured: { remotePrefixes: remote.length, isolatedMs }, durationMs: Date.now() - t0 });
      }
    }

    // 2. ping from the isolated leaf's loopback to remote loopbacks fails
    {
      const t1 = Date.now();
      const name = `stress: ${leaf.name} isolated, ping out fails`;
      // all at once: each unanswered ping waits its full 1.4 s (3 × 0.2 s + 1 s), so 3 at a
      // time spent 2.8 s on the 4 targets
      const reached = (await mapLimit(targets.remote, targets.remote.length, async (t) => ((await ping(ctx, leaf.name, leaf.loopback, t.loopback)) ? t : undefined))).filter(
        (x): x is LabNode => !!x,
      );
      results.push(
        reached.length
          ? {
              check: 'transit',
              name,
              status: 'fail',
              message: `ping from ${leaf.name} (${leaf.loopback}, uplinks down) reached ${reached.map((r) => `${r.name} (${r.loopback})`).join(', ')}: traffic crossed its servers ${[...serverNames].join(', ')}`,
              measured: { reached: reached.map((r) => r.name) },
              durationMs: Date.now() - t1,
            }
          : { check: 'transit', name, status: 'pass', message: `no answer from ${targets.remote.map((r) => r.name).join(', ')}`, measured: { pinged: targets.remote.length }, durationMs: Date.now() - t1 },
      );
    }

    // 3. nobody else routes to the isolated leaf (it would have to be through a server)
    {
      const t1 = Date.now();
      const name = `stress: fabric has no route to ${leaf.name}`;
      const others = lab.nodes.filter((n) => SWITCH_ROLES.includes(n.role) && n.name !== leaf.name);
      const leaks = (
        await mapLimit(others, 4, async (n) => {
          const r = bgpRoutesTo(await readFrrRib(ctx, n.name, 'ipv4'), [`${leaf.loopback}/32`]);
          return r.length ? `${n.name} via ${r[0]!.ifnames.join(', ')}` : undefined;
        })
      ).filter((x): x is string => !!x);
      results.push(
        leaks.length
          ? { check: 'transit', name, status: 'fail', message: `${leaks.join('; ')} still route to ${leaf.name} (${leaf.loopback}/32): only possible through servers ${[...serverNames].join(', ')}`, measured: { leaks: leaks.length }, durationMs: Date.now() - t1 }
          : { check: 'transit', name, status: 'pass', message: `no switch routes to ${leaf.loopback}/32`, measured: { switches: others.length }, durationMs: Date.now() - t1 },
      );
    }

    // 4. its servers still reach the fabric through their other uplink (nothing else broke)
    {
      const t1 = Date.now();
      const name = `stress: servers of ${leaf.name} still reach the fabric`;
      const probes = servers
        .filter((s, i, a) => a.findIndex((x) => x.name === s.name) === i)
        .filter((s) => lab.sessions.filter((x) => x.node === s.name).length > 1)
        .slice(0, 2);
      if (probes.length === 0 || !targets.remote[0]) {
        results.push({ check: 'transit', name, status: 'skip', message: `the servers of ${leaf.name} are single-homed`, durationMs: 0 });
      } else {
        const dst = targets.remote[0];
        // With design.to_servers the leaf's default is conditional, and FRR re-evaluates it
        // 5 s after a best-path change (bgpd.h RMAP_DEFAULT_ORIGINATE_EVAL_TIMER, 8.4 and
        // 10.x): until then a server keeps the isolated leaf's default and a ping hashed to
        // it is lost (CI, 2026-12-02: server2 → spine1 failed once that way). So each server
        // pings again, a new flow each time, until that window (+3 s) has passed.
        const until = Date.now() + (RMAP_DEFAULT_ORIGINATE_EVAL_S + 3) * 1000;
        const reaches = async (s: LabNode): Promise<boolean> => {
          for (;;) {
            if (await ping(ctx, s.name, s.loopback, dst.loopback)) return true;
            if (Date.now() >= until) return false;
            await sleep(300, ctx.signal);
          }
        };
        const failed = (
          await Promise.all(probes.map(async (p) => ((await reaches(lab.nodes.find((n) => n.name === p.name)!)) ? undefined : `${p.name} → ${dst.name}`)))
        ).filter((x): x is string => !!x);
        results.push(
          failed.length
            ? { check: 'transit', name, status: 'fail', message: `while ${leaf.name} is isolated, ${failed.join(', ')} fails: the other uplink did not take over`, durationMs: Date.now() - t1 }
            : { check: 'transit', name, status: 'pass', message: `${probes.map((p) => p.name).join(', ')} reach ${targets.remote[0].name} via their other leaf`, durationMs: Date.now() - t1 },
        );
      }
    }
  } catch (e) {
    if (isBgplabError(e, 'E_INTERRUPTED')) interrupted = e;
    else results.push({ check: 'transit', name: `stress: ${leaf.name}`, status: 'fail', message: `stress test aborted: ${errorText(e)}`, durationMs: Date.now() - t0 });
  } finally {
    const t1 = Date.now();
    const name = `stress: restore ${leaf.name} uplinks`;
    try {
      for (const f of downed) await healFault(ctx.runtime, lab.name, f);
      // interrupted: the links are back; the caller stops here without waiting
      if (interrupted) throw interrupted;
      const w = await waitForSessions(ctx, opts.restoreTimeoutMs ?? 60_000);
      results.push(
        w.ok
          ? { check: 'transit', name, status: 'pass', message: `every session re-established with its prefixes in ${w.elapsedMs} ms`, measured: { restoreMs: w.elapsedMs }, durationMs: Date.now() - t1 }
          : {
              check: 'transit',
              name,
              status: 'fail',
              message: `after ${w.elapsedMs} ms ${w.failing.length} session(s) still not right: ${w.failing.slice(0, 3).map((f) => f.message).join('; ')}`,
              measured: { restoreMs: w.elapsedMs },
              durationMs: Date.now() - t1,
            },
      );
    } catch (e) {
      if (isBgplabError(e, 'E_INTERRUPTED')) throw e;
      results.push({ check: 'transit', name, status: 'fail', message: `restore failed: ${errorText(e)}`, durationMs: Date.now() - t1 });
    }
  }
  return results;
}

/** Remote nodes to ping from an isolated leaf: one spine-ish, one remote leaf, one remote server. */
function pickTargets(lab: Lab, leaf: string, own: Set<string>): { remote: LabNode[] } {
  const neighborsOfOwn = new Set(lab.sessions.filter((s) => own.has(s.node)).map((s) => s.peer));
  const candidates = lab.nodes.filter((n) => n.name !== leaf && !own.has(n.name));
  const pickRole = (pred: (n: LabNode) => boolean) => candidates.find(pred);
  const remote = [
    pickRole((n) => n.role === 'spine' || n.role === 'super-spine'),
    // the pair leaf is the one a transit server would lead to
    pickRole((n) => n.role === 'leaf' && neighborsOfOwn.has(n.name)),
    pickRole((n) => n.role === 'leaf' && !neighborsOfOwn.has(n.name)),
    pickRole((n) => n.role === 'server'),
  ].filter((x, i, a): x is LabNode => !!x && a.indexOf(x) === i);
  return { remote };
}

export function makeTransitCheck(opts: StressOptions = {}): Check {
  return {
    id: 'transit',
    description: 'no server is transit: the policies on both sides, AS paths, traceroutes, and a leaf isolated from its spines',
    async run(ctx) {
      if (!ctx.lab.nodes.some((n) => n.role === 'server')) {
        return [{ check: 'transit', name: 'transit', status: 'skip', message: 'the lab has no servers', durationMs: 0 }];
      }
      const prediction = predictFabric(ctx.lab);
      const policy = await auditTransitPolicy(ctx);
      // one reading of sessions and routes for the data plane's and the stress's
      // preconditions: nothing changes the fabric before the stress (two readings were 0.3 s)
      const [control, health] = await Promise.all([controlPlane(ctx), readHealth(ctx, prediction)]);
      const data = await dataPlane(ctx, prediction, health);
      const pick = pickStressLeaf(ctx.lab);
      const stressSubject = { nodes: pick ? [pick.leaf.name, ...new Set(pick.servers.map((x) => x.name))] : [] };
      const stressed = (await stress(ctx, prediction, health, opts)).map((r) => ({ ...r, subject: r.subject ?? stressSubject }));
      return [...policy, ...control, ...data, ...stressed];
    },
  };
}

export const transitCheck: Check = makeTransitCheck();

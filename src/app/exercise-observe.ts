/**
 * Observing a running lab for an exercise's expectations (src/exercise/expect.ts judges
 * what is read here). The cheap ones only read FRR; `leaves-refuse`, `reach` with a fault,
 * `outage` and `failover` change the lab for a moment and always put it back.
 */
import { randomInt } from 'node:crypto';
import { runFailover } from '../checks/failover.js';
import { lostPackets, maxOutageMs, nowUs, startProbe } from '../checks/probe.js';
import { settled } from '../checks/settle.js';
import type { CheckContext, CheckResult } from '../checks/types.js';
import { targetSessions, parseElement } from '../faults/element.js';
import { healAll } from '../faults/index.js';
import { neighborReset, receivedPrefixes, resetText } from '../frr/bgp.js';
import { advertisedPrefixes } from '../frr/policy.js';
import type { Lab } from '../lab/model.js';
import { prefixesOf } from '../lab/paths.js';
import { showJson } from '../observe/sessions.js';
import { waitSessionsState } from '../observe/wait.js';
import { errorText, isBgplabError } from '../util/errors.js';
import { mapLimit, pollUntil, sleep } from '../util/pool.js';
import {
  describeExpectation,
  ifnameTowards,
  judgeBfd,
  judgeEcmp,
  judgeLeavesRefuse,
  judgeOutage,
  judgeReach,
  judgeRoute,
  judgeSendsOnlyOwn,
  judgeSession,
  kindOf,
  type Verdict,
} from '../exercise/expect.js';
import type { Expectation, FaultSpec } from '../exercise/schema.js';
import { failElement } from './faults.js';

/** Faults an expectation injects are recorded with this `by`, and healed from the record even after a crash. */
export const EXERCISE_CHECK_BY = 'exercise check';

/** Expectations that only read: re-read while they fail and keep changing (a fix still converging). */
const READ_ONLY = new Set(['ecmp', 'session', 'bfd', 'route', 'no-route', 'sends-only-own']);

export async function evaluateExpectations(ctx: CheckContext, list: readonly Expectation[]): Promise<CheckResult[]> {
  const cheap = list.filter((e) => READ_ONLY.has(kindOf(e)));
  const costly = list.filter((e) => !READ_ONLY.has(kindOf(e)));
  // the stage's checks ran first and already waited for a converging lab (checks/settle.ts:
  // 4 s of no change); 2 s more of the same failing reading is a broken stage, not a slow one
  const first = cheap.length ? await settled(() => mapLimit(cheap, 4, (e) => evaluate(ctx, e)), { signal: ctx.signal, stableMs: 2000 }) : [];
  const rest: CheckResult[] = [];
  for (const e of costly) {
    if (ctx.signal?.aborted) break;
    rest.push(await evaluate(ctx, e));
  }
  return [...first, ...rest];
}

async function evaluate(ctx: CheckContext, e: Expectation): Promise<CheckResult> {
  const t0 = Date.now();
  const name = describeExpectation(e);
  try {
    if ('failover' in e) {
      const [r] = await runFailover(ctx, {}, [{ name: `${e.failover.kind} ${e.failover.target}`, kind: e.failover.kind, target: e.failover.target, maxOutageMs: e.failover.max_outage_ms }]);
      return { ...r!, check: 'exercise', name };
    }
    const v = await observe(ctx, e);
    return { check: 'exercise', name, ...v, durationMs: Date.now() - t0 };
  } catch (err) {
    if (isBgplabError(err, 'E_INTERRUPTED')) throw err;
    return { check: 'exercise', name, status: 'fail', message: `cannot judge: ${errorText(err)}`, durationMs: Date.now() - t0 };
  }
}

const json = (ctx: CheckContext, node: string, cmd: string) => showJson(ctx.runtime, ctx.lab.name, node, cmd);
const nodeOf = (lab: Lab, name: string) => lab.nodes.find((n) => n.name === name)!;
const own = (lab: Lab, name: string) => prefixesOf(nodeOf(lab, name), 'ipv4');

async function observe(ctx: CheckContext, e: Expectation): Promise<Verdict> {
  const { lab } = ctx;
  if ('ecmp' in e) return judgeEcmp(e.ecmp, await json(ctx, e.ecmp.node, `show ip route ${e.ecmp.prefix} json`));
  if ('route' in e) return judgeRoute(e.route, await json(ctx, e.route.node, `show ip route ${e.route.prefix} json`), true);
  if ('no-route' in e) return judgeRoute(e['no-route'], await json(ctx, e['no-route'].node, `show ip route ${e['no-route'].prefix} json`), false);
  if ('session' in e) {
    const ifname = ifnameTowards(lab, e.session.node, e.session.peer);
    const doc = await json(ctx, e.session.node, 'show bgp summary json');
    const v = judgeSession(e.session, ifname, doc);
    if (v.status === 'pass' || !ifname) return v;
    const reset = resetText(neighborReset(await json(ctx, e.session.node, `show bgp neighbors ${ifname} json`).catch(() => undefined), ifname));
    return judgeSession(e.session, ifname, doc, reset);
  }
  if ('bfd' in e) {
    const doc = await json(ctx, e.bfd.node, 'show bfd peers json').catch((err) => {
      if (isBgplabError(err, 'E_DAEMON_DOWN')) return undefined;
      throw err;
    });
    return judgeBfd(e.bfd, ifnameTowards(lab, e.bfd.node, e.bfd.peer), doc);
  }
  if ('sends-only-own' in e) return judgeSendsOnlyOwn(e['sends-only-own'].node, own(lab, e['sends-only-own'].node), await advertised(ctx, e['sends-only-own'].node));
  if ('leaves-refuse' in e) return leavesRefuse(ctx, e['leaves-refuse'].server);
  if ('reach' in e) return reach(ctx, e.reach);
  if ('outage' in e) return outage(ctx, e.outage);
  throw new Error(`unhandled expectation ${kindOf(e)}`);
}

/** What node sends on each of its sessions, by peer name. */
async function advertised(ctx: CheckContext, node: string): Promise<Map<string, Set<string> | Error>> {
  const out = new Map<string, Set<string> | Error>();
  for (const s of ctx.lab.sessions.filter((x) => x.node === node)) {
    try {
      out.set(s.peer, advertisedPrefixes(await json(ctx, node, `show bgp ipv4 unicast neighbors ${s.ifname} advertised-routes json`)));
    } catch (err) {
      out.set(s.peer, err instanceof Error ? err : new Error(String(err)));
    }
  }
  return out;
}

/** `neighbor X route-map Y out` lines of the IPv4 unicast family of a node's running config. */
export function outboundRouteMaps(runningConfig: string): { neighbor: string; map: string }[] {
  const out: { neighbor: string; map: string }[] = [];
  let inBgp = false;
  let inV4 = false;
  for (const line of runningConfig.split('\n')) {
    if (/^router bgp /.test(line)) inBgp = true;
    else if (/^\S/.test(line) && !/^router bgp /.test(line)) inBgp = inV4 = false;
    else if (inBgp && /^\s*address-family ipv4 unicast\s*$/.test(line)) inV4 = true;
    else if (inBgp && /^\s*exit-address-family\s*$/.test(line)) inV4 = false;
    const m = inBgp && inV4 ? /^\s*neighbor (\S+) route-map (\S+) out\s*$/.exec(line) : null;
    if (m) out.push({ neighbor: m[1]!, map: m[2]! });
  }
  return out;
}

/**
 * Defence in depth, the leaves' side: lift the server's outbound route-maps (the check plays
 * the colleague who rebuilt the server without them), watch what each switch accepts from
 * it, then put them back and wait until nothing foreign is left anywhere.
 */
async function leavesRefuse(ctx: CheckContext, server: string): Promise<Verdict> {
  const { lab, runtime } = ctx;
  const asn = nodeOf(lab, server).asn;
  const mine = own(lab, server);
  const towards = lab.sessions.filter((s) => s.peer === server);
  const maps = outboundRouteMaps(await runtime.vtysh(lab.name, server, ['show running-config']));
  const bgp = (lines: string[]) => runtime.vtysh(lab.name, server, ['configure terminal', `router bgp ${asn}`, 'address-family ipv4 unicast', ...lines]);
  const read = async () => {
    const offered = await advertised(ctx, server);
    const per = new Map<string, { offered: Set<string>; accepted: Set<string> } | Error>();
    for (const s of towards) {
      const sent = [...offered].find(([peer]) => peer === s.node)?.[1];
      try {
        const accepted = receivedPrefixes(await json(ctx, s.node, `show bgp ipv4 unicast neighbors ${s.ifname} routes json`));
        per.set(s.node, { offered: sent instanceof Set ? sent : new Set(), accepted });
      } catch (err) {
        per.set(s.node, err instanceof Error ? err : new Error(String(err)));
      }
    }
    return per;
  };
  const foreign = (xs: Iterable<string>) => [...xs].some((p) => !mine.includes(p));
  if (maps.length) await bgp(maps.map((m) => `no neighbor ${m.neighbor} route-map ${m.map} out`));
  try {
    // the leak reaches the leaves within one update (coalesce-time 100 ms); 1.5 s of every
    // switch being offered foreign prefixes without taking one is a filter that holds
    let since = 0;
    const r = await pollUntil(read, (per) => {
      const vals = [...per.values()];
      if (vals.some((v) => v instanceof Error || foreign(v.accepted))) return true;
      const all = vals.length > 0 && vals.every((v) => !(v instanceof Error) && foreign(v.offered));
      if (!all) since = 0;
      else if (!since) since = performance.now();
      return since > 0 && performance.now() - since >= 1500;
    }, { timeoutMs: 8000, intervalMs: 250, signal: ctx.signal });
    return judgeLeavesRefuse(server, mine, r.value);
  } finally {
    if (maps.length) {
      await bgp(maps.map((m) => `neighbor ${m.neighbor} route-map ${m.map} out`));
      await pollUntil(read, (per) => [...per.values()].every((v) => !(v instanceof Error) && !foreign(v.accepted) && !foreign(v.offered)), { timeoutMs: 10_000, intervalMs: 250 });
    }
  }
}

/** Inject a fault for an expectation; the returned function heals it and waits (bounded) for its sessions to come back. */
async function withFault<T>(ctx: CheckContext, f: FaultSpec, fn: () => Promise<T>): Promise<T> {
  const { lab, runtime } = ctx;
  const sessions = targetSessions(lab, parseElement(lab, f.element));
  await failElement(runtime, lab, { element: f.element, mode: f.mode, by: EXERCISE_CHECK_BY, waitDownMs: 10_000 }, ctx.signal ? { signal: ctx.signal } : {});
  try {
    return await fn();
  } finally {
    await healAll(runtime, lab.name, (x) => x.by === EXERCISE_CHECK_BY);
    // a restarted node's peers need 4-10 s (connect-retry, router advertisements: README)
    await waitSessionsState(runtime, lab, sessions, true, { timeoutMs: 30_000, intervalMs: 250 });
  }
}

async function reach(ctx: CheckContext, e: { from: string; to: string; during?: FaultSpec }): Promise<Verdict> {
  const src = nodeOf(ctx.lab, e.from).loopback;
  const ping = async () => {
    // a reroute after the fault takes tens of ms (failover measurements); 5 s of one ping a second is plenty
    const r = await pollUntil(() => ctx.runtime.exec(ctx.lab.name, e.from, ['ping', '-n', '-c', '1', '-W', '1', '-I', src, e.to], { timeoutMs: 5000 }), (x) => x.exitCode === 0, { timeoutMs: 5000, intervalMs: 200, signal: ctx.signal });
    return judgeReach(e, r.value.exitCode, r.value.stdout + r.value.stderr);
  };
  return e.during ? withFault(ctx, e.during, ping) : ping();
}

/** The failover probe (16 UDP flows each way, one datagram per flow every 5 ms) across a fault. */
async function outage(ctx: CheckContext, e: { between: [string, string]; fail: FaultSpec; max_outage_ms: number }): Promise<Verdict> {
  const { lab, runtime } = ctx;
  const [a, b] = e.between.map((n) => ({ node: n, address: nodeOf(lab, n).loopback }));
  const warmupMs = 800; // the failover check's warm-up: the probe programs must be sending first
  const probe = await startProbe(runtime, lab.name, a!, b!, { flows: 16, intervalMs: 5, maxMs: 20_000, port: randomInt(20000, 30000), sportBase: randomInt(30000, 59000) });
  let eventUs = 0;
  const res = await (async () => {
    try {
      await sleep(warmupMs, ctx.signal);
      eventUs = nowUs();
      return await withFault(ctx, e.fail, async () => {
        await sleep(1000, ctx.signal); // the failover check's settle after detection
        return probe.stop();
      });
    } catch (err) {
      await probe.stop().catch(() => undefined);
      throw err;
    }
  })();
  const flows = res.directions.flatMap((d) => d.flows);
  const ms = Math.max(0, ...flows.map((f) => maxOutageMs(f, eventUs)));
  const lost = flows.reduce((n, f) => n + lostPackets(f, eventUs), 0);
  return judgeOutage(e, Math.round(ms), lost);
}

/**
 * Exercise expectations judged against observations. Pure: the app layer reads FRR
 * (src/app/exercise.ts) and hands the documents in; every verdict here is one line in
 * the words a student reads ("server1 has 1 next hop for 10.0.3.2/32, want 2"), with the
 * nodes at fault first so the root-cause grouping (checks/diagnose.ts) can place it.
 */
import { bfdPeers, bfdUp } from '../frr/bfd.js';
import { sessionState } from '../frr/bgp.js';
import { frrNextHops, installedPrefixes, parseRib } from '../frr/routes.js';
import type { Lab } from '../lab/model.js';
import type { CheckResult } from '../checks/types.js';
import type { Expectation, FaultSpec } from './schema.js';

export type Verdict = Pick<CheckResult, 'status' | 'message' | 'measured'> & { subject: NonNullable<CheckResult['subject']> };

export const kindOf = (e: Expectation): string => Object.keys(e)[0]!;

const faultText = (f: FaultSpec) => (f.mode === 'cut' ? `${f.element} cut (carrier kept)` : f.mode === 'isolate' ? `${f.element} isolated` : f.element.includes(':') || f.element.includes('--') ? `${f.element} down` : `${f.element}'s routing stopped`);

/** The expectation as a short row name. */
export function describeExpectation(e: Expectation): string {
  if ('ecmp' in e) return `${e.ecmp.node}: ${e.ecmp.nexthops} next hops for ${e.ecmp.prefix}`;
  if ('session' in e) return `${e.session.node} ↔ ${e.session.peer}: BGP Established`;
  if ('bfd' in e) return `${e.bfd.node} ↔ ${e.bfd.peer}: BFD up`;
  if ('route' in e) return `${e.route.node}: a route to ${e.route.prefix}`;
  if ('no-route' in e) return `${e['no-route'].node}: no route to ${e['no-route'].prefix}`;
  if ('sends-only-own' in e) return `${e['sends-only-own'].node} sends only its own prefixes`;
  if ('leaves-refuse' in e) return `the leaves refuse what ${e['leaves-refuse'].server} does not own`;
  if ('reach' in e) return `${e.reach.from} reaches ${e.reach.to}${e.reach.during ? ` with ${faultText(e.reach.during)}` : ''}`;
  if ('outage' in e) return `${e.outage.between.join(' ↔ ')}: outage ≤ ${e.outage.max_outage_ms} ms with ${faultText(e.outage.fail)}`;
  return `failover ${e.failover.kind} ${e.failover.target} ≤ ${e.failover.max_outage_ms} ms`;
}

/** The interface of `node` whose link leads to `peer` (the first, with parallel links). */
export function ifnameTowards(lab: Lab, node: string, peer: string): string | undefined {
  for (const l of lab.links) {
    if (l.a.node === node && l.b.node === peer) return l.a.ifname;
    if (l.b.node === node && l.a.node === peer) return l.b.ifname;
  }
  return undefined;
}

const pass = (message: string, nodes: string[], measured?: Verdict['measured']): Verdict => ({ status: 'pass', message, subject: { nodes }, ...(measured ? { measured } : {}) });
const fail = (message: string, nodes: string[], measured?: Verdict['measured']): Verdict => ({ status: 'fail', message, subject: { nodes }, ...(measured ? { measured } : {}) });

/** `show ip route PREFIX json` of node. */
export function judgeEcmp(e: { node: string; prefix: string; nexthops: number }, ribDoc: unknown): Verdict {
  const nh = frrNextHops(parseRib(ribDoc), e.prefix);
  const n = nh?.ifnames.length ?? 0;
  const measured = { nexthops: n, via: nh?.ifnames ?? [] };
  if (n === e.nexthops) return pass(`${e.node} forwards to ${e.prefix} over ${n} next hops (${nh!.ifnames.join(', ')})`, [e.node], measured);
  if (!nh) return fail(`${e.node} has no route to ${e.prefix} (want ${e.nexthops} next hops)`, [e.node], measured);
  return fail(`${e.node} forwards to ${e.prefix} over ${n} next hop${n === 1 ? '' : 's'} (${nh.ifnames.join(', ')}), not ${e.nexthops}: ${n < e.nexthops ? 'some paths are not used' : 'more paths than the design has'}`, [e.node], measured);
}

/** `show bgp summary json` of node; ifname: its interface towards peer. */
export function judgeSession(e: { node: string; peer: string }, ifname: string | undefined, summaryDoc: unknown, lastReset?: string): Verdict {
  if (!ifname) return fail(`${e.node} has no link to ${e.peer}`, [e.node, e.peer]);
  const state = sessionState(summaryDoc, ifname);
  if (state === 'Established') return pass(`${e.node}:${ifname} → ${e.peer} Established`, [e.node, e.peer], { state });
  return fail(`${e.node}'s BGP session to ${e.peer} (${ifname}) is ${state}, not Established${lastReset ? `: ${lastReset}` : ''}`, [e.node, e.peer], { state, ...(lastReset ? { lastReset } : {}) });
}

/** `show bfd peers json` of node (undefined: bfdd does not answer). */
export function judgeBfd(e: { node: string; peer: string }, ifname: string | undefined, peersDoc: unknown): Verdict {
  if (!ifname) return fail(`${e.node} has no link to ${e.peer}`, [e.node, e.peer]);
  if (peersDoc === undefined) return fail(`${e.node} runs no BFD (bfdd does not answer)`, [e.node]);
  const p = bfdPeers(peersDoc).find((x) => x.interface === ifname);
  if (!p) return fail(`${e.node} has no BFD session towards ${e.peer} (${ifname}): BFD is not enabled on that BGP neighbor`, [e.node, e.peer]);
  if (!bfdUp(p)) return fail(`${e.node}'s BFD session towards ${e.peer} (${ifname}) is ${p.status}: is BFD enabled at ${e.peer}'s end too?`, [e.node, e.peer], { status: p.status });
  return pass(`${e.node}:${ifname} → ${e.peer} BFD up (${p.transmitIntervalMs ?? '?'} ms × ${p.detectMultiplier ?? '?'})`, [e.node, e.peer], { status: p.status });
}

/** `show ip route PREFIX json` of node: want a route (present) or none. */
export function judgeRoute(e: { node: string; prefix: string }, ribDoc: unknown, want: boolean): Verdict {
  const has = installedPrefixes(parseRib(ribDoc)).has(e.prefix);
  if (has === want) return pass(`${e.node} ${has ? 'has a route' : 'has no route'} to ${e.prefix}`, [e.node]);
  return fail(want ? `${e.node} has no route to ${e.prefix}` : `${e.node} has a route to ${e.prefix}, and must not`, [e.node]);
}

/** What node advertised on each of its sessions, against what it owns. */
export function judgeSendsOnlyOwn(node: string, own: readonly string[], sent: ReadonlyMap<string, ReadonlySet<string> | Error>): Verdict {
  const bad: string[] = [];
  const peers: string[] = [];
  for (const [peer, got] of sent) {
    if (got instanceof Error) return fail(`cannot read what ${node} sends to ${peer}: ${got.message}`, [node]);
    const foreign = [...got].filter((p) => !own.includes(p)).sort();
    if (foreign.length) {
      peers.push(peer);
      bad.push(`to ${peer}: ${foreign.slice(0, 4).join(', ')}${foreign.length > 4 ? ` and ${foreign.length - 4} more` : ''}`);
    }
  }
  if (!sent.size) return fail(`${node} has no BGP session to send on`, [node]);
  if (bad.length) return fail(`${node} advertises prefixes it does not own (its outbound filter is missing or too wide) ${bad.join('; ')}`, [node, ...peers], { peers });
  return pass(`${node} advertises only ${own.join(', ')} to ${[...sent.keys()].join(', ')}`, [node]);
}

/**
 * With the server's outbound filter lifted: what it offered each switch (leaked: prefixes it
 * does not own) and what each switch accepted from it.
 */
export function judgeLeavesRefuse(server: string, own: readonly string[], per: ReadonlyMap<string, { offered: ReadonlySet<string>; accepted: ReadonlySet<string> } | Error>): Verdict {
  const leaky: string[] = [];
  let tested = 0;
  for (const [sw, o] of per) {
    if (o instanceof Error) return fail(`cannot read what ${sw} accepts from ${server}: ${o.message}`, [sw]);
    const offered = [...o.offered].filter((p) => !own.includes(p));
    if (offered.length) tested++;
    const taken = [...o.accepted].filter((p) => !own.includes(p)).sort();
    if (taken.length) leaky.push(`${sw} accepts ${taken.slice(0, 3).join(', ')}${taken.length > 3 ? ` and ${taken.length - 3} more` : ''}`);
  }
  const leaves = [...per.keys()];
  if (leaky.length) {
    const at = leaky.map((l) => l.split(' ')[0]!);
    return fail(`without ${server}'s own filter, ${leaky.join('; ')} from ${server}: the leaf's inbound filter for ${server} is missing or too wide`, [...at, server], { leaves: at });
  }
  if (!tested) return fail(`${server} offered nothing but its own prefixes even with its outbound filter lifted, so the leaves' filters could not be tested (are its sessions up?)`, [server]);
  return pass(`with ${server}'s outbound filter lifted, ${leaves.join(' and ')} accepted only ${own.join(', ')}`, [server]);
}

/** ping's exit code (0: answered). */
export function judgeReach(e: { from: string; to: string; during?: FaultSpec }, exitCode: number, output: string): Verdict {
  const with_ = e.during ? ` while ${faultText(e.during)}` : '';
  if (exitCode === 0) return pass(`${e.from} reaches ${e.to}${with_}`, [e.from]);
  const last = output.trim().split('\n').filter(Boolean).slice(-2).join(' / ');
  return fail(`${e.from} cannot reach ${e.to}${with_}${last ? ` (${last})` : ''}`, [e.from], { exitCode });
}

/** The probe's longest outage of any flow after the fault, against the budget. */
export function judgeOutage(e: { between: readonly string[]; fail: FaultSpec; max_outage_ms: number }, outageMs: number, lost: number): Verdict {
  const measured = { outageMs, lostPackets: lost, maxOutageMs: e.max_outage_ms };
  const what = `${e.between.join(' ↔ ')} with ${faultText(e.fail)}`;
  if (outageMs <= e.max_outage_ms) return pass(`${what}: outage ${outageMs} ms ≤ ${e.max_outage_ms} ms (${lost} datagrams lost)`, [e.between[0]!], measured);
  return fail(`${what}: traffic was cut off for ${outageMs} ms (${lost} datagrams lost), more than ${e.max_outage_ms} ms: the traffic still used ${e.fail.element} when it went away`, [e.fail.element.split(':')[0]!.split('--')[0]!], measured);
}

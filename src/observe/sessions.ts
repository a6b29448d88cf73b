/**
 * One look at a running lab, judged against the model (never against whatever FRR
 * happens to report): each expected session's state (frr/bgp.ts decides what "up" is),
 * and which predicted loopback routes a node lacks. One vtysh call per node. Works on any
 * Runtime. Used by bring-up, status, the checks and failover.
 */
import { installedPrefixes, parseRib } from '../frr/routes.js';
import { neighborReset, resetText, sessionState, summaryPeer } from '../frr/bgp.js';
import { parseShowJson, splitJson } from '../frr/json.js';
import type { ExpectedSession, Lab } from '../lab/model.js';
import { DEFAULT_ROUTES, familiesOf, predictFabric, type Family, type FabricPrediction } from '../lab/paths.js';
import type { Runtime } from '../runtime/runtime.js';
import { derivationScope, type DerivationScope } from '../lab/derive.js';
import { errorText, isBgplabError } from '../util/errors.js';
import { mapLimit } from '../util/pool.js';

export interface SessionObservation {
  node: string;
  ifname: string;
  peer: string;
  /** FRR's state (Established, Active, Connect, Idle, OpenSent, OpenConfirm) or why unknown */
  state: string;
  /** the hostname the peer announced (hostname capability); a miswired link shows here */
  peerHostname?: string;
  remoteAs?: number;
  uptimeMs?: number;
  pfxRcd?: number;
  pfxSnt?: number;
  /** last reset reason, filled in by explainSessions() */
  lastError?: string;
  /** bgpd's address for the peer, 'none' when it has none (explainSessions()) */
  bgpdAddress?: string;
}

export interface MissingRoute {
  node: string;
  prefix: string;
  /** node owning the prefix */
  dest: string;
}

export interface NodeObservation {
  node: string;
  /** vtysh failed on this node (e.g. "bgpd is not running") */
  error?: string;
  sessions: SessionObservation[];
  missingRoutes: MissingRoute[];
  /** installed routes in the node's table (when the route table was read) */
  routeCount?: number;
}

export const SESSION_COMMAND = 'show bgp summary json';
export const ROUTE_COMMAND = 'show ip route json';

/** Expected sessions of one node, observed in `show bgp summary json` (every family the lab carries). */
export function sessionsFromSummary(summary: unknown, expected: readonly ExpectedSession[], families: readonly Family[] = ['ipv4']): SessionObservation[] {
  return expected.map((s) => {
    const o: SessionObservation = { node: s.node, ifname: s.ifname, peer: s.peer, state: sessionState(summary, s.ifname, families) };
    const p = summaryPeer(summary, s.ifname, families[0]);
    if (p) {
      if (p.hostname !== undefined) o.peerHostname = p.hostname;
      if (p.remoteAs !== undefined) o.remoteAs = p.remoteAs;
      if (p.peerUptimeMsec !== undefined) o.uptimeMs = p.peerUptimeMsec;
      if (p.pfxRcd !== undefined) o.pfxRcd = p.pfxRcd;
      if (p.pfxSnt !== undefined) o.pfxSnt = p.pfxSnt;
    }
    return o;
  });
}

const predictions = new WeakMap<Lab, FabricPrediction>();

const scopes = new WeakMap<Lab, DerivationScope>();

/** What the model cannot derive for a lab (a user's snippets / frr.conf), once per model object. */
export function scopeOf(lab: Lab): DerivationScope {
  let s = scopes.get(lab);
  if (!s) {
    s = derivationScope(lab, predictionOf(lab));
    scopes.set(lab, s);
  }
  return s;
}

/** The model's prediction for a lab, computed once per model object. */
export function predictionOf(lab: Lab): FabricPrediction {
  let pred = predictions.get(lab);
  if (!pred) {
    pred = predictFabric(lab);
    predictions.set(lab, pred);
  }
  return pred;
}

/**
 * The other nodes' IPv4 loopbacks this node must have a route to, as the model predicts
 * (src/lab/paths.ts): every loopback BGP can deliver. Not all of them: spines share one
 * ASN, so AS-path loop detection keeps spine loopbacks from each other by design. Routes
 * whose arrival depends on BGP tie-breaking (`ambiguous`) are not required.
 */
export function expectedRoutes(lab: Lab, node: string): MissingRoute[] {
  const pred = predictionOf(lab);
  const scope = scopeOf(lab);
  const out: MissingRoute[] = [];
  // a route a user's snippet or frr.conf may change is not waited for (derive.ts)
  const want = (prefix: string, dest: string) => {
    const r = pred.route(node, prefix);
    if (r && r.nextHops.length > 0 && !r.ambiguous && !scope.route(node, prefix).length) out.push({ node, prefix, dest });
  };
  for (const n of lab.nodes) if (n.name !== node) want(`${n.loopback}/32`, n.name);
  // design.to_servers default: a server reaches the rest through the default its leaves send
  want(DEFAULT_ROUTES.ipv4, 'the default route');
  return out;
}

/** One show command on one node, parsed (E_FRR_OUTPUT / E_VTYSH / E_DAEMON_DOWN on failure). */
export async function showJson(runtime: Runtime, lab: string, node: string, command: string): Promise<unknown> {
  return parseShowJson(await runtime.vtysh(lab, node, [command]), node, command);
}

/** A node that did not answer: its state label and the error line. */
function unanswered(e: unknown): { state: string; error: string } {
  if (isBgplabError(e, 'E_DAEMON_DOWN')) return { state: `${e.data['daemon']} down`, error: e.data['said'] ?? e.message };
  return { state: 'unknown', error: isBgplabError(e) && e.data['said'] ? e.data['said'] : errorText(e) };
}

/**
 * One vtysh call: the node's expected sessions and (with `routes`, default) its missing
 * loopback routes. Without routes, missingRoutes lists every expected route as unknown.
 * The route table is the expensive part (~150 KB of JSON on a 100-node lab, ~120 ms):
 * the waiter asks for it only once a node's sessions are up.
 */
export async function observeNode(runtime: Runtime, lab: Lab, node: string, opts: { routes?: boolean; sessions?: readonly ExpectedSession[] } = {}): Promise<NodeObservation> {
  const withRoutes = opts.routes ?? true;
  const expected = (opts.sessions ?? lab.sessions).filter((s) => s.node === node);
  const want = expectedRoutes(lab, node);
  let out: string;
  try {
    out = await runtime.vtysh(lab.name, node, withRoutes ? [SESSION_COMMAND, ROUTE_COMMAND] : [SESSION_COMMAND]);
  } catch (e) {
    if (isBgplabError(e, 'E_INTERRUPTED')) throw e;
    const { state, error } = unanswered(e);
    return { node, error, sessions: expected.map((s) => ({ node: s.node, ifname: s.ifname, peer: s.peer, state })), missingRoutes: want };
  }
  let docs: unknown[];
  try {
    docs = splitJson(out);
  } catch {
    docs = [];
  }
  const sessions = sessionsFromSummary(docs[0], expected, familiesOf(lab));
  if (!withRoutes) return { node, sessions, missingRoutes: want };
  const routes = installedPrefixes(parseRib(docs[1]));
  return { node, sessions, missingRoutes: want.filter((r) => !routes.has(r.prefix)), routeCount: routes.size };
}

/** One observation of every node (status, checks): no waiting. */
export async function observeLab(runtime: Runtime, lab: Lab, opts: { concurrency?: number; routes?: boolean } = {}): Promise<NodeObservation[]> {
  return mapLimit(
    lab.nodes.map((n) => n.name),
    opts.concurrency ?? 16,
    (n) => observeNode(runtime, lab, n, { routes: opts.routes ?? true }),
  );
}

/** The states of some sessions only (one vtysh call per node concerned, no route tables). */
export async function observeSessions(runtime: Runtime, lab: Lab, sessions: readonly ExpectedSession[]): Promise<SessionObservation[]> {
  const nodes = [...new Set(sessions.map((s) => s.node))];
  const per = await mapLimit(nodes, 16, (n) => observeNode(runtime, lab, n, { routes: false, sessions }));
  return per.flatMap((o) => o.sessions);
}

/**
 * Fill in lastError of sessions that are not Established, from `show bgp neighbors json`
 * (one call per node concerned): FRR's last reset reason, or the vtysh error.
 */
export async function explainSessions(runtime: Runtime, lab: Lab, down: SessionObservation[]): Promise<SessionObservation[]> {
  const byNode = new Map<string, SessionObservation[]>();
  for (const s of down) byNode.set(s.node, [...(byNode.get(s.node) ?? []), s]);
  const out = new Map<string, SessionObservation>();
  const key = (s: { node: string; ifname: string }) => `${s.node}:${s.ifname}`;
  await mapLimit([...byNode], 16, async ([node, list]) => {
    let nb: unknown;
    try {
      nb = await showJson(runtime, lab.name, node, 'show bgp neighbors json');
    } catch (e) {
      for (const s of list) out.set(key(s), { ...s, lastError: errorText(e) });
      return;
    }
    for (const s of list) {
      const r = neighborReset(nb, s.ifname);
      const lastError = r ? (resetText(r) ?? 'no reset recorded: no BGP message from the peer yet (no link-local neighbor / no TCP)') : undefined;
      out.set(key(s), { ...s, ...(lastError ? { lastError } : {}), ...(r?.neighborAddress ? { bgpdAddress: r.neighborAddress } : {}) });
    }
  });
  return down.map((s) => out.get(key(s)) ?? s);
}

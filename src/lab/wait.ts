/**
 * Waiting for a lab to converge, judged against the model (never against whatever FRR
 * happens to report): every expected session (lab.sessions) Established, and every node
 * holding a selected, installed route to every other node's loopback that the model
 * predicts it can reach (all of them, except spine ↔ spine: they share an ASN).
 *
 * One vtysh call per node per poll round (`show bgp summary json` + `show ip route json`),
 * and only nodes that are not yet done are polled again, so a round over a converged
 * 400-node lab costs nothing. Works on any Runtime (netns or containerlab). Shared by
 * `up`, `status` and `test`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExpectedSession, Lab } from './model.js';
import { predictFabric, type FabricPrediction } from './paths.js';
import type { Runtime } from '../runtime/runtime.js';
import { mapLimit, sleep } from '../runtime/netns-pool.js';
import { BgplabError } from '../util/errors.js';

export const MODEL_FILE = 'bgplab.json';

/** The resolved Lab model written next to the topology (`<dir>/bgplab.json`). */
export async function readLabModel(dir: string): Promise<Lab> {
  const p = join(dir, MODEL_FILE);
  try {
    return JSON.parse(await readFile(p, 'utf8')) as Lab;
  } catch (e) {
    throw new BgplabError('E_ARTIFACTS', `cannot read the lab model ${p}`, {
      hint: 'run `bgplab generate LABFILE -o DIR` (it writes bgplab.json next to the topology)',
      cause: e,
    });
  }
}

export interface SessionObservation {
  node: string;
  ifname: string;
  peer: string;
  /** FRR's state (Established, Active, Connect, Idle, OpenSent, OpenConfirm) or why unknown */
  state: string;
  /** the hostname the peer announced (hostname capability); a miswired link shows here */
  peerHostname?: string;
  uptimeMs?: number;
  pfxRcd?: number;
  pfxSnt?: number;
  /** last reset reason, filled in by explainSessions() */
  lastError?: string;
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
}

/** Split concatenated JSON documents (vtysh prints one per -c). */
export function splitJson(text: string): unknown[] {
  // Fast path: FRR ends every JSON document with a newline, and a raw newline cannot occur
  // inside a JSON string, so a closing bracket, a newline and an opening bracket only ever
  // separate two documents. Native JSON.parse on each: ~3x less CPU than the scan below on
  // a 400-node lab's route tables (measured); anything unusual falls through to the scan.
  const parts = text.split(/(?<=[}\]])[ \t\r]*\n\s*(?=[{[])/);
  try {
    return parts.map((p) => p.trim()).filter(Boolean).map((p) => JSON.parse(p) as unknown);
  } catch {
    /* not only JSON documents: scan */
  }
  const out: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inStr = false;
  let esc = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inStr) {
      if (esc) esc = false;
      else if (c === '\\') esc = true;
      else if (c === '"') inStr = false;
      continue;
    }
    if (c === '"') inStr = true;
    else if (c === '{' || c === '[') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0 && start >= 0) {
        out.push(JSON.parse(text.slice(start, i + 1)));
        start = -1;
      }
    }
  }
  return out;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Expected sessions of one node, observed in `show bgp summary json`. */
export function sessionsFromSummary(summary: unknown, expected: readonly ExpectedSession[]): SessionObservation[] {
  const af = isObj(summary) ? summary['ipv4Unicast'] : undefined;
  const peers = isObj(af) && isObj(af['peers']) ? af['peers'] : undefined;
  return expected.map((s) => {
    const base = { node: s.node, ifname: s.ifname, peer: s.peer };
    if (!peers) return { ...base, state: isObj(summary) ? 'no IPv4 unicast' : 'unknown' };
    const p = peers[s.ifname];
    if (!isObj(p)) return { ...base, state: 'not configured' };
    const o: SessionObservation = { ...base, state: typeof p['state'] === 'string' ? p['state'] : 'unknown' };
    if (typeof p['hostname'] === 'string') o.peerHostname = p['hostname'];
    if (typeof p['peerUptimeMsec'] === 'number') o.uptimeMs = p['peerUptimeMsec'];
    if (typeof p['pfxRcd'] === 'number') o.pfxRcd = p['pfxRcd'];
    if (typeof p['pfxSnt'] === 'number') o.pfxSnt = p['pfxSnt'];
    return o;
  });
}

/** Prefixes with a selected route that is installed in the kernel, from `show ip route json`. */
export function installedPrefixes(table: unknown): Set<string> {
  const out = new Set<string>();
  if (!isObj(table)) return out;
  for (const [prefix, entries] of Object.entries(table)) {
    if (!Array.isArray(entries)) continue;
    if (entries.some((e) => isObj(e) && e['selected'] === true && e['installed'] !== false)) out.add(prefix);
  }
  return out;
}

const predictions = new WeakMap<Lab, FabricPrediction>();

/**
 * The other nodes' IPv4 loopbacks this node must have a route to, as the model predicts
 * (src/lab/paths.ts): every loopback BGP can deliver. Not all of them: spines share one
 * ASN, so AS-path loop detection keeps spine loopbacks from each other by design. Routes
 * whose arrival depends on BGP tie-breaking (`ambiguous`) are not required.
 */
export function expectedRoutes(lab: Lab, node: string): MissingRoute[] {
  let pred = predictions.get(lab);
  if (!pred) {
    pred = predictFabric(lab);
    predictions.set(lab, pred);
  }
  const out: MissingRoute[] = [];
  for (const n of lab.nodes) {
    if (n.name === node) continue;
    const prefix = `${n.loopback}/32`;
    const r = pred.route(node, prefix);
    if (r && r.nextHops.length > 0 && !r.ambiguous) out.push({ node, prefix, dest: n.name });
  }
  return out;
}

export const SESSION_COMMAND = 'show bgp summary json';
export const ROUTE_COMMAND = 'show ip route json';

/**
 * One vtysh call: the node's expected sessions and (with `routes`, default) its missing
 * loopback routes. Without routes, missingRoutes lists every expected route as unknown.
 * The route table is the expensive part (~150 KB of JSON on a 100-node lab, ~120 ms):
 * the waiter asks for it only once a node's sessions are up.
 */
export async function observeNode(runtime: Runtime, lab: Lab, node: string, opts: { routes?: boolean } = {}): Promise<NodeObservation> {
  const withRoutes = opts.routes ?? true;
  const expected = lab.sessions.filter((s) => s.node === node);
  const want = expectedRoutes(lab, node);
  let out: string;
  try {
    out = await runtime.vtysh(lab.name, node, withRoutes ? [SESSION_COMMAND, ROUTE_COMMAND] : [SESSION_COMMAND]);
  } catch (e) {
    const error = e instanceof Error ? e.message.replace(/^vtysh on [^:]+: /, '') : String(e);
    return {
      node,
      error,
      sessions: expected.map((s) => ({ node: s.node, ifname: s.ifname, peer: s.peer, state: /bgpd is not running/.test(error) ? 'bgpd down' : 'unknown' })),
      missingRoutes: want,
    };
  }
  let docs: unknown[];
  try {
    docs = splitJson(out);
  } catch {
    docs = [];
  }
  const sessions = sessionsFromSummary(docs[0], expected);
  if (!withRoutes) return { node, sessions, missingRoutes: want };
  const routes = installedPrefixes(docs[1]);
  return { node, sessions, missingRoutes: want.filter((r) => !routes.has(r.prefix)) };
}

const sessionsDone = (o: NodeObservation | undefined) => !!o && o.sessions.every((s) => s.state === 'Established');
const routesDone = (o: NodeObservation | undefined) => sessionsDone(o) && o!.missingRoutes.length === 0;

export type WaitGoal = 'sessions' | 'routes';

export interface WaitProgress {
  elapsedMs: number;
  established: number;
  sessions: number;
  /** nodes with every loopback route */
  routedNodes: number;
  nodes: number;
}

export interface WaitResult {
  ok: boolean;
  goal: WaitGoal;
  /** since the waiter was created */
  elapsedMs: number;
  /** when every expected session was first seen Established */
  sessionsMs?: number;
  /** when every node first held every loopback route */
  routesMs?: number;
  /** latest observation of every node */
  nodes: NodeObservation[];
  /** expected sessions not Established at the end */
  down: SessionObservation[];
  missing: MissingRoute[];
  rounds: number;
}

export interface WaitOptions {
  /** poll period, ms (default 200) */
  intervalMs?: number;
  /** concurrent vtysh calls (default 16) */
  concurrency?: number;
  onProgress?: (p: WaitProgress) => void;
  signal?: AbortSignal;
}

/**
 * Polls a lab towards a goal. Create it right after deploy, then `until('sessions')` and
 * `until('routes')`: the second call reuses what the first learned, and times are measured
 * from creation.
 */
export class LabWaiter {
  private readonly start = performance.now();
  private readonly latest = new Map<string, NodeObservation>();
  private sessionsMs?: number;
  private routesMs?: number;
  private rounds = 0;

  constructor(
    private readonly runtime: Runtime,
    private readonly lab: Lab,
    private readonly opts: WaitOptions = {},
  ) {}

  private elapsed(): number {
    return Math.round(performance.now() - this.start);
  }

  private progress(): WaitProgress {
    const obs = [...this.latest.values()];
    return {
      elapsedMs: this.elapsed(),
      established: obs.reduce((n, o) => n + o.sessions.filter((s) => s.state === 'Established').length, 0),
      sessions: this.lab.sessions.length,
      routedNodes: obs.filter(routesDone).length,
      nodes: this.lab.nodes.length,
    };
  }

  private result(goal: WaitGoal, ok: boolean): WaitResult {
    const nodes = this.lab.nodes.map(
      (n) => this.latest.get(n.name) ?? { node: n.name, error: 'not polled', sessions: [], missingRoutes: expectedRoutes(this.lab, n.name) },
    );
    return {
      ok,
      goal,
      elapsedMs: this.elapsed(),
      ...(this.sessionsMs !== undefined ? { sessionsMs: this.sessionsMs } : {}),
      ...(this.routesMs !== undefined ? { routesMs: this.routesMs } : {}),
      nodes,
      down: nodes.flatMap((o) => o.sessions.filter((s) => s.state !== 'Established')),
      missing: nodes.flatMap((o) => o.missingRoutes),
      rounds: this.rounds,
    };
  }

  /**
   * Poll every node once more (converged nodes are not re-polled while waiting, so their
   * uptimes and prefix counts are from when they converged): fresh data for a table.
   */
  async refresh(goal: WaitGoal = 'routes'): Promise<WaitResult> {
    const obs = await mapLimit(
      this.lab.nodes.map((n) => n.name),
      this.opts.concurrency ?? 16,
      (n) => observeNode(this.runtime, this.lab, n),
    );
    for (const o of obs) this.latest.set(o.node, o);
    const done = goal === 'sessions' ? sessionsDone : routesDone;
    return this.result(goal, obs.every(done));
  }

  /** Poll until the goal is met (ok) or timeoutMs passes (not ok). Never throws on timeout. */
  async until(goal: WaitGoal, timeoutMs: number): Promise<WaitResult> {
    const deadline = performance.now() + timeoutMs;
    const done = goal === 'sessions' ? sessionsDone : routesDone;
    for (;;) {
      if (this.opts.signal?.aborted) throw new BgplabError('E_INTERRUPTED', 'interrupted');
      const t0 = performance.now();
      const todo = this.lab.nodes.map((n) => n.name).filter((n) => !done(this.latest.get(n)));
      if (todo.length) {
        this.rounds++;
        // the route table only for nodes whose sessions were up at the last look
        const obs = await mapLimit(todo, this.opts.concurrency ?? 16, (n) =>
          observeNode(this.runtime, this.lab, n, { routes: goal === 'routes' && sessionsDone(this.latest.get(n)) }),
        );
        for (const o of obs) this.latest.set(o.node, o);
      }
      const all = this.lab.nodes.map((n) => this.latest.get(n.name));
      if (this.sessionsMs === undefined && all.every(sessionsDone)) this.sessionsMs = this.elapsed();
      if (this.routesMs === undefined && all.every(routesDone)) this.routesMs = this.elapsed();
      this.opts.onProgress?.(this.progress());
      if (all.every(done)) return this.result(goal, true);
      if (performance.now() >= deadline) return this.result(goal, false);
      // a slow round (a big lab on a small machine) is followed by a rest as long as itself:
      // polling then takes at most about half a CPU from the daemons it is waiting for
      const took = performance.now() - t0;
      const wait = Math.min(Math.max((this.opts.intervalMs ?? 200) - took, took), deadline - performance.now());
      if (wait > 0) await sleep(wait);
    }
  }
}

/** Wait for sessions, then routes; one result with both times. */
export async function waitForLab(runtime: Runtime, lab: Lab, timeoutMs: number, opts: WaitOptions = {}): Promise<WaitResult> {
  const w = new LabWaiter(runtime, lab, opts);
  const deadline = performance.now() + timeoutMs;
  const s = await w.until('sessions', timeoutMs);
  if (!s.ok) return s;
  return w.until('routes', Math.max(0, deadline - performance.now()));
}

/** One observation of every node (status, checks): no waiting. */
export async function observeLab(runtime: Runtime, lab: Lab, concurrency = 16): Promise<NodeObservation[]> {
  return mapLimit(
    lab.nodes.map((n) => n.name),
    concurrency,
    (n) => observeNode(runtime, lab, n),
  );
}

/**
 * Fill in lastError of sessions that are not Established, from `show bgp neighbors json`
 * (one call per node concerned): FRR's last reset reason, or the vtysh error.
 */
export async function explainSessions(runtime: Runtime, lab: Lab, down: SessionObservation[]): Promise<SessionObservation[]> {
  const byNode = new Map<string, SessionObservation[]>();
  for (const s of down) byNode.set(s.node, [...(byNode.get(s.node) ?? []), s]);
  const out: SessionObservation[] = [];
  await mapLimit([...byNode], 16, async ([node, list]) => {
    let nb: unknown;
    try {
      nb = splitJson(await runtime.vtysh(lab.name, node, ['show bgp neighbors json']))[0];
    } catch (e) {
      for (const s of list) out.push({ ...s, lastError: e instanceof Error ? e.message : String(e) });
      return;
    }
    for (const s of list) {
      const p = isObj(nb) ? nb[s.ifname] : undefined;
      let lastError: string | undefined;
      if (isObj(p)) {
        const parts: string[] = [];
        if (typeof p['lastResetDueTo'] === 'string') parts.push(p['lastResetDueTo']);
        if (typeof p['lastErrorCodeSubcode'] === 'string') parts.push(`notification ${p['lastErrorCodeSubcode']}`);
        if (typeof p['lastNotificationReason'] === 'string') parts.push(p['lastNotificationReason']);
        if (!parts.length && s.state !== 'Established') parts.push('no reset recorded: no BGP message from the peer yet (no link-local neighbor / no TCP)');
        lastError = parts.join('; ');
      }
      out.push(lastError ? { ...s, lastError } : s);
    }
  });
  const key = (s: SessionObservation) => `${s.node}:${s.ifname}`;
  const m = new Map(out.map((s) => [key(s), s]));
  return down.map((s) => m.get(key(s)) ?? s);
}

/** The error `up` throws on timeout: every session still down, with its state and last error. */
export function waitTimeoutError(lab: Lab, r: WaitResult, timeoutMs: number, cause: { details: string[]; hint?: string } = { details: [] }): BgplabError {
  // a machine-wide cause first: it explains every stuck session below
  const details: string[] = [...cause.details];
  for (const s of r.down) {
    details.push(`session ${s.node}:${s.ifname} -> ${s.peer}: ${s.state}${s.lastError ? ` (${s.lastError})` : ''}`);
  }
  const errs = r.nodes.filter((n) => n.error);
  for (const n of errs) details.push(`node ${n.node}: ${n.error}`);
  if (!r.down.length) {
    const byNode = new Map<string, string[]>();
    for (const m of r.missing) byNode.set(m.node, [...(byNode.get(m.node) ?? []), `${m.prefix} (${m.dest})`]);
    for (const [node, list] of byNode) details.push(`node ${node} has no route to ${list.slice(0, 6).join(', ')}${list.length > 6 ? ` and ${list.length - 6} more` : ''}`);
  }
  const what = r.down.length
    ? `${r.down.length} of ${lab.sessions.length} BGP sessions not Established`
    : `${r.missing.length} loopback routes missing`;
  return new BgplabError('E_WAIT_TIMEOUT', `lab ${lab.name} did not converge in ${timeoutMs / 1000} s: ${what}`, {
    details: details.slice(0, 40).concat(details.length > 40 ? [`... and ${details.length - 40} more`] : []),
    hint: `${cause.hint ? `${cause.hint}. ` : ''}the lab is left up for inspection: bgplab status ${lab.name}, bgplab vtysh NODE -c "show bgp summary"; bgplab down ${lab.name} when done`,
  });
}

/**
 * Continuous multi-flow probe between two lab nodes (its flows' paths: trace.ts).
 *
 * The probe program (probe-program.ts) runs at both ends through Runtime.exec, so it works
 * on every runtime; each end sends N flows (distinct UDP source ports, so L4 ECMP hashing
 * spreads them) to the other and records what it receives. The outage arithmetic is here,
 * pure and unit-tested: an outage is a run of lost datagrams of one flow, measured from the
 * send time of the last datagram before the hole to the send time of the first one after
 * it, minus one interval (one lost datagram = one interval of outage). Send times come from
 * the sender (CLOCK_REALTIME, µs), so receiver scheduling jitter does not count and a
 * stalled sender is not mistaken for an outage.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Runtime, StreamResult } from '../runtime/runtime.js';
import { BgplabError } from '../util/errors.js';
import { sleep } from '../util/pool.js';
import { PROBE_PY } from './probe-program.js';

// ---------------------------------------------------------------------------
// the probe program's output

export interface ProbeFlowRx {
  count: number;
  /** [seq, sendUs] of the first / highest received datagram */
  first: [number, number] | null;
  last: [number, number] | null;
  /** [seqBefore, sendUsBefore, seqAfter, sendUsAfter] for each run of missing seqs */
  holes: [number, number, number, number][];
  dup: number;
  reordered: number;
  maxDelayUs: number;
}

export interface ProbeReport {
  v: 1;
  local: string;
  remote: string;
  flows: number;
  intervalUs: number;
  listenStartUs: number;
  listenEndUs: number;
  /** datagrams sent per flow (seqs 0..sent-1) */
  sent: number;
  sendStartUs: number;
  sendEndUs: number;
  sendErrors: number;
  /** times the sender fell more than one interval behind (CPU starvation) */
  hiccups: number;
  maxLagUs: number;
  stopped: boolean;
  /** datagrams that were not ours (other run, traceroute...) */
  foreign: number;
  /** send times of the first datagrams (seq 0, 1, ...), µs */
  headUs?: number[];
  rx: ProbeFlowRx[];
}

export function parseProbeReport(stdout: string, where: string): ProbeReport {
  const line = stdout.trim().split('\n').pop() ?? '';
  let r: unknown;
  try {
    r = JSON.parse(line);
  } catch (e) {
    throw new BgplabError('E_PROBE', `probe on ${where} printed no report`, { details: stdout.trim().split('\n').slice(-5), cause: e });
  }
  const p = r as ProbeReport;
  if (!p || p.v !== 1 || !Array.isArray(p.rx) || typeof p.intervalUs !== 'number') {
    throw new BgplabError('E_PROBE', `probe on ${where} printed an unexpected report`, { details: [line.slice(0, 200)] });
  }
  return p;
}

// ---------------------------------------------------------------------------
// outage arithmetic (pure)

export interface Outage {
  /** send time of the last datagram delivered before the hole (or the window start), µs */
  fromUs: number;
  /** send time of the first datagram delivered after the hole (or the window end), µs */
  toUs: number;
  ms: number;
  lost: number;
  /** the flow had not recovered when the probe stopped */
  open: boolean;
}

export interface FlowOutages {
  /** index of the flow (source port = sportBase + flow) */
  flow: number;
  sent: number;
  received: number;
  outages: Outage[];
}

/** Datagrams sent within this much of the receiver's end are not expected to arrive. */
const TAIL_MARGIN_US = 50_000;

const round1 = (x: number) => Math.round(x * 10) / 10;

/**
 * Per flow, the outages of the direction sender → receiver. The window in which delivery is
 * expected is [max(send start, receiver listening), min(send end, receiver end - margin)]:
 * datagrams sent before the receiver listened, or too late to arrive before it stopped, are
 * not losses.
 */
export function flowOutages(sender: ProbeReport, receiver: ProbeReport): FlowOutages[] {
  const iv = sender.intervalUs;
  const winStart = Math.max(sender.sendStartUs, receiver.listenStartUs);
  const winEnd = Math.min(sender.sendEndUs, receiver.listenEndUs - TAIL_MARGIN_US);
  const out: FlowOutages[] = [];
  for (let f = 0; f < sender.flows; f++) {
    const rx = receiver.rx[f];
    const outages: Outage[] = [];
    if (sender.sent === 0 || winEnd <= winStart) {
      out.push({ flow: f, sent: sender.sent, received: rx?.count ?? 0, outages });
      continue;
    }
    if (!rx || rx.count === 0 || !rx.first || !rx.last) {
      const ms = (winEnd - winStart) / 1000;
      outages.push({ fromUs: winStart, toUs: winEnd, ms: round1(ms), lost: sender.sent, open: true });
      out.push({ flow: f, sent: sender.sent, received: 0, outages });
      continue;
    }
    // leading: nothing arrived from the start of the window until the first datagram
    const [firstSeq, firstUs] = rx.first;
    if (firstSeq > 0) {
      // with the send times of the first datagrams: only those lost after the window opened
      // count (a sender that stalled just then spaced them out: 2-4 ms "outages" at the
      // start otherwise, on a loaded machine); without, the window start stands in for them
      const head = sender.headUs;
      if (head && head.length >= firstSeq) {
        const k = head.findIndex((t, q) => q < firstSeq && t >= winStart);
        if (k >= 0 && k < firstSeq) outages.push({ fromUs: head[k]!, toUs: firstUs, ms: round1((firstUs - head[k]!) / 1000), lost: firstSeq - k, open: false });
      } else {
        const ms = (firstUs - winStart - iv) / 1000;
        if (ms > 0) outages.push({ fromUs: winStart, toUs: firstUs, ms: round1(ms), lost: firstSeq, open: false });
      }
    }
    for (const [seqBefore, beforeUs, seqAfter, afterUs] of rx.holes) {
      const ms = (afterUs - beforeUs - iv) / 1000;
      outages.push({ fromUs: beforeUs, toUs: afterUs, ms: round1(Math.max(0, ms)), lost: seqAfter - seqBefore - 1, open: false });
    }
    // trailing: the last datagrams never arrived
    const [lastSeq, lastUs] = rx.last;
    if (lastSeq < sender.sent - 1) {
      const ms = (winEnd - lastUs - iv) / 1000;
      if (ms > 0) outages.push({ fromUs: lastUs, toUs: winEnd, ms: round1(ms), lost: sender.sent - 1 - lastSeq, open: true });
    }
    out.push({ flow: f, sent: sender.sent, received: rx.count, outages });
  }
  return out;
}

/** The longest outage of a flow among those that end after `afterUs` (ms; 0 when none). */
export function maxOutageMs(f: FlowOutages, afterUs = -Infinity, beforeUs = Infinity): number {
  let m = 0;
  for (const o of f.outages) if (o.toUs > afterUs && o.fromUs < beforeUs && o.ms > m) m = o.ms;
  return m;
}

export function lostPackets(f: FlowOutages, afterUs = -Infinity, beforeUs = Infinity): number {
  return f.outages.filter((o) => o.toUs > afterUs && o.fromUs < beforeUs).reduce((s, o) => s + o.lost, 0);
}

// ---------------------------------------------------------------------------
// running the probe through the Runtime

export interface ProbeEnd {
  node: string;
  /** the address to bind and to reach (a loopback) */
  address: string;
}

export interface ProbeOptions {
  flows: number;
  intervalMs: number;
  /** upper bound on the sending time; stop() ends it earlier */
  maxMs: number;
  /** the UDP port both ends listen on */
  port: number;
  /** flow i uses source port sportBase + i */
  sportBase: number;
  /** wait before the first datagram, so that the other end is listening */
  delayMs?: number;
  lingerMs?: number;
}

export interface ProbeDirection {
  from: string;
  to: string;
  flows: FlowOutages[];
  sender: ProbeReport;
  receiver: ProbeReport;
}

export interface ProbeResult {
  run: string;
  /** a → b, then b → a */
  directions: [ProbeDirection, ProbeDirection];
}

export interface RunningProbe {
  run: string;
  /** wall-clock time the probe programs were launched, µs */
  launchedUs: number;
  /** Stop both ends and collect the measurement. */
  stop(): Promise<ProbeResult>;
}

export const nowUs = () => Date.now() * 1000;

/**
 * Start delay: each end waits this long after it started before its first datagram, so
 * that the other end (started at the same time) is listening. Datagrams sent before it
 * listened are not losses (flowOutages' window), but a sender stalled on a loaded machine
 * right then makes the first gap look like an outage: with 100 ms, 1 run in 8 on the host
 * showed a 2 ms "outage" at the start; 300 ms, as before, none. Linger: how long an end
 * listens after it stopped sending, for datagrams in flight (sub-millisecond on veth; the
 * report leaves out the last 50 ms anyway, and the program drains its socket once more
 * before reporting): 150 ms instead of 400 ms.
 */
const DEFAULT_DELAY_MS = 300;
const DEFAULT_LINGER_MS = 150;

export function probeArgv(run: string, local: string, remote: string | undefined, o: ProbeOptions): string[] {
  for (const [k, v] of Object.entries({ flows: o.flows, port: o.port, sportBase: o.sportBase, maxMs: o.maxMs })) {
    if (!Number.isInteger(v) || v < 0) throw new BgplabError('E_PROBE', `probe option ${k} must be a non-negative integer (got ${v})`);
  }
  if (o.sportBase + o.flows > 65535 || o.port > 65535) throw new BgplabError('E_PROBE', 'probe ports out of range');
  const kv: Record<string, string | number> = {
    run,
    local,
    port: o.port,
    sport: o.sportBase,
    flows: o.flows,
    interval_us: Math.round(o.intervalMs * 1000),
    delay_ms: o.delayMs ?? DEFAULT_DELAY_MS,
    max_ms: o.maxMs,
    linger_ms: o.lingerMs ?? DEFAULT_LINGER_MS,
  };
  if (remote) kv.remote = remote;
  return ['python3', '-c', PROBE_PY, ...Object.entries(kv).map(([k, v]) => `${k}=${v}`)];
}

function execFailure(node: string, r: { exitCode: number; stderr: string; stdout: string }): BgplabError {
  const tail = (r.stderr || r.stdout).trim().split('\n').slice(-6);
  const noPython = /python3.*(not found|No such file)|executable file not found/i.test(r.stderr);
  return new BgplabError('E_PROBE', `probe on ${node} exited with ${r.exitCode}`, {
    details: tail,
    hint: noPython ? 'the probe needs python3 inside the node (the bgplab image ships python3-minimal)' : undefined,
  });
}

/** How long a probe program may take to start sending (python3 in a node, a loaded machine). */
const START_TIMEOUT_MS = 15_000;

/**
 * Launch the probe at both ends, through Runtime.execStream: resolves as soon as both
 * programs print that they are sending (each listens from before its first datagram), or
 * throws if one of them died at start. It used to wait a fixed 0.7 s, which on a loaded
 * machine was not enough for python3 to start inside a node (0.4–1.9 s measured with a
 * load average of 16) and was 0.5 s too many on an idle one. stop() ends both with SIGTERM
 * (the programs report, then exit).
 */
export async function startProbe(runtime: Runtime, lab: string, a: ProbeEnd, b: ProbeEnd, o: ProbeOptions): Promise<RunningProbe> {
  const run = randomBytes(4).toString('hex');
  const delayMs = o.delayMs ?? DEFAULT_DELAY_MS;
  const lingerMs = o.lingerMs ?? DEFAULT_LINGER_MS;
  const launchedUs = nowUs();
  const ctl = new AbortController();
  // the programs stop sending after max_ms by themselves; this only ends a hung one
  const deadline = setTimeout(() => ctl.abort(), START_TIMEOUT_MS + delayMs + o.maxMs + lingerMs);
  deadline.unref?.();
  const ends = [a, b] as const;
  const out = ends.map(() => ({ text: '', sending: false }));
  const settled: (StreamResult | Error | undefined)[] = [undefined, undefined];
  const procs = ends.map((end, i) => {
    const other = ends[1 - i]!;
    const stdout = new Writable({
      write(chunk: Buffer, _enc, cb) {
        out[i]!.text += chunk.toString('utf8');
        if (!out[i]!.sending && /^sending$/m.test(out[i]!.text)) out[i]!.sending = true;
        cb();
      },
    });
    return runtime.execStream(lab, end.node, probeArgv(run, end.address, other.address, { ...o, delayMs, lingerMs }), { stdout, signal: ctl.signal }).then(
      (r) => {
        settled[i] = r;
        return r;
      },
      (e: unknown) => {
        settled[i] = e instanceof Error ? e : new Error(String(e));
        throw e;
      },
    );
  });
  // do not leave an unhandled rejection behind if we throw before stop()
  for (const p of procs) p.catch(() => undefined);

  const collect = async (): Promise<ProbeResult> => {
    const results = await Promise.all(procs);
    clearTimeout(deadline);
    const reports = results.map((r, i) => {
      if (r.exitCode !== 0) throw execFailure(ends[i]!.node, { ...r, stdout: out[i]!.text });
      return parseProbeReport(out[i]!.text, ends[i]!.node);
    });
    const [ra, rb] = reports as [ProbeReport, ProbeReport];
    return {
      run,
      directions: [
        { from: a.node, to: b.node, flows: flowOutages(ra, rb), sender: ra, receiver: rb },
        { from: b.node, to: a.node, flows: flowOutages(rb, ra), sender: rb, receiver: ra },
      ],
    };
  };

  // wait until both are sending; a program that already exited failed at start
  const giveUp = Date.now() + START_TIMEOUT_MS + delayMs;
  while (!out.every((x) => x.sending)) {
    const dead = settled.findIndex((x) => x !== undefined);
    if (dead >= 0 || Date.now() > giveUp) {
      ctl.abort();
      clearTimeout(deadline);
      await Promise.allSettled(procs);
      if (dead < 0) throw new BgplabError('E_PROBE', `the probe did not start sending within ${(START_TIMEOUT_MS / 1000).toFixed(0)} s on ${ends.filter((_, i) => !out[i]!.sending).map((e) => e.node).join(', ')}`);
      const x = settled[dead]!;
      if (x instanceof Error) throw x;
      throw execFailure(ends[dead]!.node, { ...x, stdout: out[dead]!.text });
    }
    await sleep(20);
  }
  let stopping: Promise<ProbeResult> | undefined;
  return {
    run,
    launchedUs,
    stop() {
      stopping ??= (async () => {
        ctl.abort();
        return collect();
      })();
      return stopping;
    },
  };
}

import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import type { Lab } from '../../src/lab/model.js';
import type { ExecResult, Runtime, StreamOptions, StreamResult } from '../../src/runtime/runtime.js';
import { streamProcess } from '../../src/runtime/stream.js';
import { AddressBook, traceFlowSettled, type FlowTrace } from '../../src/checks/trace.js';
import { parseTraceroute } from '../../src/frr/traceroute.js';
import { mapLimit } from '../../src/util/pool.js';
import { fakeRuntime } from './fake-runtime.js';
import {
  flowOutages,
  lostPackets,
  maxOutageMs,
  parseProbeReport,
  probeArgv,
  startProbe,
  type ProbeFlowRx,
  type ProbeReport,
} from '../../src/checks/probe.js';

const IV = 5000; // µs

/** A sender report: `sent` datagrams per flow, one every IV from t0. */
function sender(flows: number, sent: number, t0 = 1_000_000): ProbeReport {
  return {
    v: 1,
    local: '10.0.3.1',
    remote: '10.0.3.3',
    flows,
    intervalUs: IV,
    listenStartUs: t0 - 300_000,
    listenEndUs: t0 + sent * IV + 400_000,
    sent,
    sendStartUs: t0,
    sendEndUs: t0 + (sent - 1) * IV,
    sendErrors: 0,
    hiccups: 0,
    maxLagUs: 0,
    stopped: true,
    foreign: 0,
    rx: [],
  };
}

/** What a receiver reports for one flow when the seqs in `lost` never arrived. */
function rxOf(sent: number, lost: (q: number) => boolean, t0 = 1_000_000): ProbeFlowRx {
  const ts = (q: number) => t0 + q * IV;
  const got = Array.from({ length: sent }, (_, q) => !lost(q));
  const first = got.indexOf(true);
  const last = got.lastIndexOf(true);
  if (first < 0) return { count: 0, first: null, last: null, holes: [], dup: 0, reordered: 0, maxDelayUs: 0 };
  const holes: ProbeFlowRx['holes'] = [];
  for (let q = first + 1; q <= last; q++) {
    if (!got[q]) {
      const z = q;
      while (!got[q]) q++;
      holes.push([z - 1, ts(z - 1), q, ts(q)]);
    }
  }
  return { count: got.filter(Boolean).length, first: [first, ts(first)], last: [last, ts(last)], holes, dup: 0, reordered: 0, maxDelayUs: 50 };
}

function receiver(rx: ProbeFlowRx[], t0 = 1_000_000, sent = 400): ProbeReport {
  return { ...sender(rx.length, 0, t0), sent: 0, listenStartUs: t0 - 200_000, listenEndUs: t0 + sent * IV + 500_000, rx };
}

describe('flowOutages: outage per flow from the sender timestamps', () => {
  it('no loss: no outage', () => {
    const r = flowOutages(sender(2, 400), receiver([rxOf(400, () => false), rxOf(400, () => false)]));
    expect(r.map((f) => maxOutageMs(f))).toEqual([0, 0]);
    expect(r.map((f) => f.received)).toEqual([400, 400]);
  });

  it('a hole of 60 datagrams is 60 intervals of outage on that flow only', () => {
    const r = flowOutages(sender(2, 400), receiver([rxOf(400, (q) => q >= 100 && q < 160), rxOf(400, () => false)]));
    expect(maxOutageMs(r[0]!)).toBe(300);
    expect(lostPackets(r[0]!)).toBe(60);
    expect(maxOutageMs(r[1]!)).toBe(0);
    expect(r[0]!.outages[0]!.open).toBe(false);
  });

  it('one lost datagram is one interval; the longest of several holes wins', () => {
    const r = flowOutages(sender(1, 400), receiver([rxOf(400, (q) => q === 10 || (q >= 200 && q < 220))]));
    expect(r[0]!.outages.map((o) => o.ms)).toEqual([5, 100]);
    expect(maxOutageMs(r[0]!)).toBe(100);
  });

  it('a flow that never recovered is an open outage up to the end of the window', () => {
    const r = flowOutages(sender(1, 400), receiver([rxOf(400, (q) => q >= 300)]));
    const o = r[0]!.outages.at(-1)!;
    expect(o.open).toBe(true);
    expect(o.lost).toBe(100);
    // from the last delivered (seq 299) to the last sent (seq 399), minus one interval
    expect(o.ms).toBe(495);
  });

  it('a flow with nothing delivered is out for the whole window', () => {
    const r = flowOutages(sender(1, 400), receiver([rxOf(400, () => true)]));
    expect(r[0]!.outages).toHaveLength(1);
    expect(r[0]!.outages[0]!.open).toBe(true);
    expect(r[0]!.outages[0]!.ms).toBe(1995);
  });

  it('datagrams sent before the receiver listened are not an outage', () => {
    const s = sender(1, 400);
    const rcv = receiver([rxOf(400, (q) => q < 40)]);
    rcv.listenStartUs = s.sendStartUs + 40 * IV - 1000; // started 199 ms late
    expect(maxOutageMs(flowOutages(s, rcv)[0]!)).toBe(0);
    rcv.listenStartUs = s.sendStartUs - 1000; // was listening: the same loss is an outage
    expect(maxOutageMs(flowOutages(s, rcv)[0]!)).toBe(195);
  });

  it('with the first send times: a sender that stalled as the receiver started is no outage; a loss after it listened is', () => {
    // seqs 0-3 sent every 5 ms, then a 20 ms stall: seq 4 at +40 ms; the receiver listened from +18 ms
    const s = { ...sender(1, 400), headUs: [0, 5, 10, 15, 40, 45, 50, 55].map((ms) => 1_000_000 + ms * 1000) };
    const rcv = receiver([rxOf(400, (q) => q < 4)]);
    rcv.rx[0]!.first = [4, s.headUs[4]!];
    rcv.listenStartUs = 1_000_000 + 18_000;
    expect(maxOutageMs(flowOutages(s, rcv)[0]!)).toBe(0);
    // listening from the start, the same loss is 4 datagrams sent 0-15 ms, back at 40 ms
    rcv.listenStartUs = 1_000_000 - 1000;
    expect(maxOutageMs(flowOutages(s, rcv)[0]!)).toBe(40);
  });

  it('datagrams sent just before the receiver stopped are not an outage', () => {
    const s = sender(1, 400);
    const rcv = receiver([rxOf(400, (q) => q >= 395)]);
    rcv.listenEndUs = s.sendEndUs + 10_000; // stopped 10 ms after the last send
    expect(maxOutageMs(flowOutages(s, rcv)[0]!)).toBe(0);
  });

  it('maxOutageMs and lostPackets can be limited to outages that end after the event', () => {
    const r = flowOutages(sender(1, 400), receiver([rxOf(400, (q) => (q >= 10 && q < 12) || (q >= 200 && q < 300))]))[0]!;
    const eventUs = 1_000_000 + 150 * IV;
    expect(maxOutageMs(r)).toBe(500);
    expect(maxOutageMs(r, eventUs)).toBe(500);
    expect(maxOutageMs(r, -Infinity, eventUs)).toBe(10);
    expect(lostPackets(r, eventUs)).toBe(100);
  });
});

describe('the probe program report', () => {
  it('parses the last line, refuses anything else with the node named', () => {
    const line = JSON.stringify(sender(1, 3));
    expect(parseProbeReport(`noise\n${line}\n`, 'server1').sent).toBe(3);
    expect(() => parseProbeReport('Traceback (most recent call last):\n  boom', 'server1')).toThrow(/probe on server1/);
    expect(() => parseProbeReport('{"v":2}', 'server1')).toThrow(/unexpected report/);
  });

  it('argv: python3 -c with key=value arguments, never a shell string; bad numbers refused', () => {
    const argv = probeArgv('0a0b0c0d', '10.0.3.1', '10.0.3.3', { flows: 4, intervalMs: 5, maxMs: 1000, port: 25000, sportBase: 40000 });
    expect(argv.slice(0, 2)).toEqual(['python3', '-c']);
    expect(argv.slice(3)).toContain('remote=10.0.3.3');
    expect(argv.slice(3)).toContain('interval_us=5000');
    expect(() => probeArgv('x', 'a', 'b', { flows: 1.5, intervalMs: 5, maxMs: 1, port: 1, sportBase: 1 })).toThrow(/flows/);
    expect(() => probeArgv('x', 'a', 'b', { flows: 10, intervalMs: 5, maxMs: 1, port: 1, sportBase: 65530 })).toThrow(/range/);
  });
});

/** A runtime whose nodes are this host (no namespaces): for the probe program on 127.0.0.x. */
function hostRuntime(delayStart: Record<string, number> = {}): Runtime {
  const exec = async (_lab: string, node: string, argv: readonly string[], opts?: { timeoutMs?: number }): Promise<ExecResult> => {
    const r = await execa(argv[0]!, argv.slice(1), { reject: false, timeout: opts?.timeoutMs });
    return { stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode ?? -1 };
  };
  const execStream = async (_lab: string, node: string, argv: readonly string[], o: StreamOptions): Promise<StreamResult> => {
    if (delayStart[node] && argv.some((a) => a.startsWith('run='))) {
      await new Promise((r) => setTimeout(r, delayStart[node]));
    }
    return streamProcess(argv[0]!, argv.slice(1), o);
  };
  return fakeRuntime({ exec, execStream, list: async () => [] });
}

const hasPython = (await execa('python3', ['-c', 'print(1)'], { reject: false })).exitCode === 0;

describe.skipIf(!hasPython)('the probe program, run for real on 127.0.0.1 ↔ 127.0.0.2', () => {
  const port = 20000 + Math.floor(Math.random() * 10000);
  it('delivers every flow both ways without outage and stops early when stopped', async () => {
    const t0 = Date.now();
    const p = await startProbe(hostRuntime(), 'unit', { node: 'a', address: '127.0.0.1' }, { node: 'b', address: '127.0.0.2' }, {
      flows: 8,
      intervalMs: 5,
      maxMs: 30_000,
      port,
      sportBase: port + 1000,
    });
    await new Promise((r) => setTimeout(r, 500));
    const res = await p.stop();
    expect(Date.now() - t0).toBeLessThan(10_000); // stopped long before max_ms
    for (const d of res.directions) {
      expect(d.sender.stopped || d.receiver.stopped).toBe(true);
      expect(d.sender.sent).toBeGreaterThan(50);
      expect(d.flows).toHaveLength(8);
      for (const f of d.flows) {
        expect(f.received).toBeGreaterThan(0);
        expect(maxOutageMs(f)).toBe(0);
      }
    }
  }, 30_000);

  it('a receiver that started late is not an outage', async () => {
    const p = await startProbe(hostRuntime({ b: 400 }), 'unit', { node: 'a', address: '127.0.0.1' }, { node: 'b', address: '127.0.0.2' }, {
      flows: 2,
      intervalMs: 5,
      maxMs: 30_000,
      port: port + 1,
      sportBase: port + 2000,
      delayMs: 0,
    });
    await new Promise((r) => setTimeout(r, 800));
    const res = await p.stop();
    const ab = res.directions[0];
    expect(ab.receiver.listenStartUs).toBeGreaterThan(ab.sender.sendStartUs); // really late
    expect(ab.flows.every((f) => maxOutageMs(f) === 0)).toBe(true);
  }, 30_000);

  it('a probe that cannot start fails with the node named, not a hang', async () => {
    const rt = hostRuntime();
    const bad = { ...rt, execStream: async (lab: string, node: string, argv: readonly string[], o: StreamOptions) => rt.execStream(lab, node, node === 'b' ? ['python3', '-c', 'import sys; sys.exit(3)'] : argv, o) };
    await expect(
      startProbe(bad, 'unit', { node: 'a', address: '127.0.0.1' }, { node: 'b', address: '127.0.0.2' }, { flows: 1, intervalMs: 5, maxMs: 3000, port: port + 2, sportBase: port + 3000 }),
    ).rejects.toThrow(/probe on b exited with 3/);
  }, 30_000);
});

describe('per-flow traceroute', () => {
  const out = [
    'traceroute to 10.0.3.3 (10.0.3.3), 8 hops max, 60 byte packets',
    ' 1  10.0.2.1  0.061 ms',
    ' 2  10.0.1.2  0.040 ms',
    ' 3  *',
    ' 4  10.0.3.3  0.051 ms',
  ].join('\n');

  it('parses hops, "*" as null', () => {
    expect(parseTraceroute(out).map((h) => h.address)).toEqual(['10.0.2.1', '10.0.1.2', null, '10.0.3.3']);
  });

  const lab = {
    name: 'unit',
    nodes: [
      { name: 'server1', loopback: '10.0.3.1' },
      { name: 'leaf1', loopback: '10.0.2.1' },
      { name: 'spine2', loopback: '10.0.1.2' },
      { name: 'leaf3', loopback: '10.0.2.3' },
      { name: 'server3', loopback: '10.0.3.3' },
    ],
  } as unknown as Lab;
  const flowPath = (t: FlowTrace) => ({ sport: t.sport, path: t.path, complete: t.complete });
  /** the failover probe's flow: server1's loopback to server3's, fixed destination port */
  const trace = (rt: Runtime, attempts = 3) => {
    const ctx = { lab, runtime: rt };
    return traceFlowSettled(ctx, new AddressBook(ctx), { from: 'server1', src: '10.0.3.1', dst: '10.0.3.3', sport: 40007, dport: 25000 }, attempts);
  };

  it('maps hops to nodes by loopback, passes the flow 5-tuple, retries a silent hop', async () => {
    const calls: string[][] = [];
    const rt = {
      exec: async (_l: string, _n: string, argv: readonly string[]) => {
        calls.push([...argv]);
        return { stdout: calls.length === 1 ? out : out.replace(' 3  *', ' 3  10.0.2.3  0.03 ms'), stderr: '', exitCode: 0 };
      },
    } as unknown as Runtime;
    const fp = flowPath(await trace(rt));
    expect(fp).toEqual({ sport: 40007, path: ['server1', 'leaf1', 'spine2', 'leaf3', 'server3'], complete: true });
    expect(calls).toHaveLength(2);
    expect(calls[0]).toEqual(expect.arrayContaining(['-U', '-p', '25000', '--sport=40007', '-s', '10.0.3.1', '10.0.3.3']));
  });

  it('reports an incomplete path when the destination never answers', async () => {
    const rt = { exec: async () => ({ stdout: out.replace(/ 4 .*/, ' 4  *'), stderr: '', exitCode: 0 }) } as unknown as Runtime;
    const fp = await trace(rt, 2);
    expect(fp.complete).toBe(false);
    expect(fp.path.slice(0, 3)).toEqual(['server1', 'leaf1', 'spine2']);
  });

  it('a missing traceroute is a user error with an install hint', async () => {
    const rt = { exec: async () => ({ stdout: '', stderr: 'exec: "traceroute": executable file not found in $PATH', exitCode: 127 }) } as unknown as Runtime;
    await expect(trace(rt)).rejects.toMatchObject({ code: 'E_TRACEROUTE', hint: expect.stringMatching(/install traceroute/) });
  });
});

describe('mapLimit', () => {
  it('keeps order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const r = await mapLimit([5, 1, 4, 2, 3], 2, async (x) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((res) => setTimeout(res, x * 3));
      running--;
      return x * 10;
    });
    expect(r).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });
});

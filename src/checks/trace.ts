/**
 * Tracing one flow through the fabric: `traceroute` with a fixed UDP 5-tuple from a node,
 * hops mapped back to node names. The one tracer: the traceroute check enumerates ECMP
 * paths with it, transit looks for servers on the paths, failover follows its probe's
 * flows. Reaches nodes only through the Runtime.
 */
import { parseTraceroute, type TracerouteHop } from '../frr/traceroute.js';
import { BgplabError } from '../util/errors.js';
import { mapLimit, sleep } from '../util/pool.js';
import type { CheckContext } from './types.js';

export interface Hop extends TracerouteHop {
  /** node name the address belongs to (undefined: unknown address) */
  node?: string;
}

export interface FlowPath {
  sport: number;
  /** node names from the source to the last hop that answered (unknown addresses as is, '*' for silence) */
  path: string[];
  /** the destination answered and no hop was silent */
  complete: boolean;
}

export interface FlowTrace extends FlowPath {
  hops: Hop[];
  /** the destination answered */
  reached: boolean;
  /** a hop did not answer */
  incomplete: boolean;
}

export const pathKey = (p: readonly string[]) => p.join(' > ');

/** address → node name: loopbacks from the model, then (lazily) every address inside each node. */
export class AddressBook {
  private map = new Map<string, string>();
  private scanned = false;
  constructor(private ctx: CheckContext) {
    for (const n of ctx.lab.nodes) {
      this.map.set(n.loopback, n.name);
      if (n.loopback6) this.map.set(n.loopback6, n.name);
    }
  }
  async lookup(addr: string): Promise<string | undefined> {
    const hit = this.map.get(addr);
    if (hit || this.scanned) return hit;
    this.scanned = true;
    await mapLimit(this.ctx.lab.nodes, 4, async (n) => {
      const r = await this.ctx.runtime.exec(this.ctx.lab.name, n.name, ['ip', '-j', 'addr', 'show']).catch(() => undefined);
      if (!r || r.exitCode !== 0) return;
      try {
        const ifs = JSON.parse(r.stdout) as { addr_info?: { local?: string; scope?: string }[] }[];
        for (const i of ifs) for (const a of i.addr_info ?? []) if (a.local && a.scope !== 'host' && !this.map.has(a.local)) this.map.set(a.local, n.name);
      } catch {
        // a node we cannot read stays unknown: its hops show as raw addresses
      }
    });
    return this.map.get(addr);
  }
}

export function loopbackOf(ctx: CheckContext, node: string): string {
  const n = ctx.lab.nodes.find((x) => x.name === node);
  if (!n) throw new BgplabError('E_NO_NODE', `lab ${ctx.lab.name} has no node ${node}`);
  return n.loopback;
}

export interface FlowSpec {
  /** the node traceroute runs on */
  from: string;
  /** source address (default: from's loopback) */
  src?: string;
  /** destination address */
  dst: string;
  sport: number;
  /** fixed UDP destination port (default: traceroute's, which counts up per probe) */
  dport?: number;
  maxTtl?: number;
}

/** One traceroute of one flow. */
export async function traceFlow(ctx: CheckContext, book: AddressBook, f: FlowSpec): Promise<FlowTrace> {
  const maxTtl = f.maxTtl ?? 8;
  const src = f.src ?? loopbackOf(ctx, f.from);
  const argv = [
    'traceroute', '-n', '-U', ...(f.dport !== undefined ? ['-p', String(f.dport)] : []), `--sport=${f.sport}`,
    '-s', src, '-q', '1', '-w', '1', '-m', String(maxTtl), f.dst,
  ];
  const r = await ctx.runtime.exec(ctx.lab.name, f.from, argv, { timeoutMs: (maxTtl + 2) * 1500 + 5000 });
  if (r.exitCode !== 0 && !/^\s*1\s/m.test(r.stdout)) {
    throw new BgplabError('E_TRACEROUTE', `${f.from}: traceroute to ${f.dst} failed (exit ${r.exitCode})`, {
      details: (r.stderr || r.stdout).trim().split('\n').slice(-4),
      hint: /not found|No such file/i.test(r.stderr) ? 'install traceroute in the node (apt-get install -y traceroute)' : undefined,
    });
  }
  const hops: Hop[] = [];
  for (const h of parseTraceroute(r.stdout)) hops.push({ ...h, node: h.address ? await book.lookup(h.address) : undefined });
  const reached = hops.at(-1)?.address === f.dst;
  const incomplete = hops.some((h) => h.address === null);
  const path = [f.from, ...hops.map((h) => h.node ?? h.address ?? '*')];
  return { sport: f.sport, hops, reached, incomplete, path, complete: reached && !incomplete };
}

/** Silent hops at the end of a trace: 3 or more is a black hole, not a dropped reply. */
export function trailingSilence(t: Pick<FlowTrace, 'hops'>): number {
  let n = 0;
  for (let i = t.hops.length - 1; i >= 0 && t.hops[i]!.address === null; i--) n++;
  return n;
}

/**
 * A flow traced until complete, at most `attempts` times: a silent hop is usually an ICMP
 * error dropped by a rate limit, and asking again (after a short pause) answers it. A
 * trace that ends in 3 or more silent hops is a black hole: asking again would only wait
 * ~1 s per hop once more, so it is not retried.
 */
export async function traceFlowSettled(ctx: CheckContext, book: AddressBook, f: FlowSpec, attempts = 3, pauseMs = 0): Promise<FlowTrace> {
  let t = await traceFlow(ctx, book, f);
  for (let i = 1; i < attempts && !t.complete && trailingSilence(t) < 3; i++) {
    if (pauseMs) await sleep(pauseMs * i, ctx.signal);
    t = await traceFlow(ctx, book, f);
  }
  return t;
}

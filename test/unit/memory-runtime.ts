/**
 * An in-memory Runtime for the unit layer: labs, links and daemons as data, BGP sessions
 * Established exactly when their link has carrier, no loss, and both ends' routing runs.
 * It keeps the Runtime contract (test/contract/runtime-contract.ts proves it, the same
 * suite the real runtimes pass); exec runs argv on the host.
 */
import { execa } from 'execa';
import type { DeployPlan } from '../../src/clab/topology.js';
import { linksOf } from '../../src/runtime/lifecycle.js';
import type { ExecResult, Impairment, Leftovers, PreparedLab, RunningLab, Runtime, StreamOptions, StreamResult } from '../../src/runtime/runtime.js';
import { streamProcess } from '../../src/runtime/stream.js';
import { listStates, removeLabState, readState } from '../../src/runtime/state.js';
import { BgplabError } from '../../src/util/errors.js';

interface End {
  node: string;
  ifname: string;
  up: boolean;
  loss: number;
}
interface MemLab {
  plan: DeployPlan;
  routing: Map<string, boolean>;
  links: [End, End][];
}

export class MemoryRuntime implements Runtime {
  readonly kind = 'netns' as const;
  /** one machine: every MemoryRuntime sees the same labs */
  static readonly labs = new Map<string, MemLab>();

  async preflight(): Promise<void> {}

  async prepare(plan: DeployPlan): Promise<PreparedLab> {
    return { plan, nodes: plan.nodes.map((n) => ({ name: n.name, daemons: ['zebra', 'bgpd', 'staticd'], interfaces: n.interfaces, links: linksOf(plan, n.name) })) };
  }

  async deploy(p: PreparedLab): Promise<void> {
    MemoryRuntime.labs.set(p.plan.name, {
      plan: p.plan,
      routing: new Map(p.plan.nodes.map((n) => [n.name, true])),
      links: p.plan.links.map((l) => [
        { ...l.a, up: true, loss: 0 },
        { ...l.b, up: true, loss: 0 },
      ]),
    });
  }

  async destroy(lab: string): Promise<void> {
    MemoryRuntime.labs.delete(lab);
    await removeLabState(lab);
  }

  private lab(lab: string): MemLab {
    const l = MemoryRuntime.labs.get(lab);
    if (!l) throw new BgplabError('E_NO_LAB', `lab "${lab}" is not up`);
    return l;
  }

  private node(lab: string, node: string): MemLab {
    const l = this.lab(lab);
    if (!l.routing.has(node)) throw new BgplabError('E_NO_NODE', `lab "${lab}" has no node "${node}"`);
    return l;
  }

  private link(lab: string, node: string, ifname: string): { l: MemLab; link: [End, End]; end: End } {
    const l = this.node(lab, node);
    const link = l.links.find(([a, b]) => (a.node === node && a.ifname === ifname) || (b.node === node && b.ifname === ifname));
    if (!link) throw new BgplabError('E_IFACE_MISSING', `node ${node} has no interface ${ifname}`);
    return { l, link, end: link[0].node === node && link[0].ifname === ifname ? link[0] : link[1] };
  }

  /** carrier: both ends administratively up (a veth pair) */
  carrier(lab: string, node: string, ifname: string): boolean {
    const { link } = this.link(lab, node, ifname);
    return link[0].up && link[1].up;
  }

  private linkWorks(l: MemLab, link: [End, End]): boolean {
    return link[0].up && link[1].up && link[0].loss < 100 && link[1].loss < 100 && !!l.routing.get(link[0].node) && !!l.routing.get(link[1].node);
  }

  /** does `from` reach `to` over working links (breadth first)? */
  reaches(lab: string, from: string, to: string): boolean {
    const l = this.lab(lab);
    const seen = new Set([from]);
    const todo = [from];
    while (todo.length) {
      const n = todo.shift()!;
      if (n === to) return true;
      for (const link of l.links) {
        if (!this.linkWorks(l, link)) continue;
        const [a, b] = link;
        const next = a.node === n ? b.node : b.node === n ? a.node : undefined;
        if (next && !seen.has(next)) {
          seen.add(next);
          todo.push(next);
        }
      }
    }
    return false;
  }

  async exec(lab: string, node: string, argv: readonly string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<ExecResult> {
    this.node(lab, node);
    const r = await execa(argv[0]!, argv.slice(1), { reject: false, stripFinalNewline: false, timeout: opts.timeoutMs, input: opts.input });
    return { stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode ?? -1 };
  }

  async execStream(lab: string, node: string, argv: readonly string[], o: StreamOptions): Promise<StreamResult> {
    this.node(lab, node);
    return streamProcess(argv[0]!, argv.slice(1), o);
  }

  async execInteractive(lab: string, node: string, argv: readonly string[]): Promise<number> {
    return (await this.exec(lab, node, argv)).exitCode;
  }

  async vtysh(lab: string, node: string, commands: readonly string[]): Promise<string> {
    const l = this.node(lab, node);
    if (!l.routing.get(node)) throw new BgplabError('E_DAEMON_DOWN', `vtysh on ${node}: bgpd is not running`, { data: { node, daemon: 'bgpd', said: 'bgpd is not running' } });
    return commands
      .map((c) => {
        if (c !== 'show bgp summary json') return '{}\n';
        const peers: Record<string, { state: string }> = {};
        for (const link of l.links) {
          const mine = link.find((e) => e.node === node);
          if (mine) peers[mine.ifname] = { state: this.linkWorks(l, link) ? 'Established' : 'Active' };
        }
        return `${JSON.stringify({ ipv4Unicast: { peers } })}\n`;
      })
      .join('');
  }

  async vtyshInteractive(): Promise<number> {
    return 0;
  }

  async setLink(lab: string, node: string, ifname: string, up: boolean): Promise<void> {
    this.link(lab, node, ifname).end.up = up;
  }

  async impairLink(lab: string, node: string, ifname: string, imp: Impairment | null): Promise<void> {
    this.link(lab, node, ifname).end.loss = imp?.lossPct ?? 0;
  }

  async stopRouting(lab: string, node: string): Promise<void> {
    this.node(lab, node).routing.set(node, false);
  }

  async startRouting(lab: string, node: string): Promise<void> {
    this.node(lab, node).routing.set(node, true);
  }

  async list(): Promise<RunningLab[]> {
    const out: RunningLab[] = [];
    for (const [name, l] of MemoryRuntime.labs) {
      const st = await readState(name);
      out.push({
        name,
        runtime: 'netns',
        dir: st?.dir ?? l.plan.dir,
        nodes: l.plan.nodes.map((n) => ({ name: n.name, daemons: ['zebra', 'bgpd', 'staticd'].map((d) => ({ daemon: d, running: !!l.routing.get(n.name) })) })),
      });
    }
    return out;
  }

  async leftovers(lab: string): Promise<Leftovers> {
    const l = MemoryRuntime.labs.get(lab);
    const stateDir = (await listStates()).some((s) => s.name === lab);
    return { items: l ? [`${l.plan.nodes.length} in-memory nodes`] : [], stateDir };
  }

  async orphans(): Promise<string[]> {
    return [];
  }
}

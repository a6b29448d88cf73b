/**
 * A containerlab lab bgplab did not write, as the lab: load (every unsupported key at
 * file:line:col, exec programs present on the host, FRR files read), bring up (deploy the
 * topology itself, then wait for what its frr.conf files configure), and the model of such
 * a lab once it is up (from the topology path its state records).
 */
import { access, constants, readFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { isMap, isSeq, type Document, type Node as YamlNode } from 'yaml';
import { z } from 'zod';
import { foreignLab, isRouterNode, netnsPlan, type ForeignLab } from '../clab/foreign.js';
import { checkSupport } from '../clab/support.js';
import { parseTopology, readTopologyText, type DeployPlan } from '../clab/topology.js';
import { assertNameOverride } from '../lab/load.js';
import type { Lab, LabChecks } from '../lab/model.js';
import { failoverSchema, tracerouteSchema } from '../lab/schema.js';
import { parseYamlText } from '../lab/yaml-text.js';
import { stuckLines, waitForeign, type ForeignWait } from '../observe/foreign.js';
import { MODEL_FILE } from '../render/index.js';
import { deployLab } from '../runtime/lifecycle.js';
import { FRR10_ROOTFS } from '../runtime/netns/rootfs.js';
import { availableRuntimes, selectRuntime, type RuntimeChoice, type SelectedRuntime } from '../runtime/select.js';
import type { LabState } from '../runtime/state.js';
import type { RuntimeKind } from '../runtime/runtime.js';
import { BgplabError, isBgplabError } from '../util/errors.js';
import { exists } from '../util/fs.js';
import { onPath } from '../util/process.js';
import { throwIfAborted } from '../util/pool.js';
import { formatTimings, ignore, runSteps, type AppOptions, type StepTiming } from './events.js';

/** A path bgplab treats as a containerlab topology rather than a lab file. */
export const isTopologyFile = (p: string | undefined) => !!p && /\.clab\.ya?ml$/.test(p);

/** The side file of expectations next to a topology: `x.clab.yml` → `x.bgplab.yml`. */
export const sideFileOf = (topology: string) => join(dirname(topology), `${basename(topology).replace(/\.clab\.ya?ml$/, '')}.bgplab.yml`);

const sideSchema = z.strictObject({
  checks: z.strictObject({ traceroute: z.array(tracerouteSchema).optional(), failover: z.array(failoverSchema).optional() }).optional(),
});

/** The side file's `checks:` (same form as a lab file's), every problem at file:line:col. Pure. */
export function parseSideFile(text: string, file: string): LabChecks {
  const p = parseYamlText(text);
  const located = (offset: number, msg: string) => {
    const { line, col } = p.at(offset);
    return `${file}:${line}:${col}: ${msg}`;
  };
  if (p.problems.length) throw new BgplabError('E_TOPOLOGY', `${file}: not valid YAML`, { details: p.problems.map((x) => located(x.offset, x.message)) });
  const r = sideSchema.safeParse(p.data ?? {});
  if (!r.success) {
    const at = (path: PropertyKey[]): number => {
      let n: unknown = (p.doc as Document).contents;
      let off = 0;
      for (const k of path) {
        const node = n as YamlNode;
        off = node?.range?.[0] ?? off;
        if (isMap(n)) n = n.items.find((i) => String((i.key as { value?: unknown })?.value) === String(k))?.value;
        else if (isSeq(n)) n = n.items[Number(k)];
        else break;
      }
      return (n as YamlNode | undefined)?.range?.[0] ?? off;
    };
    throw new BgplabError('E_TOPOLOGY', `${file}: ${r.error.issues.length} problem(s)`, {
      details: r.error.issues.map((i) => located(at(i.path), `${i.path.join('.')}: ${i.message}`)),
    });
  }
  const c = r.data.checks ?? {};
  return {
    traceroute: (c.traceroute ?? []).map((t) => ({ from: t.from, to: t.to, ...(t.hops ? { hops: t.hops } : {}), ...(t.flows ? { flows: t.flows } : {}) })),
    failover: (c.failover ?? []).map((f, i) => ({ name: f.name ?? `failover-${i + 1}`, kind: f.kind, target: f.target, ...(f.max_outage_ms !== undefined ? { maxOutageMs: f.max_outage_ms } : {}) })),
  };
}

export interface LoadedForeign {
  /** the topology's own `name:` */
  fileName: string;
  plan: DeployPlan;
  model: ForeignLab;
}

/** Is the program an exec line runs there on this host (namespaces run the host's programs)? */
async function hostHas(bin: string): Promise<boolean> {
  if (bin.includes('/')) return access(bin, constants.X_OK).then(() => true, () => false);
  return !!(await onPath(bin));
}

/**
 * Read a topology as a lab: unsupported keys and missing exec programs refused (each at
 * file:line:col), the FRR files read, the netns form of the plan and the model built.
 * Creates nothing.
 */
export async function loadForeign(file: string, o: { name?: string; checkExec?: boolean; runtime?: RuntimeKind } = {}): Promise<LoadedForeign> {
  const { abs, text } = await readTopologyText(file);
  const support = checkSupport(text);
  // containerlab runs the topology itself, with the images' programs: what netns cannot honour does not apply
  const netns = o.runtime !== 'clab';
  const problems = netns ? support.problems.map((p) => `${abs}:${p.line}:${p.col}: ${p.key}: ${p.message}`) : [];
  if (netns && o.checkExec !== false) {
    for (const e of support.exec) {
      if (!(await hostHas(e.argv[0]!))) {
        problems.push(`${abs}:${e.line}:${e.col}: topology.nodes.${e.node}.exec: "${e.text}": ${e.argv[0]} is not installed on this host (the node's image had it; without Docker a node runs the host's programs): install it, or drop the line`);
      }
    }
  }
  if (problems.length) {
    const lineOf = (p: string) => Number(p.slice(abs.length + 1).split(':')[0]);
    problems.sort((a, b) => lineOf(a) - lineOf(b));
    throw new BgplabError('E_TOPOLOGY', `${abs}: ${problems.length} thing(s) bgplab cannot run without Docker; nothing was created`, { details: problems });
  }
  if (o.name) assertNameOverride(o.name);
  const raw = parseTopology(text, abs);
  // exec lines as containerlab splits them (quotes kept together), in file order
  const exec = new Map<string, string[][]>();
  for (const e of support.exec) exec.set(e.node, [...(exec.get(e.node) ?? []), e.argv]);
  const startupConfig: Record<string, string> = {};
  const doc = parseYamlText(text).data as { topology?: { nodes?: Record<string, { 'startup-config'?: string } | null> } };
  for (const [n, v] of Object.entries(doc.topology?.nodes ?? {})) {
    const sc = v?.['startup-config'];
    if (typeof sc === 'string') startupConfig[n] = isAbsolute(sc) ? sc : resolve(raw.dir, sc);
  }
  const plan = netnsPlan(
    { ...raw, nodes: raw.nodes.map((n) => ({ ...n, exec: exec.get(n.name) ?? [] })) },
    { ...(o.name ? { name: o.name } : {}), frr10Available: await exists(FRR10_ROOTFS), startupConfig },
  );
  const confs: Record<string, { path: string; text: string }> = {};
  const missing: string[] = [];
  for (const n of plan.nodes) {
    if (!isRouterNode(n)) continue;
    const path = n.frrFiles['frr.conf'];
    if (!path) {
      missing.push(`node ${n.name}: kind: frr but binds no frr.conf into /etc/frr/ and has no startup-config`);
      continue;
    }
    try {
      confs[n.name] = { path, text: await readFile(path, 'utf8') };
    } catch (e) {
      missing.push(`node ${n.name}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`);
    }
  }
  if (missing.length) throw new BgplabError('E_TOPOLOGY', `${abs}: FRR nodes without a readable frr.conf; nothing was created`, { details: missing });
  const side = sideFileOf(abs);
  const checks = (await exists(side)) ? parseSideFile(await readFile(side, 'utf8'), side) : undefined;
  return { fileName: raw.name, plan, model: foreignLab(plan, confs, checks) };
}

/** A lab is foreign when its state points at a topology whose directory holds no bgplab.json. */
export async function isForeignState(st: LabState | undefined): Promise<boolean> {
  return !!st && !(await exists(join(st.dir, MODEL_FILE))) && (await exists(st.topology));
}

/** The model of a running foreign lab (its state names the topology and the lab's name). */
export async function foreignModelOf(st: LabState): Promise<ForeignLab> {
  return (await loadForeign(st.topology, { name: st.name, checkExec: false, runtime: st.runtime })).model;
}

/** The bgplab model view of a foreign lab, for what acts on nodes and links only (fail, heal, capture, graph). */
export function compatLab(f: ForeignLab): Lab {
  const ifs = (n: string) => f.links.flatMap((l) => [l.a, l.b]).filter((e) => e.node === n).map((e) => e.ifname);
  return {
    name: f.name,
    frr: '8.4',
    source: f.topology,
    nodes: f.nodes.map((n) => ({
      name: n.name,
      role: n.router ? 'router' : 'server',
      asn: n.asn ?? 0,
      loopback: n.loopbacks[0] ?? n.unadvertised[0] ?? n.addresses[0] ?? '0.0.0.0',
      announce: [],
      bfd: { enabled: false, intervalMs: 300, multiplier: 3 },
      image: '',
      interfaces: ifs(n.name),
    })),
    links: f.links.map((l) => ({ a: l.a, b: l.b })),
    sessions: [],
    checks: f.checks,
    options: { transitFilters: true, keepalive: 3, hold: 9 },
  };
}

/** The name the topology file itself gives the lab (before --name). */
const parseTopologyName = (l: LoadedForeign) => l.fileName;

export interface ForeignUpOptions {
  topology: string;
  name?: string;
  runtime: RuntimeChoice;
  timeoutSec: number;
}

export interface ForeignUpResult {
  model: ForeignLab;
  selected: SelectedRuntime;
  wait: ForeignWait;
  timings: StepTiming[];
}

/** Lines of a table of what up waited for. */
export function formatForeignWait(w: ForeignWait): string {
  const o = w.last;
  const up = (b: boolean) => (b ? 'up' : 'DOWN');
  return [
    ...o.sessions.map((s) => `  bgp   ${s.node.padEnd(12)} ${s.peer.padEnd(18)} ${(s.peerNode ?? '?').padEnd(12)} ${s.state}`),
    ...o.adjacencies.map((a) => `  ospf${a.version === 3 ? '3' : ' '} ${a.node.padEnd(12)} ${a.ifname.padEnd(18)} ${a.peerNode.padEnd(12)} ${a.state}`),
    `  reach ${o.reach.filter((r) => r.ok).length}/${o.reach.length} pings answered (host→host, node→advertised loopback) (${up(o.reach.every((r) => r.ok))})`,
  ].join('\n');
}

export async function bringUpForeign(o: ForeignUpOptions, app: AppOptions = {}): Promise<ForeignUpResult> {
  const onEvent = app.onEvent ?? ignore;
  const timings: StepTiming[] = [];
  let loaded: LoadedForeign | undefined;
  let selected: SelectedRuntime | undefined;
  let wait: ForeignWait | undefined;
  let deployed = false;
  try {
    await runSteps(
      [
        {
          key: 'validate',
          title: `read ${o.topology}`,
          run: async (h) => {
            // the point of running someone's containerlab lab here is running it without Docker:
            // auto means netns; --runtime clab runs it with containerlab, unchanged
            selected = await selectRuntime(o.runtime === 'auto' ? 'netns' : o.runtime);
            await selected.runtime.preflight();
            loaded = await loadForeign(o.topology, { ...(o.name ? { name: o.name } : {}), runtime: selected.kind });
            if (selected.kind === 'clab' && o.name && o.name !== parseTopologyName(loaded)) {
              throw new BgplabError('E_USAGE', `--name ${o.name}: containerlab names the lab from the topology file's name: (${parseTopologyName(loaded)})`, {
                hint: 'drop --name on --runtime clab, or use the netns runtime',
              });
            }
            const m = loaded.model;
            h.title(`read ${o.topology}: lab ${m.name}, ${m.nodes.filter((n) => n.router).length} FRR nodes, ${m.nodes.filter((n) => !n.router).length} hosts, ${m.links.length} links; expects ${m.sessions.length} BGP sessions, ${m.adjacencies.length} OSPF adjacencies`);
            throwIfAborted(app.signal);
          },
        },
        {
          key: 'deploy',
          title: 'deploy',
          run: async (h) => {
            h.title(`deploy on ${selected!.kind} (${selected!.reason})`);
            await deployLab(selected!.runtime, loaded!.plan.dir, await availableRuntimes(), { onProgress: (m) => h.output(m) }, loaded!.plan);
            deployed = true;
            throwIfAborted(app.signal);
          },
        },
        {
          key: 'converge',
          title: 'sessions Established, adjacencies Full, pings answered, routes settled',
          run: async (h) => {
            wait = await waitForeign(selected!.runtime, loaded!.model, o.timeoutSec * 1000, { ...(app.signal ? { signal: app.signal } : {}) });
            const w = wait;
            h.title(`converged: BGP at ${w.sessionsMs ?? '-'} ms, OSPF at ${w.adjacenciesMs ?? '-'} ms, every expected ping at ${w.reachMs ?? '-'} ms, routes settled at ${w.stableMs ?? '-'} ms`);
            if (!w.ok) throw new BgplabError('E_WAIT_TIMEOUT', `timed out after ${o.timeoutSec} s`);
          },
        },
      ],
      onEvent,
      timings,
    );
  } catch (e) {
    if (app.signal?.aborted || isBgplabError(e, 'E_INTERRUPTED')) {
      if (deployed && loaded && selected) await selected.runtime.destroy(loaded.plan.name);
      throw new BgplabError('E_INTERRUPTED', `interrupted${deployed ? `: lab ${loaded?.plan.name} was taken down` : ''}`);
    }
    if (isBgplabError(e, 'E_WAIT_TIMEOUT') && wait && loaded) {
      onEvent({ type: 'print', text: formatForeignWait(wait) });
      throw new BgplabError('E_WAIT_TIMEOUT', `lab ${loaded.plan.name} did not converge in ${o.timeoutSec} s (left up for inspection)`, {
        details: stuckLines(wait.last),
        hint: `look: bgplab vtysh --lab ${loaded.plan.name} NODE -c 'show ip ospf neighbor'; take it down: bgplab down ${loaded.plan.name}`,
      });
    }
    throw e;
  }
  onEvent({ type: 'print', text: formatForeignWait(wait!) });
  onEvent({ type: 'print', text: formatTimings(timings) });
  return { model: loaded!.model, selected: selected!, wait: wait!, timings };
}

/**
 * A containerlab topology file (`<lab>.clab.yml`) turned into a runtime-neutral deploy
 * plan: nodes (kind, image, labels, sysctls, binds, exec), links (both ends). Pure except
 * for `loadTopology`/`findTopologyFile`, which read files.
 *
 * The netns runtime deploys from this plan, so any containerlab topology whose nodes run
 * FRR (config bound into /etc/frr) runs without Docker. What is supported, and how
 * containerlab's inheritance is mirrored:
 * - node settings come from `topology.defaults`, then `topology.kinds.<kind>`, then
 *   `topology.groups.<group>`, then the node: maps (labels, sysctls, env) merge key by key,
 *   binds merge by container path (the later wins), scalars and `exec` are replaced;
 * - bind sources are relative to the topology file's directory (`~` is $HOME);
 * - links: the brief form `endpoints: ["a:eth1", "b:eth1"]` and the extended veth form
 *   `{type: veth, endpoints: [{node, interface}, ...]}`; `host:`, `mgmt-net:`, `macvlan:`
 *   endpoints and other link types touch the host and are refused.
 */
import { readFile, readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { BgplabError } from '../util/errors.js';
import { isObj, type Obj } from '../util/obj.js';

export interface PlanEndpoint {
  node: string;
  ifname: string;
}

export interface PlanLink {
  a: PlanEndpoint;
  b: PlanEndpoint;
  mtu?: number;
}

export interface PlanBind {
  /** absolute host path */
  source: string;
  /** path inside the node (container) */
  target: string;
  /** ro / rw, when given */
  mode?: string;
}

export interface PlanNode {
  name: string;
  kind: string;
  image?: string;
  labels: Record<string, string>;
  /** sysctl key → value, in file order */
  sysctls: [string, string][];
  binds: PlanBind[];
  /** commands to run inside the node after its links exist, each split on whitespace (no shell) */
  exec: string[][];
  env: Record<string, string>;
  /** Host paths of the files bound into /etc/frr/, keyed by file name (frr.conf, daemons, vtysh.conf, ...) */
  frrFiles: Record<string, string>;
  /** Fabric interfaces of the node, in link order */
  interfaces: string[];
  /** container settings (containerlab runtime): capabilities added, privileged (containerlab's default: true), network mode */
  capAdd: string[];
  privileged: boolean;
  networkMode: string;
}

export interface DeployPlan {
  name: string;
  /** absolute path of the topology file */
  file: string;
  /** directory of the topology file (bind sources are relative to it) */
  dir: string;
  nodes: PlanNode[];
  links: PlanLink[];
  /** `mgmt.skip-when-unused: true`: containerlab creates no management network when no node uses it */
  mgmtSkipWhenUnused: boolean;
}

/** containerlab's rule for lab and node names (they become container / namespace names). */
export const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9-._]+$/;
/** Linux interface names: at most 15 bytes (IFNAMSIZ - 1), no '/', ':' or whitespace. */
export const IFNAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,14}$/;
const FRR_DIR = '/etc/frr/';


/** Split an exec command on whitespace, as containerlab does for `kind: linux` (no shell). */
export function splitCommand(cmd: string): string[] {
  return cmd.trim().split(/\s+/).filter(Boolean);
}

function parseBind(spec: string, baseDir: string): PlanBind | string {
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3 || !parts[0] || !parts[1]) return `bind "${spec}" is not "source:target[:mode]"`;
  let src = parts[0];
  if (src === '~' || src.startsWith('~/')) src = join(homedir(), src.slice(1));
  const source = isAbsolute(src) ? src : resolve(baseDir, src);
  return { source, target: parts[1], ...(parts[2] ? { mode: parts[2] } : {}) };
}

function scalarString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** One layer of node settings (defaults, kind, group or node). */
interface Layer {
  kind?: string;
  image?: string;
  group?: string;
  labels?: Obj;
  sysctls?: Obj;
  env?: Obj;
  binds?: unknown;
  exec?: unknown;
  'cap-add'?: unknown;
  privileged?: unknown;
  'network-mode'?: unknown;
}

/**
 * Parse topology text. `file` is the absolute path of the topology (bind sources are
 * resolved against its directory). Throws one BgplabError listing every problem.
 */
export function parseTopology(text: string, file: string): DeployPlan {
  const problems: string[] = [];
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (e) {
    throw new BgplabError('E_TOPOLOGY', `${file}: not valid YAML: ${(e as Error).message.split('\n')[0]}`, { cause: e });
  }
  if (!isObj(data)) throw new BgplabError('E_TOPOLOGY', `${file}: a containerlab topology must be a YAML mapping`);
  const name = scalarString(data['name']) ?? '';
  if (!NAME_RE.test(name)) problems.push(`name "${name}" must match ${NAME_RE.source}`);
  const topo = data['topology'];
  if (!isObj(topo)) throw new BgplabError('E_TOPOLOGY', `${file}: missing "topology:" mapping`);
  const dir = dirname(file);

  const defaults: Layer = isObj(topo['defaults']) ? (topo['defaults'] as Layer) : {};
  const kinds = isObj(topo['kinds']) ? topo['kinds'] : {};
  const groups = isObj(topo['groups']) ? topo['groups'] : {};
  const rawNodes = topo['nodes'];
  if (!isObj(rawNodes) || Object.keys(rawNodes).length === 0) problems.push('topology.nodes must be a non-empty mapping');

  const nodes: PlanNode[] = [];
  for (const [nodeName, raw] of Object.entries(isObj(rawNodes) ? rawNodes : {})) {
    const where = `node ${nodeName}`;
    if (!NAME_RE.test(nodeName)) problems.push(`${where}: name must match ${NAME_RE.source}`);
    const own: Layer = isObj(raw) ? (raw as Layer) : {};
    const group = scalarString(own.group) ?? scalarString(defaults.group);
    const groupLayer: Layer = group && isObj(groups[group]) ? (groups[group] as Layer) : {};
    // the kind may come from the node, its group or the defaults (containerlab's frr01 example sets it in a group)
    const kind = scalarString(own.kind) ?? scalarString(groupLayer.kind) ?? scalarString(defaults.kind) ?? '';
    const kindLayer: Layer = isObj(kinds[kind]) ? (kinds[kind] as Layer) : {};
    const layers = [defaults, kindLayer, groupLayer, own];
    if (kind !== 'linux' && kind !== 'frr') problems.push(`${where}: kind "${kind}" is not supported (only kind: linux and kind: frr nodes)`);

    const mergeMap = (key: 'labels' | 'sysctls' | 'env'): [string, string][] => {
      const m = new Map<string, string>();
      for (const l of layers) {
        const v = l[key];
        if (v === undefined || v === null) continue;
        if (!isObj(v)) {
          problems.push(`${where}: ${key} must be a mapping`);
          continue;
        }
        for (const [k, val] of Object.entries(v)) {
          const s = scalarString(val);
          if (s === undefined) problems.push(`${where}: ${key}.${k} must be a scalar`);
          else m.set(k, s);
        }
      }
      return [...m];
    };
    const sysctls = mergeMap('sysctls');
    for (const [k] of sysctls) {
      if (!/^net\.[a-zA-Z0-9_.-]+$/.test(k)) problems.push(`${where}: sysctl "${k}" is not a namespaced net.* sysctl`);
    }

    const bindsByTarget = new Map<string, PlanBind>();
    for (const l of layers) {
      if (l.binds === undefined || l.binds === null) continue;
      if (!Array.isArray(l.binds)) {
        problems.push(`${where}: binds must be a list`);
        continue;
      }
      for (const b of l.binds) {
        const r = typeof b === 'string' ? parseBind(b, dir) : `bind ${JSON.stringify(b)} is not a string`;
        if (typeof r === 'string') problems.push(`${where}: ${r}`);
        else bindsByTarget.set(r.target, r);
      }
    }
    const binds = [...bindsByTarget.values()];
    const frrFiles: Record<string, string> = {};
    for (const b of binds) {
      if (!b.target.startsWith(FRR_DIR)) continue;
      const rel = b.target.slice(FRR_DIR.length);
      if (!rel || rel.includes('/')) {
        problems.push(`${where}: bind target ${b.target}: only files directly in /etc/frr/ are supported`);
        continue;
      }
      frrFiles[rel] = b.source;
    }

    let execRaw: unknown;
    for (const l of layers) if (l.exec !== undefined && l.exec !== null) execRaw = l.exec;
    const exec: string[][] = [];
    if (execRaw !== undefined) {
      if (!Array.isArray(execRaw)) problems.push(`${where}: exec must be a list of commands`);
      else
        for (const c of execRaw) {
          const s = scalarString(c);
          const argv = s === undefined ? [] : splitCommand(s);
          if (argv.length === 0) problems.push(`${where}: exec entry ${JSON.stringify(c)} is not a command`);
          else exec.push(argv);
        }
    }

    // scalars and lists: a later layer replaces
    let image: string | undefined;
    let capAdd: string[] = [];
    let privileged = true;
    let networkMode = '';
    for (const l of layers) {
      image = scalarString(l.image) ?? image;
      if (Array.isArray(l['cap-add'])) capAdd = l['cap-add'].map(String);
      if (typeof l.privileged === 'boolean') privileged = l.privileged;
      if (typeof l['network-mode'] === 'string') networkMode = l['network-mode'];
    }

    nodes.push({
      name: nodeName,
      kind,
      ...(image !== undefined ? { image } : {}),
      labels: Object.fromEntries(mergeMap('labels')),
      sysctls,
      binds,
      exec,
      env: Object.fromEntries(mergeMap('env')),
      frrFiles,
      interfaces: [],
      capAdd,
      privileged,
      networkMode,
    });
  }

  const byName = new Map(nodes.map((n) => [n.name, n]));
  const links: PlanLink[] = [];
  const used = new Set<string>();
  const rawLinks = topo['links'] ?? [];
  if (!Array.isArray(rawLinks)) problems.push('topology.links must be a list');
  (Array.isArray(rawLinks) ? rawLinks : []).forEach((raw, i) => {
    const where = `link ${i + 1}`;
    if (!isObj(raw)) {
      problems.push(`${where}: must be a mapping`);
      return;
    }
    const type = scalarString(raw['type']);
    if (type !== undefined && type !== 'veth') {
      problems.push(`${where}: link type "${type}" is not supported by the netns runtime (only veth links between nodes)`);
      return;
    }
    const eps = raw['endpoints'];
    if (!Array.isArray(eps) || eps.length !== 2) {
      problems.push(`${where}: endpoints must list exactly two ends`);
      return;
    }
    const ends: PlanEndpoint[] = [];
    for (const ep of eps) {
      let node: string | undefined;
      let ifname: string | undefined;
      if (typeof ep === 'string') {
        const k = ep.indexOf(':');
        if (k > 0) {
          node = ep.slice(0, k);
          ifname = ep.slice(k + 1);
        }
      } else if (isObj(ep)) {
        node = scalarString(ep['node']);
        ifname = scalarString(ep['interface']);
      }
      if (!node || !ifname) {
        problems.push(`${where}: endpoint ${JSON.stringify(ep)} is not "node:interface"`);
        return;
      }
      if (node === 'host' || node === 'mgmt-net' || node === 'macvlan' || node === 'ovs-bridge') {
        problems.push(`${where}: ${node}: endpoints touch the host and are not supported by the netns runtime`);
        return;
      }
      const n = byName.get(node);
      if (!n) {
        problems.push(`${where}: endpoint "${node}:${ifname}" names an unknown node`);
        return;
      }
      if (!IFNAME_RE.test(ifname)) {
        problems.push(`${where}: interface name "${ifname}" of ${node} is not a valid Linux interface name (max 15 characters)`);
        return;
      }
      if (ifname === 'eth0') {
        problems.push(`${where}: ${node}:eth0 is containerlab's management interface; fabric links start at eth1`);
        return;
      }
      if (used.has(`${node}:${ifname}`)) {
        problems.push(`${where}: ${node}:${ifname} is used by two links`);
        return;
      }
      used.add(`${node}:${ifname}`);
      ends.push({ node, ifname });
    }
    const mtu = raw['mtu'];
    const link: PlanLink = { a: ends[0]!, b: ends[1]! };
    if (typeof mtu === 'number') link.mtu = mtu;
    links.push(link);
    byName.get(link.a.node)!.interfaces.push(link.a.ifname);
    byName.get(link.b.node)!.interfaces.push(link.b.ifname);
  });

  if (problems.length) {
    throw new BgplabError('E_TOPOLOGY', `${file}: ${problems.length} problem${problems.length > 1 ? 's' : ''} in the topology`, {
      details: problems,
    });
  }
  const mgmt = isObj(data['mgmt']) ? data['mgmt'] : {};
  return { name, file, dir, nodes, links, mgmtSkipWhenUnused: mgmt['skip-when-unused'] === true };
}

/** A topology file's absolute path and text (E_TOPOLOGY when it cannot be read). */
export async function readTopologyText(file: string): Promise<{ abs: string; text: string }> {
  const abs = resolve(file);
  try {
    return { abs, text: await readFile(abs, 'utf8') };
  } catch (e) {
    throw new BgplabError('E_TOPOLOGY', `cannot read topology ${abs}: ${(e as NodeJS.ErrnoException).code ?? e}`, { cause: e });
  }
}

export async function loadTopology(file: string): Promise<DeployPlan> {
  const { abs, text } = await readTopologyText(file);
  return parseTopology(text, abs);
}

/**
 * The topology file of an artifacts directory: `<dir>/<lab>.clab.yml` (or a path to the
 * file itself). Exactly one `*.clab.yml` must be present when the name is not given.
 */
export async function findTopologyFile(dirOrFile: string, lab?: string): Promise<string> {
  const abs = resolve(dirOrFile);
  if (/\.clab\.ya?ml$/.test(abs)) return abs;
  if (lab) return join(abs, `${lab}.clab.yml`);
  let entries: string[];
  try {
    entries = await readdir(abs);
  } catch (e) {
    throw new BgplabError('E_ARTIFACTS', `cannot read artifacts directory ${abs}: ${(e as NodeJS.ErrnoException).code ?? e}`, {
      hint: 'run `bgplab generate LABFILE -o DIR` first',
      cause: e,
    });
  }
  const found = entries.filter((e) => /\.clab\.ya?ml$/.test(e));
  if (found.length !== 1) {
    throw new BgplabError(
      'E_ARTIFACTS',
      found.length === 0 ? `no *.clab.yml topology in ${abs}` : `several topologies in ${abs}: ${found.join(', ')}`,
      { hint: 'pass the topology file itself, or a directory written by `bgplab generate`' },
    );
  }
  return join(abs, found[0]!);
}

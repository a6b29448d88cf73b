/**
 * What of a containerlab topology bgplab can run without Docker, judged on the text with
 * positions: every key it cannot honour is a problem at file:line:col naming the key and
 * why, so a lab never comes up different from what the file says (no silent skips). Also
 * the exec commands with their positions and argv (shell-like split, no shell). Pure.
 */
import { isMap, isScalar, isSeq, type Document, type Node as YamlNode } from 'yaml';
import { parseYamlText } from '../lab/yaml-text.js';

export interface TopologyProblem {
  line: number;
  col: number;
  key: string;
  message: string;
}

export interface LocatedExec {
  node: string;
  argv: string[];
  text: string;
  line: number;
  col: number;
}

const TOP_KEYS = new Set(['name', 'topology', 'mgmt']);
const TOPOLOGY_KEYS = new Set(['nodes', 'links', 'defaults', 'kinds', 'groups']);
/** Node keys honoured on netns (see README "Running a containerlab lab") */
const NODE_KEYS = new Set(['kind', 'image', 'group', 'labels', 'binds', 'exec', 'env', 'sysctls', 'cap-add', 'privileged', 'image-pull-policy', 'startup-config']);
const WHY: Record<string, string> = {
  'mgmt-ipv4': 'a management-network address: nodes have no management network (eth0) without Docker',
  'mgmt-ipv6': 'a management-network address: nodes have no management network (eth0) without Docker',
  ports: 'publishing ports maps host ports into a container: nothing on the host is changed',
  'network-mode': 'sharing another network namespace (host, container:) is a Docker feature (only network-mode: none)',
  cmd: "the image's command: the node runs the host's programs, not the image",
  entrypoint: "the image's entrypoint: the node runs the host's programs, not the image",
  'startup-config': 'startup-config is only read for kind: frr nodes (as its frr.conf)',
  license: 'a licence file for a vendor image',
};
const LINK_KEYS = new Set(['endpoints', 'type', 'mtu']);
const MGMT_KEYS = new Set(['skip-when-unused']);
const KINDS = new Set(['linux', 'frr']);

/** Split a command as a shell would split words (quotes, backslashes), without running a shell. undefined: an unclosed quote. */
export function shellSplit(cmd: string): string[] | undefined {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let q: '"' | "'" | undefined;
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i]!;
    if (q === "'") {
      if (c === "'") q = undefined;
      else cur += c;
    } else if (q === '"') {
      if (c === '"') q = undefined;
      else if (c === '\\' && i + 1 < cmd.length && '"\\$`'.includes(cmd[i + 1]!)) cur += cmd[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      q = c;
      has = true;
    } else if (c === '\\' && i + 1 < cmd.length) {
      cur += cmd[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur) out.push(cur);
      cur = '';
      has = false;
    } else cur += c;
  }
  if (q) return undefined;
  if (has || cur) out.push(cur);
  return out;
}

/** Shell syntax an exec line may not rely on: it runs without a shell, as containerlab runs it. */
const SHELL_RE = /[|;&<>`]|\$\(/;

/** The command with its quoted parts blanked: what a shell would read as syntax. */
export function unquoted(cmd: string): string {
  let out = '';
  let q: string | undefined;
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i]!;
    if (q) {
      if (c === q) q = undefined;
      else if (q === '"' && c === '\\') i++;
      out += ' ';
    } else if (c === '"' || c === "'") {
      q = c;
      out += ' ';
    } else if (c === '\\') {
      i++;
      out += ' ';
    } else out += c;
  }
  return out;
}

/**
 * The programs an exec line may run without Docker. A netns node is only a network
 * namespace: its exec lines run the host's programs on the host's filesystem, as root, so
 * only commands confined to the node's network are run (what containerlab labs use them
 * for: addresses, routes, links, sysctls, filters, pings). `sh -c "echo hi > /tmp/x"`
 * would write the host's /tmp; `ip netns ...` / `ip -n` would reach other namespaces;
 * `sysctl -p FILE` or a non-net key would change the host.
 */
export const CONFINED_PROGRAMS = ['ip', 'tc', 'bridge', 'sysctl', 'ethtool', 'nft', 'iptables', 'ip6tables', 'ping', 'arping', 'traceroute', 'sleep'] as const;

/** Why an exec command could reach outside the node's network namespace, or undefined when it cannot. */
export function unconfined(argv: readonly string[]): string | undefined {
  const prog = argv[0]!;
  const base = prog.slice(prog.lastIndexOf('/') + 1);
  if (!(CONFINED_PROGRAMS as readonly string[]).includes(base) || (prog.includes('/') && !/^\/(usr\/)?s?bin\//.test(prog))) {
    return `${prog} would run on this host's filesystem (without Docker a node is only a network namespace): netns runs exec commands confined to the node's network (${CONFINED_PROGRAMS.join(', ')}); run the lab on containerlab for anything else`;
  }
  const args = argv.slice(1);
  if ((base === 'ip' || base === 'tc' || base === 'bridge') && args.some((a, i) => /^-(n|netns|all|a)$/.test(a) || (a === 'netns' && i === args.findIndex((x) => !x.startsWith('-'))))) {
    return `${base} ${args.join(' ')} would reach other network namespaces than the node's`;
  }
  if (base === 'sysctl') {
    const bad = args.find((a) => a.startsWith('-') ? !/^-(w|q|e|n|N)+$/.test(a) : !/^net\./.test(a));
    if (bad !== undefined) return `sysctl ${bad}: only net.* keys (set with -w) are the node's own; anything else is the host's`;
  }
  return undefined;
}

/** Does an exec line rely on a shell (a pipe, a redirection, &&, ;, $(...), backquotes outside quotes)? */
export const usesShell = (cmd: string) => SHELL_RE.test(unquoted(cmd));

export interface SupportResult {
  problems: TopologyProblem[];
  exec: LocatedExec[];
}

/** Every key of the topology netns cannot honour, and every node's exec commands located. */
export function checkSupport(text: string): SupportResult {
  const parsed = parseYamlText(text);
  const problems: TopologyProblem[] = [];
  const exec: LocatedExec[] = [];
  if (!parsed.doc || parsed.problems.length) {
    for (const p of parsed.problems) problems.push({ ...parsed.at(p.offset), key: '(yaml)', message: p.message });
    return { problems, exec };
  }
  const at = (n: YamlNode | null | undefined) => parsed.at(n?.range?.[0] ?? 0);
  const push = (n: YamlNode | null | undefined, key: string, message: string) => problems.push({ ...at(n), key, message });
  const entries = (n: unknown): [string, YamlNode | null, YamlNode][] =>
    isMap(n) ? n.items.map((p) => [isScalar(p.key) ? String(p.key.value) : '?', p.value as YamlNode | null, p.key as YamlNode]) : [];
  const get = (n: unknown, k: string) => entries(n).find(([key]) => key === k)?.[1] ?? undefined;
  const doc = parsed.doc as Document;
  const root = doc.contents;
  for (const [k, , kn] of entries(root)) {
    if (!TOP_KEYS.has(k)) push(kn, k, k === 'prefix' ? 'a container name prefix: netns names are always clab-<lab>-<node>' : `top-level key "${k}" is not supported without Docker`);
  }
  for (const [k, , kn] of entries(get(root, 'mgmt'))) {
    if (!MGMT_KEYS.has(k)) push(kn, `mgmt.${k}`, 'management-network settings: nodes have no management network without Docker');
  }
  const topo = get(root, 'topology');
  for (const [k, , kn] of entries(topo)) if (!TOPOLOGY_KEYS.has(k)) push(kn, `topology.${k}`, `"${k}" is not supported without Docker`);

  const checkLayer = (layer: unknown, path: string, kindOf: () => string | undefined) => {
    for (const [k, v, kn] of entries(layer)) {
      if (k === 'group' && path.startsWith('topology.groups')) push(kn, `${path}.${k}`, 'a group cannot name a group');
      if (k === 'kind' && isScalar(v) && !KINDS.has(String(v.value))) {
        push(v, `${path}.kind`, `kind "${String(v.value)}" needs its vendor image (Docker): only kind: linux and kind: frr nodes run without Docker`);
      }
      if (k === 'startup-config' && NODE_KEYS.has(k) && kindOf() === 'frr') continue;
      // no Docker network at all: what a namespace here is anyway (bgplab's own topologies say so)
      if (k === 'network-mode' && isScalar(v) && String(v.value) === 'none') continue;
      if (!NODE_KEYS.has(k) || k === 'startup-config') push(kn, `${path}.${k}`, WHY[k] ?? `"${k}" is not supported without Docker`);
    }
  };
  const kindsNode = get(topo, 'kinds');
  const groupsNode = get(topo, 'groups');
  const defaultsNode = get(topo, 'defaults');
  const scalar = (n: unknown) => (isScalar(n) ? String(n.value) : undefined);
  checkLayer(defaultsNode, 'topology.defaults', () => scalar(get(defaultsNode, 'kind')));
  for (const [k, v, kn] of entries(kindsNode)) {
    if (!KINDS.has(k)) push(kn, `topology.kinds.${k}`, `kind "${k}" needs its vendor image (Docker): only linux and frr run without Docker`);
    checkLayer(v, `topology.kinds.${k}`, () => k);
  }
  for (const [g, v] of entries(groupsNode)) checkLayer(v, `topology.groups.${g}`, () => scalar(get(v, 'kind')) ?? scalar(get(defaultsNode, 'kind')));
  for (const [name, v] of entries(get(topo, 'nodes'))) {
    const groupName = scalar(get(v, 'group')) ?? scalar(get(defaultsNode, 'group'));
    const groupNode = groupName ? get(groupsNode, groupName) : undefined;
    const kind = scalar(get(v, 'kind')) ?? scalar(get(groupNode, 'kind')) ?? scalar(get(defaultsNode, 'kind'));
    if (!kind) push(v, `topology.nodes.${name}`, 'node has no kind (set kind: linux, in the node, its group or topology.defaults)');
    checkLayer(v, `topology.nodes.${name}`, () => kind);
    // exec: the last layer that has it (defaults < kind < group < node), as topology.ts merges
    const layers = [defaultsNode, kind ? get(kindsNode, kind) : undefined, groupNode, v];
    let execNode: YamlNode | null | undefined;
    for (const l of layers) {
      const e = get(l, 'exec');
      if (e) execNode = e;
    }
    if (isSeq(execNode)) {
      for (const item of execNode.items) {
        const t = isScalar(item) ? String(item.value) : undefined;
        const pos = at(item as YamlNode);
        if (t === undefined) continue;
        const argv = shellSplit(t);
        if (!argv) push(item as YamlNode, `topology.nodes.${name}.exec`, `unclosed quote in "${t}"`);
        else if (usesShell(t)) push(item as YamlNode, `topology.nodes.${name}.exec`, `"${t}" uses shell syntax: exec commands run without a shell (as containerlab runs them); split it into one command a line`);
        else if (argv.length && unconfined(argv)) push(item as YamlNode, `topology.nodes.${name}.exec`, `"${t}": ${unconfined(argv)}`);
        else if (argv.length) exec.push({ node: name, argv, text: t, ...pos });
      }
    }
  }
  const links = get(topo, 'links');
  if (isSeq(links)) {
    links.items.forEach((l, i) => {
      for (const [k, v, kn] of entries(l)) {
        if (!LINK_KEYS.has(k)) push(kn, `topology.links[${i}].${k}`, `"${k}" is not supported without Docker`);
        if (k === 'type' && scalar(v) !== 'veth') push(v, `topology.links[${i}].type`, `link type "${scalar(v)}" (host, mgmt-net, macvlan, vxlan, dummy) touches the host or needs Docker: only veth links between nodes`);
      }
      const eps = get(l, 'endpoints');
      if (isSeq(eps)) {
        for (const ep of eps.items) {
          const s = scalar(ep) ?? scalar(get(ep, 'node'));
          const node = s?.split(':')[0];
          if (node && ['host', 'mgmt-net', 'macvlan', 'ovs-bridge', 'bridge'].includes(node)) {
            push(ep as YamlNode, `topology.links[${i}].endpoints`, `"${s}": an endpoint on the host or its management network; netns labs change nothing on the host`);
          }
        }
      }
    });
  }
  problems.sort((a, b) => a.line - b.line || a.col - b.col);
  return { problems, exec };
}

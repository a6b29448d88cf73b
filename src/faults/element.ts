/**
 * What a workshop command names: `node:ifname` (one end of a link), `nodeA--nodeB` (the
 * link between them; with parallel links name an interface: `nodeA:eth3--nodeB`), or
 * `node`. Resolved against the lab model, pure: an unknown name is a user error that
 * lists what exists (the nodes, a node's interfaces, the links between two nodes).
 */
import type { Endpoint, Lab, LabLink } from '../lab/model.js';
import { BgplabError } from '../util/errors.js';

export type Target =
  /** a link: `a` is the end named first (the end a link-down sets down) */
  | { kind: 'link'; a: Endpoint; b: Endpoint }
  | { kind: 'node'; node: string };

export function describeTarget(t: Target): string {
  return t.kind === 'node' ? t.node : `${t.a.node}:${t.a.ifname}--${t.b.node}:${t.b.ifname}`;
}

const bad = (text: string, msg: string, hint: string) =>
  new BgplabError('E_FAILOVER_TARGET', `"${text}": ${msg}`, { hint, data: { element: text } });

const list = (xs: readonly string[], max = 24) => (xs.length > max ? `${xs.slice(0, max).join(', ')}, … (${xs.length} in all)` : xs.join(', '));

function requireNode(lab: Lab, text: string, name: string): void {
  if (lab.nodes.some((n) => n.name === name)) return;
  throw bad(text, `lab ${lab.name} has no node "${name}"`, `nodes: ${list(lab.nodes.map((n) => n.name))}`);
}

/** The link as seen from `node`'s end (that end first). */
function fromEnd(l: LabLink, node: string, ifname?: string): { a: Endpoint; b: Endpoint } {
  const aFirst = l.a.node === node && (ifname === undefined || l.a.ifname === ifname);
  return aFirst ? { a: l.a, b: l.b } : { a: l.b, b: l.a };
}

function linksAt(lab: Lab, node: string): LabLink[] {
  return lab.links.filter((l) => l.a.node === node || l.b.node === node);
}

function parseEnd(text: string, part: string): { node: string; ifname?: string } {
  const m = /^([^:\s]+)(?::([^:\s]+))?$/.exec(part);
  if (!m) throw bad(text, `"${part}" is neither a node nor node:interface`, 'elements: node, node:ifname, nodeA--nodeB');
  return { node: m[1]!, ...(m[2] !== undefined ? { ifname: m[2] } : {}) };
}

function endLink(lab: Lab, text: string, node: string, ifname: string): LabLink {
  const l = linksAt(lab, node).find((x) => (x.a.node === node && x.a.ifname === ifname) || (x.b.node === node && x.b.ifname === ifname));
  if (l) return l;
  const ifs = linksAt(lab, node).map((x) => {
    const { a, b } = fromEnd(x, node);
    return `${a.ifname} (to ${b.node})`;
  });
  throw bad(text, `node ${node} has no fabric interface "${ifname}"`, `its interfaces: ${list(ifs) || 'none'}`);
}

/** Resolve an element's text against the model; throws E_FAILOVER_TARGET listing what exists. */
export function parseElement(lab: Lab, text: string): Target {
  const t = text.trim();
  if (!t) throw bad(text, 'empty element', 'elements: node, node:ifname, nodeA--nodeB');
  const parts = t.split('--');
  if (parts.length > 2) throw bad(text, 'a link has two ends', 'e.g. leaf1--spine1');
  if (parts.length === 1) {
    const e = parseEnd(text, t);
    requireNode(lab, text, e.node);
    if (e.ifname === undefined) return { kind: 'node', node: e.node };
    return { kind: 'link', ...fromEnd(endLink(lab, text, e.node, e.ifname), e.node, e.ifname) };
  }
  const x = parseEnd(text, parts[0]!);
  const y = parseEnd(text, parts[1]!);
  requireNode(lab, text, x.node);
  requireNode(lab, text, y.node);
  const between = linksAt(lab, x.node)
    .filter((l) => (l.a.node === y.node && l.b.node === x.node) || (l.b.node === y.node && l.a.node === x.node))
    .map((l) => fromEnd(l, x.node));
  if (!between.length) {
    const nbrs = [...new Set(linksAt(lab, x.node).map((l) => fromEnd(l, x.node).b.node))];
    throw bad(text, `no link between ${x.node} and ${y.node}`, `${x.node} links to: ${list(nbrs) || 'nothing'}`);
  }
  const pick = between.filter((l) => (x.ifname === undefined || l.a.ifname === x.ifname) && (y.ifname === undefined || l.b.ifname === y.ifname));
  if (pick.length === 1) return { kind: 'link', ...pick[0]! };
  const all = between.map((l) => `${l.a.node}:${l.a.ifname}--${l.b.node}:${l.b.ifname}`);
  if (!pick.length) throw bad(text, `no link between ${x.node} and ${y.node} on those interfaces`, `the links: ${list(all)}`);
  throw bad(text, `${pick.length} parallel links between ${x.node} and ${y.node}: name an interface`, `one of: ${list(all)}`);
}

/** Every link end of a node, its own end first (what --isolate sets down). */
export function nodeEnds(lab: Lab, node: string): Endpoint[] {
  return linksAt(lab, node).map((l) => fromEnd(l, node).a);
}

/** The expected sessions a target carries (both directions): what must go down when it breaks. */
export function targetSessions(lab: Lab, t: Target): Lab['sessions'] {
  if (t.kind === 'node') return lab.sessions.filter((s) => s.node === t.node || s.peer === t.node);
  const on = (n: string, i: string) => (n === t.a.node && i === t.a.ifname) || (n === t.b.node && i === t.b.ifname);
  return lab.sessions.filter((s) => on(s.node, s.ifname) || on(s.peer, s.peerIfname));
}

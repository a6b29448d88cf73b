/**
 * From a line of a rendered frr.conf back to the lab file (pure): the line of the user's
 * snippet it came from, at its column, or the user's own frr.conf. FRR's parsers name
 * lines of the file they read; users fix the lab file.
 */
import { relative } from 'node:path';
import type { LabNode } from '../lab/model.js';
import type { RenderedFrrConf } from './frr.js';

export interface RenderedLineSource {
  file: string;
  line: number;
  col: number;
  /** the lab-file field (snippets.roles.leaf.ipv4_unicast), or nodes.<n>.frr_conf */
  field: string;
  /** the line is bgplab's own (not a snippet's): FRR rejected it after a snippet changed the context */
  generated?: boolean;
}

/** Where line `line` (1-based) of a node's rendered frr.conf comes from. */
export function sourceOfRenderedLine(node: LabNode, r: RenderedFrrConf, line: number, cwd = process.cwd()): RenderedLineSource {
  if (node.frrConf) {
    const rel = relative(cwd, node.frrConf.path);
    return { file: rel && !rel.startsWith('..') ? rel : node.frrConf.path, line, col: 1, field: `nodes.${node.name}.frr_conf` };
  }
  const at = (idx: number) => r.origins[idx];
  let o = at(line - 1);
  let generated = false;
  // bgplab's own line rejected: the snippet before it changed the context (e.g. left a block)
  for (let i = line - 2; !o && i >= 0; i--) {
    o = at(i);
    generated = true;
  }
  if (!o) return { file: node.snippets?.[0]?.file ?? 'frr.conf', line: 1, col: 1, field: `nodes.${node.name}`, generated: true };
  const s = o.snippet;
  const text = s.text.split('\n')[o.index] ?? '';
  const lead = text.length - text.trimStart().length;
  return s.literal
    ? { file: s.file, line: s.line + o.index, col: s.col + lead, field: s.field, ...(generated ? { generated } : {}) }
    : { file: s.file, line: s.line, col: s.col, field: s.field, ...(generated ? { generated } : {}) };
}

/**
 * Lines inside `router bgp` blocks (1-based): bgpd refusing one that vtysh's grammar
 * accepted is a real error (an unknown neighbour, a peer-group mismatch); elsewhere bgpd
 * also refuses every other daemon's lines.
 */
export function routerBgpLines(text: string): Set<number> {
  const out = new Set<number>();
  let inBgp = false;
  text.split('\n').forEach((l, i) => {
    if (/^router bgp\b/.test(l)) inBgp = true;
    else if (l !== '' && !/^\s/.test(l) && !/^!/.test(l) && !/^(exit-address-family|address-family)\b/.test(l)) inBgp = false;
    else if (inBgp && l.trim() !== '' && !l.trim().startsWith('!')) out.add(i + 1);
  });
  return out;
}

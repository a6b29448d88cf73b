/**
 * The fabric as a picture: SVG (standalone: inline style, system fonts, no fetches),
 * Mermaid (pastes into Markdown) and Graphviz dot. Each node with its name, ASN and
 * loopback, each link with its interface names; with a running lab's state, link and
 * session state as colour and active faults marked. Pure: the caller observes the lab.
 */
import type { Lab, LabLink, Role } from '../lab/model.js';
import { BOX, layoutLab, TIER_ORDER } from './graph-layout.js';

export type GraphFormat = 'svg' | 'mermaid' | 'dot';
export const GRAPH_FORMATS: readonly GraphFormat[] = ['svg', 'mermaid', 'dot'];

/** A link's state from a running lab: both sessions Established, some not, or broken by a fault. */
export type LinkState = 'up' | 'down' | 'fault';

export interface GraphState {
  /** by linkId() */
  links: Map<string, LinkState>;
  /** node → the fault on it (node-down, isolate), a short text */
  nodeFaults: Map<string, string>;
  /** link → the fault on it, a short text */
  linkFaults: Map<string, string>;
}

export const linkId = (l: LabLink) => `${l.a.node}:${l.a.ifname}--${l.b.node}:${l.b.ifname}`;

/** Node fills, one per role, far from each other and from the link colours (the PNG test counts them). */
export const ROLE_FILL: Record<Role, string> = {
  'super-spine': '#c9b3f5',
  spine: '#9cc3f0',
  leaf: '#a8e6b4',
  server: '#f5d98c',
  border: '#f2a7c3',
  router: '#b9e3e8',
};
const TIER_TITLE: Record<Role, string> = { 'super-spine': 'super-spines', spine: 'spines', leaf: 'leaves', server: 'servers', border: 'borders', router: 'routers' };
const LINK_COLOUR: Record<LinkState | 'unknown', string> = { unknown: '#7a7a7a', up: '#1a9641', down: '#d7191c', fault: '#e66101' };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const nodeLines = (n: Lab['nodes'][number]) => [n.name, `AS ${n.asn}`, n.loopback];

export function renderGraph(lab: Lab, format: GraphFormat, state?: GraphState): string {
  if (format === 'mermaid') return graphMermaid(lab, state);
  if (format === 'dot') return graphDot(lab, state);
  return graphSvg(lab, state);
}

export function graphSvg(lab: Lab, state?: GraphState): string {
  const L = layoutLab(lab);
  const at = new Map(L.nodes.map((p) => [p.node.name, p]));
  const legendH = 24;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${L.width}" height="${L.height + legendH}" viewBox="0 0 ${L.width} ${L.height + legendH}" font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif">`,
    `<title>${esc(`lab ${lab.name}: ${lab.nodes.length} nodes, ${lab.links.length} links`)}</title>`,
    `<rect x="0" y="0" width="${L.width}" height="${L.height + legendH}" fill="#ffffff"/>`,
    `<g class="links">`,
  ];
  const labels: string[] = [];
  for (const l of lab.links) {
    const pa = at.get(l.a.node);
    const pb = at.get(l.b.node);
    if (!pa || !pb) continue;
    // from the upper box's bottom edge to the lower box's top edge (same row: side to side)
    const [up, lo, upIf, loIf] = pa.y <= pb.y ? [pa, pb, l.a.ifname, l.b.ifname] : [pb, pa, l.b.ifname, l.a.ifname];
    const same = up.y === lo.y;
    const x1 = up.x + BOX.w / 2;
    const y1 = same ? up.y + BOX.h / 2 : up.y + BOX.h;
    const x2 = lo.x + BOX.w / 2;
    const y2 = same ? lo.y + BOX.h / 2 : lo.y;
    const id = linkId(l);
    const st = state?.links.get(id);
    const colour = LINK_COLOUR[st ?? 'unknown'];
    const fault = state?.linkFaults.get(id);
    out.push(
      `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${colour}" stroke-width="${st === 'up' || !st ? 1.6 : 2.6}"${st === 'fault' ? ' stroke-dasharray="7 4"' : ''}><title>${esc(`${l.a.node}:${l.a.ifname} ↔ ${l.b.node}:${l.b.ifname}${st ? ` (${st})` : ''}${fault ? `: ${fault}` : ''}`)}</title></line>`,
    );
    const lab2 = (f: number, text: string) =>
      `<text x="${(x1 + (x2 - x1) * f).toFixed(1)}" y="${(y1 + (y2 - y1) * f + 4).toFixed(1)}" font-size="10" text-anchor="middle" fill="#333" stroke="#fff" stroke-width="3" paint-order="stroke">${esc(text)}</text>`;
    labels.push(lab2(0.17, upIf), lab2(0.83, loIf));
    if (fault) labels.push(lab2(0.5, `✗ ${fault}`).replace('fill="#333"', `fill="${LINK_COLOUR.fault}"`).replace('font-size="10"', 'font-size="11" font-weight="bold"'));
  }
  out.push(`</g>`, `<g class="nodes">`);
  for (const p of L.nodes) {
    const n = p.node;
    const fault = state?.nodeFaults.get(n.name);
    const [name, asn, lo] = nodeLines(n);
    out.push(
      `<g class="node" data-node="${esc(n.name)}" data-role="${n.role}">`,
      `<rect x="${p.x}" y="${p.y}" width="${BOX.w}" height="${BOX.h}" rx="8" fill="${ROLE_FILL[n.role]}" stroke="${fault ? LINK_COLOUR.down : '#444'}" stroke-width="${fault ? 4 : 1.2}"/>`,
      `<text x="${p.x + BOX.w / 2}" y="${p.y + 20}" font-size="14" font-weight="bold" text-anchor="middle" fill="#111">${esc(name!)}</text>`,
      `<text x="${p.x + BOX.w / 2}" y="${p.y + 36}" font-size="11" text-anchor="middle" fill="#222">${esc(asn!)}</text>`,
      `<text x="${p.x + BOX.w / 2}" y="${p.y + 51}" font-size="11" text-anchor="middle" fill="#222">${esc(lo!)}</text>`,
      ...(fault ? [`<text x="${p.x + BOX.w - 4}" y="${p.y - 5}" font-size="11" font-weight="bold" text-anchor="end" fill="${LINK_COLOUR.down}">✗ ${esc(fault)}</text>`] : []),
      `</g>`,
    );
  }
  out.push(`</g>`, ...labels);
  const legend = state ? `links: green = sessions Established, red = down, orange dashed = fault` : `lab ${lab.name} (as generated; bgplab graph LAB on a running lab colours the links by session state)`;
  out.push(`<text x="${BOX.margin}" y="${L.height + 12}" font-size="11" fill="#555">${esc(legend)}</text>`, `</svg>`, '');
  return out.join('\n');
}

const mid = (name: string) => `n_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;

export function graphMermaid(lab: Lab, state?: GraphState): string {
  const L = layoutLab(lab);
  const out = ['flowchart TB'];
  L.rows.forEach((row, i) => {
    const role = lab.nodes.find((n) => n.name === row[0])!.role;
    out.push(`  subgraph tier${i}["${TIER_TITLE[role]}"]`, `    direction LR`);
    for (const name of row) {
      const n = lab.nodes.find((x) => x.name === name)!;
      const fault = state?.nodeFaults.get(name);
      out.push(`    ${mid(name)}["${[...nodeLines(n), ...(fault ? [`✗ ${fault}`] : [])].map((s) => s.replace(/"/g, '#quot;')).join('<br/>')}"]:::${n.role.replace('-', '')}`);
    }
    out.push('  end');
  });
  const styles: string[] = [];
  const rowOf = new Map(L.nodes.map((p) => [p.node.name, p.tier]));
  lab.links.forEach((l, i) => {
    const [u, d] = (rowOf.get(l.a.node) ?? 0) <= (rowOf.get(l.b.node) ?? 0) ? [l.a, l.b] : [l.b, l.a];
    out.push(`  ${mid(u.node)} ---|"${u.ifname} – ${d.ifname}"| ${mid(d.node)}`);
    const st = state?.links.get(linkId(l));
    if (st) styles.push(`  linkStyle ${i} stroke:${LINK_COLOUR[st]},stroke-width:${st === 'up' ? 1.5 : 3}px${st === 'fault' ? ',stroke-dasharray:6 4' : ''}`);
  });
  out.push(...styles);
  for (const r of TIER_ORDER) out.push(`  classDef ${r.replace('-', '')} fill:${ROLE_FILL[r]},stroke:#444,color:#111`);
  return out.join('\n') + '\n';
}

const dq = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

export function graphDot(lab: Lab, state?: GraphState): string {
  const L = layoutLab(lab);
  const out = [
    `graph ${dq(lab.name)} {`,
    `  rankdir=TB; nodesep=0.3; ranksep=1.0;`,
    `  node [shape=box, style="rounded,filled", fontname="DejaVu Sans", fontsize=11];`,
    `  edge [fontname="DejaVu Sans", fontsize=9, color=${dq(LINK_COLOUR.unknown)}];`,
  ];
  for (const row of L.rows) {
    out.push(`  { rank=same;`);
    for (const name of row) {
      const n = lab.nodes.find((x) => x.name === name)!;
      const fault = state?.nodeFaults.get(name);
      const label = [...nodeLines(n), ...(fault ? [`✗ ${fault}`] : [])].join('\n');
      out.push(`    ${dq(name)} [label=${dq(label)}, fillcolor=${dq(ROLE_FILL[n.role])}${fault ? `, color=${dq(LINK_COLOUR.down)}, penwidth=3` : ''}];`);
    }
    out.push('  }');
  }
  const rowOf = new Map(L.nodes.map((p) => [p.node.name, p.tier]));
  for (const l of lab.links) {
    const [u, d] = (rowOf.get(l.a.node) ?? 0) <= (rowOf.get(l.b.node) ?? 0) ? [l.a, l.b] : [l.b, l.a];
    const st = state?.links.get(linkId(l));
    const attrs = [`taillabel=${dq(u.ifname)}`, `headlabel=${dq(d.ifname)}`];
    if (st) attrs.push(`color=${dq(LINK_COLOUR[st])}`, `penwidth=${st === 'up' ? 1 : 2.5}`, ...(st === 'fault' ? ['style=dashed'] : []));
    const fault = state?.linkFaults.get(linkId(l));
    if (fault) attrs.push(`label=${dq(`✗ ${fault}`)}`);
    out.push(`  ${dq(u.node)} -- ${dq(d.node)} [${attrs.join(', ')}];`);
  }
  out.push('}');
  return out.join('\n') + '\n';
}

/**
 * Where each node of a lab goes in a picture, pure: one row per tier, top-down
 * (super-spines, spines, leaves, servers, borders, other routers), each row ordered by the
 * mean position of its neighbours in the rows above (the barycenter heuristic: a leaf
 * sits under its spines, a server under its leaves, so few links cross), rows centred.
 */
import type { Lab, LabNode, Role } from '../lab/model.js';

export const TIER_ORDER: readonly Role[] = ['super-spine', 'spine', 'leaf', 'server', 'border', 'router'];

/** Node box and gaps, px: 150 px fits "10.255.255.255" at 12 px plus padding; 120 px between rows leaves room for the interface labels. */
export const BOX = { w: 150, h: 60, gapX: 30, gapY: 120, margin: 30 } as const;

export interface PlacedNode {
  node: LabNode;
  tier: number;
  /** position in its row, 0-based */
  index: number;
  /** top-left corner, px */
  x: number;
  y: number;
}

export interface GraphLayout {
  nodes: PlacedNode[];
  /** node names per row, top first */
  rows: string[][];
  width: number;
  height: number;
}

export function layoutLab(lab: Lab): GraphLayout {
  const byTier = TIER_ORDER.map((r) => lab.nodes.filter((n) => n.role === r)).filter((row) => row.length > 0);
  const nbrs = new Map<string, string[]>();
  for (const l of lab.links) {
    nbrs.set(l.a.node, [...(nbrs.get(l.a.node) ?? []), l.b.node]);
    nbrs.set(l.b.node, [...(nbrs.get(l.b.node) ?? []), l.a.node]);
  }
  const pos = new Map<string, number>();
  const rows: string[][] = [];
  for (const row of byTier) {
    const keyed = row.map((n, i) => {
      const above = (nbrs.get(n.name) ?? []).map((m) => pos.get(m)).filter((p): p is number => p !== undefined);
      // pods first (3-tier fabrics), then under the neighbours above, then model order
      return { n, key: above.length ? above.reduce((a, b) => a + b, 0) / above.length : Number.POSITIVE_INFINITY, i };
    });
    keyed.sort((p, q) => (p.n.pod ?? 0) - (q.n.pod ?? 0) || p.key - q.key || p.i - q.i);
    // a row's positions are centred fractions 0..1, so rows of different lengths line up
    keyed.forEach((k, i) => pos.set(k.n.name, (i + 0.5) / keyed.length));
    rows.push(keyed.map((k) => k.n.name));
  }
  const widest = Math.max(1, ...rows.map((r) => r.length));
  const width = BOX.margin * 2 + widest * BOX.w + (widest - 1) * BOX.gapX;
  const height = BOX.margin * 2 + rows.length * BOX.h + Math.max(0, rows.length - 1) * BOX.gapY;
  const nodes: PlacedNode[] = [];
  rows.forEach((row, tier) => {
    const rowWidth = row.length * BOX.w + (row.length - 1) * BOX.gapX;
    const x0 = (width - rowWidth) / 2;
    row.forEach((name, index) => {
      nodes.push({ node: lab.nodes.find((n) => n.name === name)!, tier, index, x: x0 + index * (BOX.w + BOX.gapX), y: BOX.margin + tier * (BOX.h + BOX.gapY) });
    });
  });
  return { nodes, rows, width, height };
}

/** The graph renderer, pure: tiers top-down, barycenter order, every node and link drawn once in each format, state as colour. */
import { describe, expect, it } from 'vitest';
import { graphState } from '../../src/app/graph.js';
import { layoutLab } from '../../src/render/graph-layout.js';
import { graphDot, graphMermaid, graphSvg, linkId, ROLE_FILL } from '../../src/render/graph.js';
import { clos } from './paths-fixture.js';

const lab = clos({ spines: 2, leaves: 4, servers: 4 });

describe('layoutLab', () => {
  it('one row per tier, spines above leaves above servers, nothing overlapping', () => {
    const L = layoutLab(lab);
    expect(L.rows.map((r) => lab.nodes.find((n) => n.name === r[0])!.role)).toEqual(['spine', 'leaf', 'server']);
    expect(L.rows.flat().sort()).toEqual(lab.nodes.map((n) => n.name).sort());
    const y = (name: string) => L.nodes.find((p) => p.node.name === name)!.y;
    expect(y('spine1')).toBeLessThan(y('leaf1'));
    expect(y('leaf1')).toBeLessThan(y('server1'));
    for (const a of L.nodes) {
      for (const b of L.nodes) {
        if (a === b) continue;
        const apart = a.x + 150 <= b.x || b.x + 150 <= a.x || a.y + 60 <= b.y || b.y + 60 <= a.y;
        expect(apart, `${a.node.name} overlaps ${b.node.name}`).toBe(true);
      }
      expect(a.x + 150).toBeLessThanOrEqual(L.width);
      expect(a.y + 60).toBeLessThanOrEqual(L.height);
    }
  });

  it('a server sits under the leaves it is attached to (barycenter), whatever the model order', () => {
    // reverse the servers in the model: the layout still puts each under its leaf pair
    const rev = { ...lab, nodes: [...lab.nodes.filter((n) => n.role !== 'server'), ...lab.nodes.filter((n) => n.role === 'server').reverse()] };
    const L = layoutLab(rev);
    const cx = (name: string) => L.nodes.find((p) => p.node.name === name)!.x + 75;
    for (const s of lab.nodes.filter((n) => n.role === 'server')) {
      const leaves = lab.links.filter((l) => l.a.node === s.name || l.b.node === s.name).map((l) => (l.a.node === s.name ? l.b.node : l.a.node));
      const mean = leaves.reduce((n, l) => n + cx(l), 0) / leaves.length;
      const others = L.nodes.filter((p) => p.node.role === 'server').map((p) => Math.abs(p.x + 75 - mean));
      expect(Math.abs(cx(s.name) - mean)).toBe(Math.min(...others));
    }
  });
});

describe('renderers', () => {
  it('SVG: standalone, one box per node in its role colour, one line per link, labels with name, ASN, loopback', () => {
    const svg = graphSvg(lab);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).not.toMatch(/href=|@import|url\(/);
    expect(svg.match(/<g class="node"/g)!.length).toBe(lab.nodes.length);
    expect(svg.match(/<line /g)!.length).toBe(lab.links.length);
    for (const n of lab.nodes) {
      expect(svg).toContain(`data-node="${n.name}"`);
      expect(svg).toContain(`AS ${n.asn}`);
      expect(svg).toContain(`>${n.loopback}<`);
    }
    expect(svg).toContain(`fill="${ROLE_FILL.spine}"`);
  });

  it('state: a faulted link is dashed and marked, a down link red, a faulted node outlined', () => {
    const [l0, l1] = lab.links;
    const sessions = lab.sessions.map((s) => ({ node: s.node, ifname: s.ifname, peer: s.peer, state: s.node === l1!.a.node && s.ifname === l1!.a.ifname ? 'Active' : 'Established' }));
    const st = graphState(lab, sessions, [
      { kind: 'link-down', node: l0!.a.node, ifname: l0!.a.ifname, peer: l0!.b, since: '', by: 't' },
      { kind: 'node-down', node: 'server3', since: '', by: 't' },
    ]);
    expect(st.links.get(linkId(l0!))).toBe('fault');
    expect(st.links.get(linkId(l1!))).toBe('down');
    expect(st.links.get(linkId(lab.links[5]!))).toBe('up');
    const svg = graphSvg(lab, st);
    expect(svg.match(/stroke-dasharray/g)!.length).toBe(1);
    expect(svg).toContain('✗ link-down');
    expect(svg).toContain('✗ node-down');
    expect(graphDot(lab, st)).toContain('style=dashed');
    expect(graphMermaid(lab, st)).toMatch(/linkStyle 0 stroke:#e66101/);
  });

  it('mermaid and dot: every node and link once, ids safe', () => {
    const m = graphMermaid(lab);
    expect(m.startsWith('flowchart TB\n')).toBe(true);
    expect(m.match(/ ---\|/g)!.length).toBe(lab.links.length);
    for (const n of lab.nodes) expect(m.match(new RegExp(`n_${n.name}\\[`, 'g'))!.length).toBe(1);
    const d = graphDot(lab);
    expect(d.match(/ -- /g)!.length).toBe(lab.links.length);
    expect(d.match(/rank=same/g)!.length).toBe(3);
  });
});

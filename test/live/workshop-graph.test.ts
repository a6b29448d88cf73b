/**
 * Live: `bgplab graph` of a running lab (a link failed, so state colours show) rendered by
 * a real browser (Debian's chromium, headless) into a PNG: not blank, and one blob of a
 * role's fill colour per node of that role. The dot output parsed by Graphviz (dot -Tsvg).
 * Lab name wsg (netns).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE_FILL } from '../../src/render/graph.js';
import { loadLab } from '../../src/lab/load.js';
import { blobs, colourCount, screenshot } from './browser.js';
import { isRoot } from './netns-helpers.js';
import { build, cli, defaultLabFile } from './workshop-helpers.js';

const LAB = 'wsg';

describe.skipIf(!isRoot)('bgplab graph of a running lab', () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), `${LAB}-`));
    await build();
    await cli(['down', LAB]);
    file = await defaultLabFile(dir, LAB, '');
    const up = await cli(['up', file, '--runtime', 'netns', '-o', join(dir, 'out')]);
    expect(up.exitCode, up.all).toBe(0);
    expect((await cli(['fail', 'leaf1--spine1', '--lab', LAB])).exitCode).toBe(0);
  }, 300_000);
  afterAll(async () => {
    await cli(['down', LAB]);
    await rm(dir, { recursive: true, force: true });
  }, 120_000);

  it('the SVG renders in headless chromium: not blank, one shape per node in its role colour, the fault marked', async () => {
    const svg = join(dir, 'g.svg');
    const g = await cli(['graph', LAB, '-o', svg]);
    expect(g.exitCode, g.all).toBe(0);
    const text = await readFile(svg, 'utf8');
    expect(text).toContain('✗ link-down');
    const [, w, h] = /width="(\d+)" height="(\d+)"/.exec(text)!;
    const png = await screenshot(svg, Number(w), Number(h));
    expect(colourCount(png)).toBeGreaterThan(20);
    const lab = await loadLab(file);
    const found = blobs(png, Object.values(ROLE_FILL));
    for (const role of new Set(lab.nodes.map((n) => n.role))) {
      expect(found.get(ROLE_FILL[role]), role).toBe(lab.nodes.filter((n) => n.role === role).length);
    }
    // the faulted link is drawn in the fault colour (orange): some pixels of it
    expect(blobs(png, ['#e66101'], 5).get('#e66101')).toBeGreaterThan(0);
  }, 120_000);

  it('--format dot parses with Graphviz; --format mermaid has every node and link', async () => {
    const d = await cli(['graph', LAB, '--format', 'dot']);
    expect(d.exitCode).toBe(0);
    const r = await execa('dot', ['-Tsvg'], { input: d.stdout, reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    const lab = await loadLab(file);
    expect(r.stdout.match(/<g id="node\d+" class="node">/g)!.length).toBe(lab.nodes.length);
    expect(r.stdout.match(/<g id="edge\d+" class="edge">/g)!.length).toBe(lab.links.length);
    const m = await cli(['graph', LAB, '--format', 'mermaid']);
    expect(m.stdout.startsWith('flowchart TB')).toBe(true);
    expect(m.stdout.match(/ ---\|/g)!.length).toBe(lab.links.length);
    expect(m.stdout).toMatch(/linkStyle \d+ stroke:#e66101/);
  }, 60_000);
});

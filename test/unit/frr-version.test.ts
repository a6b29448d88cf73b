/** The FRR version: lab file `frr:` and the `--frr` override reach the model, the topology and frr.conf. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatProblem, loadLabText, type LoadOptions } from '../../src/lab/load.js';
import type { Lab } from '../../src/lab/model.js';
import { renderClab } from '../../src/render/clab.js';
import { nodeViews, renderFrrConf } from '../../src/render/frr.js';

const clos = readFileSync('labs/clos.yml', 'utf8');
function lab(text: string, o: LoadOptions = {}): Lab {
  const r = loadLabText(text, 't.yml', [], o);
  if (!r.lab) throw new Error(r.problems.map(formatProblem).join('\n'));
  return r.lab;
}

describe('FRR version', () => {
  it('defaults to 8.4: bgplab/frr:latest, `frr version 8.4`', () => {
    const l = lab(clos);
    expect(l.frr).toBe('8.4');
    expect(new Set(l.nodes.map((n) => n.image))).toEqual(new Set(['bgplab/frr:latest']));
    expect(renderFrrConf(l, nodeViews(l)[0]!)).toMatch(/^frr version 8\.4\nfrr defaults datacenter\n/);
  });

  it('frr: "10" and frr: 10 (a YAML number) mean the same: bgplab/frr:10, `frr version 10.3`, label bgplab.frr', () => {
    for (const spelling of ['"10"', '10']) {
      const l = lab(`${clos}\nfrr: ${spelling}\n`);
      expect(l.frr).toBe('10');
      expect(new Set(l.nodes.map((n) => n.image))).toEqual(new Set(['bgplab/frr:10']));
      expect(renderFrrConf(l, nodeViews(l)[0]!)).toMatch(/^frr version 10\.3\n/);
      expect(renderClab(l)).toContain('bgplab.frr: "10"');
    }
  });

  it('--frr overrides the lab file; an explicit image still wins for the containerlab runtime', () => {
    expect(lab(`${clos}\nfrr: "10"\n`, { frr: '8.4' }).frr).toBe('8.4');
    const l = lab(`${clos}\nimage: my/frr:10.5\n`, { frr: '10' });
    expect(l.frr).toBe('10');
    expect(l.nodes[0]!.image).toBe('my/frr:10.5');
  });

  it('an unknown version is a located error naming the versions', () => {
    const r = loadLabText(`${clos}\nfrr: "9.1"\n`, 't.yml');
    expect(r.lab).toBeUndefined();
    const text = r.problems.map(formatProblem).join('\n');
    expect(text).toMatch(/t\.yml:\d+:\d+/);
    expect(text).toMatch(/frr is "8\.4" .* or "10"/);
  });
});

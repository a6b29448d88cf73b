/** The generation bench measures what it says: the 2,000-node fabric is in it, sizes are real. */
import { describe, expect, it } from 'vitest';
import { GENERATE_SIZES, generateMarkdown, measureGenerate } from '../../src/bench/generate.js';
import { nodesOf } from '../../src/bench/labs.js';

describe('bench-generate', () => {
  it('includes a 2,000-node fabric', () => expect(GENERATE_SIZES.map(nodesOf)).toContain(2000));

  it('measures the smallest fabric: times, YAML and object sizes', async () => {
    const s = await measureGenerate(GENERATE_SIZES[0]!, 2, false);
    expect(s.nodes).toBe(10);
    expect(s.render.n).toBe(2);
    expect(s.render.median).toBeGreaterThan(0);
    // the Topology holds the clab.yml (~1.7 KiB a node): well above 10 KiB, well below the YAML
    expect(s.topologyBytes).toBeGreaterThan(10_000);
    expect(s.topologyBytes).toBeLessThan(s.yamlBytes);
    expect(s.cli).toBeUndefined();
    expect(generateMarkdown([s], 2)).toMatch(/\| 2×4×4 \| 10 \| 16 \|/);
  });
});

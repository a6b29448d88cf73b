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
    // the Topology holds the clab.yml (the shared fields once in topology.defaults, then
    // ~0.7 KiB a node): well above 5 KiB for 10 nodes, well below the whole YAML
    expect(s.topologyBytes).toBeGreaterThan(5_000);
    expect(s.topologyBytes).toBeLessThan(s.yamlBytes);
    expect(s.cli).toBeUndefined();
    expect(generateMarkdown([s], 2)).toMatch(/\| 2×4×4 \| 10 \| 16 \|/);
  });
});

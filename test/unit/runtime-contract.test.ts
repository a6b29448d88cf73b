/** The Runtime contract against the unit layer's in-memory runtime (the real ones: test/live/runtime-contract.test.ts). */
import './state-dir.js';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLabText } from '../../src/lab/load.js';
import { writeArtifacts } from '../../src/render/index.js';
import { runtimeContract } from '../contract/runtime-contract.js';
import { MemoryRuntime } from './memory-runtime.js';

runtimeContract(
  {
    name: 'in-memory fake',
    skip: false,
    runtime: async () => new MemoryRuntime(),
    other: async () => new MemoryRuntime(),
    async artifacts(name) {
      const text = (await readFile('labs/minimal.yml', 'utf8')).replace(/^name: .*$/m, `name: ${name}`);
      const r = loadLabText(text, 'labs/minimal.yml');
      if (!r.lab) throw new Error('minimal lab does not load');
      const dir = await mkdtemp(join(tmpdir(), `${name}-`));
      await writeArtifacts(r.lab, dir, { hashSeed: false });
      return { lab: r.lab, dir };
    },
    carrier: async (rt, lab, node, ifname) => (rt as MemoryRuntime).carrier(lab.name, node, ifname),
    reaches: async (rt, lab, from, to) => (rt as MemoryRuntime).reaches(lab.name, from.name, to.name),
    converged: async () => {},
  },
  'memct',
);

import { relative } from 'node:path';
import { DEFAULT_LAB, loadLab } from '../lab/load.js';
import { defaultOutDir, writeArtifacts } from '../render/index.js';

export interface GenerateOptions {
  labfile?: string;
  out?: string;
}

export async function generateCommand(o: GenerateOptions): Promise<void> {
  const file = o.labfile ?? DEFAULT_LAB;
  const lab = await loadLab(file);
  const dir = o.out ?? defaultOutDir(lab);
  const written = await writeArtifacts(lab, dir);
  console.log(`${lab.name}: ${lab.nodes.length} nodes, ${lab.links.length} links, ${lab.sessions.length / 2} BGP sessions -> ${dir}/`);
  for (const p of written) console.log(`  ${relative(process.cwd(), p) || p}`);
}

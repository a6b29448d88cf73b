import { assertUserConfigParses, userConfigNotes } from '../app/frr-syntax.js';
import { relative } from 'node:path';
import { DEFAULT_LAB, loadLab } from '../lab/load.js';
import { k8sNameWarnings, rulesForTarget, type Target } from '../lab/k8s-names.js';
import { defaultOutDir, writeArtifacts, writeFiles } from '../render/index.js';
import type { ClabernetesApi } from '../render/clabernetes.js';

export interface GenerateOptions {
  labfile?: string;
  /** the lab name to generate under (default: the file's name:) */
  name?: string;
  out?: string;
  /** containerlab (default): <lab>.clab.yml + nodes/; clabernetes: one <lab>.clabernetes.yaml */
  target?: Target;
  api?: ClabernetesApi;
}

export async function generateCommand(o: GenerateOptions): Promise<void> {
  const file = o.labfile ?? DEFAULT_LAB;
  const lab = await loadLab(file, rulesForTarget(o.target), { name: o.name });
  await assertUserConfigParses(lab, file);
  const dir = o.out ?? defaultOutDir(lab);
  let written: string[];
  if (o.target === 'clabernetes') {
    const { clabernetesFile, renderClabernetes } = await import('../render/clabernetes.js');
    for (const w of k8sNameWarnings(lab)) console.error(`warning: ${w}`);
    written = await writeFiles(dir, new Map([[clabernetesFile(lab), renderClabernetes(lab, { api: o.api })]]));
  } else written = await writeArtifacts(lab, dir);
  console.log(`${lab.name}: ${lab.nodes.length} nodes, ${lab.links.length} links, ${lab.sessions.length / 2} BGP sessions -> ${dir}/`);
  for (const p of written) console.log(`  ${relative(process.cwd(), p) || p}`);
  for (const note of userConfigNotes(lab)) console.log(`  ${note}`);
}

import { isTopologyFile, loadForeign } from '../app/foreign.js';
import { assertUserConfigParses, userConfigNotes } from '../app/frr-syntax.js';
import { underivedNodes } from '../lab/derive.js';
import { DEFAULT_LAB, loadLab } from '../lab/load.js';
import { rulesForTarget, type Target } from '../lab/k8s-names.js';

export async function validateCommand(o: { labfile?: string; target?: Target }): Promise<void> {
  const file = o.labfile ?? DEFAULT_LAB;
  if (isTopologyFile(file)) {
    // a containerlab topology: what of it runs without Docker, and what up will wait for
    const { model } = await loadForeign(file);
    console.log(`${file}: ok on netns — lab "${model.name}": ${model.nodes.filter((n) => n.router).length} FRR nodes, ${model.nodes.filter((n) => !n.router).length} hosts, ${model.links.length} links; up waits for ${model.sessions.length} BGP sessions and ${model.adjacencies.length} OSPF adjacencies`);
    return;
  }
  const lab = await loadLab(file, rulesForTarget(o.target));
  // the user's own FRR lines, through FRR's own parser (file:line:col of the snippet line)
  await assertUserConfigParses(lab, file);
  const roles = new Map<string, number>();
  for (const n of lab.nodes) roles.set(n.role, (roles.get(n.role) ?? 0) + 1);
  const summary = [...roles].map(([r, c]) => `${c} ${r}${c === 1 ? '' : 's'}`).join(', ');
  console.log(`${file}: ok — lab "${lab.name}": ${summary}; ${lab.links.length} links, ${lab.sessions.length / 2} BGP sessions`);
  for (const note of userConfigNotes(lab)) console.log(`  ${note} — FRR's parser accepts it`);
  for (const u of underivedNodes(lab)) console.log(`  note: ${u.reason}: the checks judge what the model cannot derive from checks: (or skip it, saying why)`);
}

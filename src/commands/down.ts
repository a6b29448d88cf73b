/** bgplab down [LAB] [--all]: thin; the teardown is app/down.ts. */
import chalk from 'chalk';
import { downLab, impliedLab } from '../app/down.js';
import { listAllLabs, type RuntimeChoice } from '../runtime/select.js';

export interface DownOptions {
  lab?: string;
  runtime: RuntimeChoice;
  all: boolean;
}

export async function downCommand(o: DownOptions): Promise<void> {
  const labs = o.all ? (await listAllLabs()).map((l) => l.name) : [o.lab ?? (await impliedLab())];
  if (o.all && labs.length === 0) {
    console.log('no lab is up');
    return;
  }
  for (const lab of labs) {
    const r = await downLab(lab, o.runtime);
    console.log(`${chalk.green('down')}: lab ${lab} (${r.runtime}${r.removed ? `: removed ${r.removed}` : ''}) in ${r.ms} ms`);
  }
}

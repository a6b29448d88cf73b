/** bgplab graph [LAB | LABFILE] [--format svg|mermaid|dot] [-o FILE]: thin, app/graph.ts does the work. */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import chalk from 'chalk';
import { graphOf } from '../app/graph.js';
import { GRAPH_FORMATS, type GraphFormat } from '../render/graph.js';
import { BgplabError } from '../util/errors.js';

export interface GraphOptions {
  what?: string;
  format?: string;
  out?: string;
}

/** The format: --format, else from -o's extension (.svg, .mmd/.md, .dot/.gv), else svg. */
export function graphFormat(o: GraphOptions): GraphFormat {
  if (o.format !== undefined) {
    if (!GRAPH_FORMATS.includes(o.format as GraphFormat)) throw new BgplabError('E_USAGE', `--format ${o.format}: want one of ${GRAPH_FORMATS.join(', ')}`);
    return o.format as GraphFormat;
  }
  const ext = o.out?.split('.').pop()?.toLowerCase();
  return ext === 'mmd' || ext === 'md' ? 'mermaid' : ext === 'dot' || ext === 'gv' ? 'dot' : 'svg';
}

export async function graphCommand(o: GraphOptions): Promise<void> {
  const format = graphFormat(o);
  const g = await graphOf(o.what, format);
  if (!o.out || o.out === '-') {
    process.stdout.write(g.text);
    return;
  }
  const file = resolve(o.out);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, g.text);
  console.error(chalk.dim(`${format} of lab ${g.lab.name} (${g.lab.nodes.length} nodes, ${g.live ? 'running: links coloured by session state' : 'from the lab file'}) written to ${file}`));
}

/** Reading the artifacts back: the resolved model a deployed lab was generated from. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_FRR, type Lab } from '../lab/model.js';
import { BgplabError } from '../util/errors.js';
import { MODEL_FILE } from './index.js';

/** The resolved Lab model written next to the topology (`<dir>/bgplab.json`). */
export async function readLabModel(dir: string): Promise<Lab> {
  const p = join(dir, MODEL_FILE);
  try {
    const lab = JSON.parse(await readFile(p, 'utf8')) as Lab;
    // written before labs recorded their FRR version: they all ran the default
    lab.frr ??= DEFAULT_FRR;
    return lab;
  } catch (e) {
    throw new BgplabError('E_ARTIFACTS', `cannot read the lab model ${p}`, {
      hint: 'run `bgplab generate LABFILE -o DIR` (it writes bgplab.json next to the topology)',
      cause: e,
    });
  }
}

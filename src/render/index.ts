/**
 * Plan vs apply: renderLab is pure (model -> Map<relativePath, text>); writeArtifacts is
 * the one place that writes them.
 */
import { join } from 'node:path';
import type { Lab } from '../lab/model.js';
import { existsSync } from 'node:fs';
import { renderClab, type RenderOptions } from './clab.js';
import { nodeViews, renderDaemons, renderFrrConf, renderVtyshConf } from './frr.js';
import { writeFilesAtomically } from './write.js';

export const MODEL_FILE = 'bgplab.json';

export function topologyFile(lab: Pick<Lab, 'name'>): string {
  return `${lab.name}.clab.yml`;
}

export function renderLab(lab: Lab, opts: RenderOptions = {}): Map<string, string> {
  const out = new Map<string, string>();
  out.set(topologyFile(lab), renderClab(lab, opts));
  for (const v of nodeViews(lab)) {
    out.set(`nodes/${v.node.name}/frr.conf`, renderFrrConf(lab, v));
    out.set(`nodes/${v.node.name}/daemons`, renderDaemons(v.node));
    out.set(`nodes/${v.node.name}/vtysh.conf`, renderVtyshConf(v.node));
  }
  out.set(MODEL_FILE, JSON.stringify(lab, null, 2) + '\n');
  return out;
}

/** What the running kernel supports, for the topology's sysctls. */
export function kernelRenderOptions(): RenderOptions {
  return { hashSeed: existsSync('/proc/sys/net/ipv4/fib_multipath_hash_seed') };
}

/**
 * Write the rendered files into dir, all or nothing, removing only files an earlier write
 * listed in its manifest (see write.ts). Returns the paths written.
 */
export async function writeArtifacts(lab: Lab, dir: string, opts: RenderOptions = kernelRenderOptions()): Promise<string[]> {
  return writeFilesAtomically(dir, renderLab(lab, opts));
}

/** Write other rendered files (relative path -> text) beside the artifacts, removing nothing; same safety. */
export function writeFiles(dir: string, files: Map<string, string>): Promise<string[]> {
  return writeFilesAtomically(dir, files, { add: true });
}

export function defaultOutDir(lab: Pick<Lab, 'name'>): string {
  return join('out', lab.name);
}

/**
 * Parity with clabverter, clabernetes' own converter (v0.6.0, built by `make clabverter`):
 * for every shipped lab, clabverter converts bgplab's `<lab>.clab.yml` with its bound files,
 * and bgplab's `--target clabernetes --api clabernetes.containerlab.dev` resources must hold
 * the same topology, the same files at the same paths with the same modes, in the same
 * namespace and ConfigMaps. The differences that remain are bgplab's on purpose (README,
 * "clabernetes"): data keys, expose, resource requests, labels, and the files' final newline.
 *
 * `make test` sets CLABVERTER, so there a missing binary fails; elsewhere the file is skipped
 * when clabverter has not been built.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { loadLab } from '../../src/lab/load.js';
import { CLUSTER_RENDER, clabernetesObjects, type K8sObject } from '../../src/render/clabernetes.js';
import { topologyFile, writeArtifacts } from '../../src/render/index.js';
import { run } from '../../src/util/process.js';
import { crdValidator } from './k8s-validate.js';
import { tmpDir } from './tmp.js';

const BIN = process.env['CLABVERTER'] ?? '/var/cache/bgplab/clabverter-v0.6.0';
const LABS = readdirSync('labs').filter((f) => f.endsWith('.yml')).map((f) => `labs/${f}`);

type Mount = { filePath: string; configMapName: string; configMapPath: string; mode?: string };
type Topo = K8sObject & { spec: { naming?: string; definition: { containerlab: string }; deployment: { filesFromConfigMap: Record<string, Mount[]> } } };
type Cm = K8sObject & { data: Record<string, string> };

/** node -> filePath -> { mode, content }: the files a launcher pod gets, whatever the keys. */
function mountedFiles(objs: K8sObject[]): Map<string, Map<string, { mode: string; content: string }>> {
  const topo = objs.find((o) => o.kind === 'Topology') as Topo;
  const cms = new Map(objs.filter((o) => o.kind === 'ConfigMap').map((c) => [c.metadata.name, c as Cm]));
  const out = new Map<string, Map<string, { mode: string; content: string }>>();
  for (const [node, mounts] of Object.entries(topo.spec.deployment.filesFromConfigMap)) {
    const m = new Map<string, { mode: string; content: string }>();
    for (const f of mounts) {
      const content = cms.get(f.configMapName)?.data[f.configMapPath];
      expect(content, `${node}: ${f.configMapName}/${f.configMapPath}`).toBeDefined();
      // clabverter writes data as `|-` block scalars, which drop the files' final newline
      m.set(f.filePath, { mode: f.mode ?? 'read', content: content!.replace(/\n+$/, '') });
    }
    out.set(node, m);
  }
  return out;
}

const required = process.env['CLABVERTER'] !== undefined;

describe.skipIf(!required && !existsSync(BIN))(`clabverter parity (${BIN})`, () => {
  it('is clabverter 0.6.0', async () => {
    const r = await run(BIN, ['--version']);
    expect(r.stdout).toMatch(/version: 0\.6\.0/);
  });

  for (const file of LABS) {
    it(`${file}: same namespace, topology, ConfigMaps, files, paths and modes`, async () => {
      const lab = await loadLab(file);
      const dir = tmpDir('bgplab-clabverter-');
      await writeArtifacts(lab, dir, CLUSTER_RENDER);
      const r = await run(BIN, ['--topologyFile', join(dir, topologyFile(lab)), '--stdout', '--quiet', '--naming', 'prefixed'], { cwd: dir });
      const theirs = parseAllDocuments(r.stdout).map((d) => d.toJS() as K8sObject).filter(Boolean);
      const ours = clabernetesObjects(lab, { api: 'clabernetes.containerlab.dev' });
      const kinds = (objs: K8sObject[]) => objs.map((o) => `${o.kind}/${o.metadata.name}`).sort();
      expect(kinds(ours)).toEqual(kinds(theirs));

      const [t, o] = [theirs, ours].map((x) => x.find((k) => k.kind === 'Topology') as Topo) as [Topo, Topo];
      expect(o.apiVersion).toBe(t.apiVersion);
      expect(o.metadata.namespace).toBe(t.metadata.namespace);
      expect(o.spec.naming).toBe(t.spec.naming);
      // clabverter's own output is valid for its CRD (a check of the validator as much as of clabverter)
      expect(crdValidator('clabernetes.containerlab.dev').check(t).errors).toEqual([]);
      // same topology: the same text (but the final newline), so the same nodes, binds, sysctls, links
      expect(o.spec.definition.containerlab.replace(/\n+$/, '')).toBe(t.spec.definition.containerlab);
      expect(parse(o.spec.definition.containerlab)).toEqual(parse(t.spec.definition.containerlab));
      expect(mountedFiles(ours)).toEqual(mountedFiles(theirs));
      for (const [, files] of mountedFiles(ours)) expect([...files.keys()].some((p) => p.endsWith('/frr.conf'))).toBe(true);
    });
  }

  it('negative control: a file bgplab forgot to mount would show', async () => {
    const lab = await loadLab('labs/minimal.yml');
    const ours = clabernetesObjects(lab, { api: 'clabernetes.containerlab.dev' });
    const topo = structuredClone(ours.find((o) => o.kind === 'Topology')) as Topo;
    topo.spec.deployment.filesFromConfigMap['leaf1']!.pop();
    const dropped = ours.map((x) => (x.kind === 'Topology' ? topo : x));
    expect(mountedFiles(dropped)).not.toEqual(mountedFiles(ours));
  });
});

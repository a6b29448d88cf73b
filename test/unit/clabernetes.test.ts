/**
 * The clabernetes target without a cluster: every shipped lab's resources against the vendored
 * CRDs (each API group when asked for), the ConfigMaps against Kubernetes' ConfigMap shape and
 * size limit, the files and binds against the containerlab render, and Kubernetes names at
 * validate time. Negative controls show the validators refuse what the API server would.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { loadLab, loadLabText } from '../../src/lab/load.js';
import { isDns1123Label, k8sNameProblems, k8sNameWarnings, rulesForTarget } from '../../src/lab/k8s-names.js';
import { CLABERNETES_APIS, CLUSTER_RENDER, clabernetesObjects, renderClabernetes, type K8sObject } from '../../src/render/clabernetes.js';
import { renderLab, topologyFile } from '../../src/render/index.js';
import { checkConfigMap, checkNamespace, crdValidator, OBJECT_MAX_BYTES } from './k8s-validate.js';
import { tmpDir } from './tmp.js';

const LABS = readdirSync('labs').filter((f) => f.endsWith('.yml')).map((f) => `labs/${f}`);

/** What `kubectl apply -f` reads: the YAML stream, not the objects before stringifying. */
function applied(text: string): K8sObject[] {
  const docs = parseAllDocuments(text);
  for (const d of docs) expect(d.errors, String(d.errors)).toEqual([]);
  return docs.map((d) => d.toJS() as K8sObject).filter((o) => o !== null);
}

type Topology = K8sObject & {
  spec: {
    definition: { containerlab: string };
    deployment: { filesFromConfigMap: Record<string, { filePath: string; configMapName: string; configMapPath: string; mode: string }[]> };
  };
};

describe('clabernetes resources of every shipped lab', () => {
  it('covers the shipped labs', () => expect(LABS.length).toBeGreaterThanOrEqual(4));

  for (const file of LABS) {
    for (const api of CLABERNETES_APIS) {
      it(`${file} (${api}): Topology valid for the CRD, ConfigMaps valid and under the limits, one per node with its files`, async () => {
        const lab = await loadLab(file, rulesForTarget('clabernetes'));
        const text = renderClabernetes(lab, { api });
        const objs = applied(text);
        const byKind = (k: string) => objs.filter((o) => o.kind === k);
        expect(byKind('Namespace')).toHaveLength(1);
        expect(checkNamespace(byKind('Namespace')[0]).errors).toEqual([]);
        const topo = byKind('Topology') as Topology[];
        expect(topo).toHaveLength(1);
        expect(crdValidator(api).check(topo[0]).errors).toEqual([]);
        expect(Buffer.byteLength(JSON.stringify(topo[0]))).toBeLessThan(OBJECT_MAX_BYTES);

        const cms = byKind('ConfigMap');
        expect(cms).toHaveLength(lab.nodes.length);
        const files = renderLab(lab, CLUSTER_RENDER);
        // the definition is the containerlab render, byte for byte
        expect(topo[0]!.spec.definition.containerlab).toBe(files.get(topologyFile(lab)));
        const clab = parse(topo[0]!.spec.definition.containerlab) as { topology: { nodes: Record<string, { binds: string[] }> } };
        const ffc = topo[0]!.spec.deployment.filesFromConfigMap;
        expect(Object.keys(ffc).sort()).toEqual(lab.nodes.map((n) => n.name).sort());
        for (const n of lab.nodes) {
          const mounts = ffc[n.name]!;
          // mounted at every bind's source, so containerlab in the launcher binds them to /etc/frr/
          expect(mounts.map((m) => m.filePath).sort()).toEqual(clab.topology.nodes[n.name]!.binds.map((b) => b.split(':')[0]).sort());
          expect(new Set(mounts.map((m) => m.mode))).toEqual(new Set(['read']));
          for (const m of mounts) {
            const cm = cms.find((c) => c.metadata.name === m.configMapName) as (K8sObject & { data: Record<string, string> }) | undefined;
            expect(cm, m.configMapName).toBeDefined();
            expect(checkConfigMap(cm).errors).toEqual([]);
            expect(cm!.data[m.configMapPath]).toBe(files.get(m.filePath));
          }
          expect(mounts.some((m) => m.filePath.endsWith('/frr.conf'))).toBe(true);
        }
      });
    }
  }

  it('the per-node ECMP hash seed is left out: the cluster kernel is unknown', async () => {
    const lab = await loadLab('labs/clos.yml');
    const topo = clabernetesObjects(lab).find((o) => o.kind === 'Topology') as Topology;
    expect(topo.spec.definition.containerlab).not.toMatch(/fib_multipath_hash_seed/);
    expect(topo.spec.definition.containerlab).toMatch(/fib_multipath_hash_policy: 3/);
  });
});

describe('the validators refuse what the API server refuses (negative controls)', () => {
  const good = async (api: (typeof CLABERNETES_APIS)[number]) => {
    const lab = await loadLab('labs/minimal.yml');
    return structuredClone(clabernetesObjects(lab, { api }).find((o) => o.kind === 'Topology')) as Topology & { spec: Record<string, unknown> };
  };

  for (const api of CLABERNETES_APIS) {
    it(`${api}: a bad enum, an unknown field, a wrong type, a missing required field, the other API group`, async () => {
      const v = crdValidator(api);
      expect(v.check(await good(api)).ok).toBe(true);
      const badMode = await good(api);
      badMode.spec.deployment.filesFromConfigMap['leaf1']![0]!.mode = 'write';
      expect(v.check(badMode).errors.join('\n')).toMatch(/filesFromConfigMap\/leaf1\/0\/mode .*allowed/);
      const unknown = await good(api);
      (unknown.spec.deployment as Record<string, unknown>)['filesFromConfigmap'] = {};
      expect(v.check(unknown).errors.join('\n')).toMatch(/additional properties.*filesFromConfigmap/);
      const wrongType = await good(api);
      wrongType.spec['naming'] = 'by-hand';
      expect(v.check(wrongType).ok).toBe(false);
      const noPath = await good(api);
      delete (noPath.spec.deployment.filesFromConfigMap['leaf1']![0] as Partial<{ filePath: string }>).filePath;
      expect(v.check(noPath).errors.join('\n')).toMatch(/required.*filePath/);
      const other = await good(api === 'c9s.run' ? 'clabernetes.containerlab.dev' : 'c9s.run');
      expect(v.check(other).errors.join('\n')).toMatch(/apiVersion/);
    });
  }

  it('the API generations differ where the CRDs do: kne only in v0.6.0, definition.containerlab required only in v0.8.0', async () => {
    const kne = await good('clabernetes.containerlab.dev');
    (kne.spec['definition'] as Record<string, unknown>)['kne'] = 'x';
    expect(crdValidator('clabernetes.containerlab.dev').check(kne).ok).toBe(true);
    const kne8 = await good('c9s.run');
    (kne8.spec['definition'] as Record<string, unknown>)['kne'] = 'x';
    expect(crdValidator('c9s.run').check(kne8).ok).toBe(false);
    const empty6 = await good('clabernetes.containerlab.dev');
    (empty6.spec as Record<string, unknown>)['definition'] = {};
    expect(crdValidator('clabernetes.containerlab.dev').check(empty6).ok).toBe(true);
    const empty8 = await good('c9s.run');
    (empty8.spec as Record<string, unknown>)['definition'] = {};
    expect(crdValidator('c9s.run').check(empty8).errors.join('\n')).toMatch(/required.*containerlab/);
  });

  it('a resource request that is not a Kubernetes quantity', async () => {
    const q = await good('c9s.run');
    (q.spec.deployment as Record<string, unknown>)['resources'] = { default: { requests: { memory: '192 MB' } } };
    expect(crdValidator('c9s.run').check(q).ok).toBe(false);
  });

  it('ConfigMaps: a bad name, a bad data key, a non-string value, data over 1 MiB, no namespace', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'lab-n1-files', namespace: 'c9s-lab' }, data: { 'frr.conf': 'x\n' } };
    expect(checkConfigMap(cm).errors).toEqual([]);
    expect(checkConfigMap({ ...cm, metadata: { ...cm.metadata, name: 'Lab_N1' } }).ok).toBe(false);
    expect(checkConfigMap({ ...cm, data: { 'nodes/n1/frr.conf': 'x' } }).ok).toBe(false);
    expect(checkConfigMap({ ...cm, data: { daemons: 1 } }).ok).toBe(false);
    expect(checkConfigMap({ ...cm, data: { big: 'x'.repeat(1024 * 1024) } }).errors.join()).toMatch(/1048576-byte ConfigMap limit/);
    expect(checkConfigMap({ ...cm, metadata: { name: 'lab-n1-files' } }).errors.join()).toMatch(/namespace/);
    expect(checkConfigMap({ ...cm, spec: {} }).ok).toBe(false);
  });
});

describe('Kubernetes names, checked only for the clabernetes target', () => {
  it('DNS-1123 labels', () => {
    for (const ok of ['a', 'clos', 'leaf-1', '1a', 'a'.repeat(63)]) expect(isDns1123Label(ok), ok).toBe(true);
    for (const bad of ['', 'leaf-', '-a', 'Leaf', 'a_b', 'a.b', 'a'.repeat(64)]) expect(isDns1123Label(bad), bad).toBe(false);
  });

  it('a lab and a node name with a trailing dash: fine for containerlab, refused with file:line:col for clabernetes', () => {
    const text = ['name: lab-', 'nodes:', '  s1: { role: spine }', '  leaf-: { role: leaf }', 'links:', '  - [s1:eth1, leaf-:eth1]', ''].join('\n');
    expect(loadLabText(text, 'x.yml').lab).toBeDefined();
    const r = loadLabText(text, 'x.yml', rulesForTarget('clabernetes'));
    expect(r.lab).toBeUndefined();
    expect(r.problems.map((p) => [p.line, p.message.split(' ').slice(0, 3).join(' ')])).toEqual([
      [1, 'lab name "lab-"'],
      [4, 'node name "leaf-"'],
    ]);
    expect(rulesForTarget('containerlab')).toEqual([]);
  });

  it('the service clabernetes derives, <lab>-<node>-vx, must fit 63 characters', async () => {
    const lab = await loadLab('labs/minimal.yml');
    expect(k8sNameProblems(lab)).toEqual([]);
    const long = { ...lab, name: 'l'.repeat(20), nodes: [{ ...lab.nodes[0]!, name: 'n'.repeat(40) }] };
    expect(k8sNameProblems(long).map((p) => p.message).join()).toMatch(/Service .*-vx.*63/);
  });

  it('warns about launcher-side interface names over 15 characters (the pods lab)', async () => {
    expect(k8sNameWarnings(await loadLab('labs/clos.yml'))).toEqual([]);
    expect(k8sNameWarnings(await loadLab('labs/pods.yml')).join()).toMatch(/superspine1-eth1/);
  });
});

describe('bgplab generate --target clabernetes', () => {
  const cli = (args: string[]) => execa('node', ['dist/cli.js', ...args], { reject: false, all: true, env: { FORCE_COLOR: '0' } });
  beforeAll(async () => {
    await execa('npx', ['tsc', '-p', 'tsconfig.json']);
  }, 120_000);

  it('writes one YAML, valid for the API asked for (c9s.run by default)', async () => {
    for (const [args, api] of [
      [[], 'c9s.run'],
      [['--api', 'clabernetes.containerlab.dev'], 'clabernetes.containerlab.dev'],
    ] as const) {
      const out = tmpDir('bgplab-c9s-');
      const r = await cli(['generate', 'labs/clos.yml', '--target', 'clabernetes', ...args, '-o', out]);
      expect(r.exitCode, String(r.all)).toBe(0);
      expect(readdirSync(out).sort()).toEqual(['.bgplab-written', 'clos.clabernetes.yaml']); // the writer's manifest (src/render/write.ts)
      const objs = applied(readFileSync(join(out, 'clos.clabernetes.yaml'), 'utf8'));
      const topo = objs.find((o) => o.kind === 'Topology')!;
      expect(crdValidator(api).check(topo).errors).toEqual([]);
      expect(objs.filter((o) => o.kind === 'ConfigMap')).toHaveLength(10);
    }
  });

  it('validate --target clabernetes refuses a name Kubernetes refuses; an unknown --api is refused', async () => {
    const dir = tmpDir('bgplab-c9s-');
    const f = join(dir, 'bad.yml');
    await import('node:fs/promises').then((fs) => fs.writeFile(f, 'name: lab-\nfabric: { spines: 1, leaves: 2, servers: 1 }\n'));
    expect((await cli(['validate', f])).exitCode).toBe(0);
    const r = await cli(['validate', f, '--target', 'clabernetes']);
    expect(r.exitCode).toBe(1);
    expect(String(r.all)).toMatch(/bad\.yml:1:\d+: .*not a valid Kubernetes name/);
    expect((await cli(['generate', 'labs/clos.yml', '--target', 'clabernetes', '--api', 'c9s.io', '-o', dir])).exitCode).not.toBe(0);
  });
});

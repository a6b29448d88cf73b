/**
 * The lab as clabernetes (c9s) resources: one multi-document YAML for `kubectl apply -f`. Pure.
 *
 * Everything a node gets on one machine comes from the same render (renderLab): the
 * Topology's spec.definition.containerlab is the lab's `<lab>.clab.yml` text (image,
 * capabilities, sysctls, links), and each node's bound files (frr.conf, daemons, vtysh.conf)
 * come from one ConfigMap per node, mounted by deployment.filesFromConfigMap at the bind's
 * source path; the launcher runs containerlab in /clabernetes, so the topology's unchanged
 * binds carry the files on to /etc/frr/ (clabernetes v0.6.0 controllers/topology/deployment.go
 * mounts a relative filePath under /clabernetes/). Names, paths, modes and the namespace are
 * clabverter's (clabernetes' own converter), so both produce the same lab; the parity test
 * (test/unit/clabernetes-clabverter.test.ts) holds the two side by side.
 *
 * Both CRD generations take the same spec fields used here (read in the vendored CRDs,
 * ../shared/clabernetes/): only the API group differs.
 */
import { Document } from 'yaml';
import type { Lab } from '../lab/model.js';
import { namespaceName } from '../lab/k8s-names.js';
import { nodeBinds, type RenderOptions } from './clab.js';
import { renderLab, topologyFile } from './index.js';

export const CLABERNETES_APIS = ['c9s.run', 'clabernetes.containerlab.dev'] as const;
export type ClabernetesApi = (typeof CLABERNETES_APIS)[number];
/** c9s.run (clabernetes v0.8.0, 2026-08) is the project's current API group. */
export const DEFAULT_CLABERNETES_API: ClabernetesApi = 'c9s.run';

/**
 * Requests for each node's launcher pod (dockerd + containerd + the launcher + the FRR node).
 * Measured: FRR 33.7 MiB RSS per node on containerlab (bench/results/latest.md, default lab;
 * RSS, not the 20.2 MiB PSS: a pod shares no pages with the other nodes), dockerd 76 MiB and
 * containerd 38 MiB idle (Pss in /proc/PID/smaps_rollup on this machine, Docker with no
 * container): 148 MiB; the launcher process and the containerd shim could not be measured
 * here (no cluster), hence 192Mi. CPU: FRR idles at 0.04 % of a CPU per node (0.4 % for the
 * 10-node lab) and used 0.02 s per node to converge; 50m lets many pods share a worker
 * while bring-up bursts above it. No limits: an OOM kill or throttling would look like a
 * failover to the checks.
 */
export const LAUNCHER_REQUESTS = { cpu: '50m', memory: '192Mi' } as const;

/** ConfigMap data keys: the file names (frr.conf, daemons, vtysh.conf), unique per node. */
const dataKey = (source: string) => source.slice(source.lastIndexOf('/') + 1);
export const configMapName = (lab: string, node: string) => `${lab}-${node}-files`;

export interface ClabernetesOptions {
  api?: ClabernetesApi;
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** The cluster's kernel is unknown: no per-node ECMP hash seed (kernel >= 6.11, and Docker
 *  refuses a sysctl the kernel lacks, so the node would not start on an older worker). */
export const CLUSTER_RENDER: RenderOptions = { hashSeed: false };

export function clabernetesFile(lab: Pick<Lab, 'name'>): string {
  return `${lab.name}.clabernetes.yaml`;
}

export function clabernetesObjects(lab: Lab, opts: ClabernetesOptions = {}): K8sObject[] {
  const api = opts.api ?? DEFAULT_CLABERNETES_API;
  const files = renderLab(lab, CLUSTER_RENDER);
  const namespace = namespaceName(lab.name);
  const labels = { 'app.kubernetes.io/managed-by': 'bgplab', 'app.kubernetes.io/part-of': lab.name };
  const out: K8sObject[] = [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      // launcher pods run privileged (docker in the pod): a namespace enforcing the baseline
      // or restricted Pod Security level would refuse them
      metadata: { name: namespace, labels: { ...labels, 'pod-security.kubernetes.io/enforce': 'privileged' } },
    },
  ];
  const filesFromConfigMap: Record<string, { filePath: string; configMapName: string; configMapPath: string; mode: 'read' }[]> = {};
  for (const n of lab.nodes) {
    const name = configMapName(lab.name, n.name);
    const data: Record<string, string> = {};
    filesFromConfigMap[n.name] = nodeBinds(n.name).map((b) => {
      const text = files.get(b.source);
      if (text === undefined) throw new Error(`render: ${b.source} is bound but not rendered`);
      data[dataKey(b.source)] = text;
      // bgplab writes its files 0644 (mode "read", 0444 in the pod): nothing is executable
      return { filePath: b.source, configMapName: name, configMapPath: dataKey(b.source), mode: 'read' };
    });
    out.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels: { ...labels, 'bgplab.node': n.name } }, data });
  }
  out.push({
    apiVersion: `${api}/v1alpha1`,
    kind: 'Topology',
    metadata: { name: lab.name, namespace, labels },
    spec: {
      definition: { containerlab: files.get(topologyFile(lab)) },
      // Deployments and Services named <lab>-<node> whatever the cluster's global setting
      naming: 'prefixed',
      // bgplab reaches nodes with exec; auto-expose would add one LoadBalancer Service per
      // node for ports (ssh, gnmi, ...) an FRR node does not serve
      expose: { disableExpose: true },
      deployment: { filesFromConfigMap, resources: { default: { requests: { ...LAUNCHER_REQUESTS } } } },
    },
  });
  return out;
}

/** One YAML stream, Namespace first (`kubectl apply -f` creates in order). */
export function renderClabernetes(lab: Lab, opts: ClabernetesOptions = {}): string {
  const head = `# generated by bgplab${lab.source ? ` from ${lab.source.split('/').slice(-2).join('/')}` : ''}: kubectl apply -f ${clabernetesFile(lab)}\n`;
  return head + clabernetesObjects(lab, opts).map((o) => `---\n${new Document(o, { aliasDuplicateObjects: false }).toString({ lineWidth: 0 })}`).join('');
}

/**
 * What each node of a netns lab is: its namespace, its private state directory, its daemons
 * file and which FRR runs it (the host's, or a rootfs's), read from the plan and checked
 * before anything is created; and, once the lab is up, a node (or one of its interfaces)
 * found from the lab state, or the user error that says why not.
 */
import { readFile } from 'node:fs/promises';
import { IFNAME_RE, type DeployPlan, type PlanNode } from '../../clab/topology.js';
import { BgplabError } from '../../util/errors.js';
import { exists } from '../../util/fs.js';
import { run } from '../../util/process.js';
import { assertLabName, nodeStateDir, readState, type LabState } from '../state.js';
import { parseDaemonsFile, type DaemonsFile } from './frr.js';
import { netnsInode } from './proc.js';
import { FRR_LABEL, resolveInstall, ROOTFS_FRR_DIR, type FrrInstall } from './rootfs.js';

export const FRR_DIR = process.env['BGPLAB_FRR_DIR'] ?? '/usr/lib/frr';

export function nsName(lab: string, node: string): string {
  return `clab-${lab}-${node}`;
}

export interface NodeRun {
  lab: string;
  node: PlanNode;
  ns: string;
  dir: string;
  daemons: DaemonsFile;
  /** the host's FRR, or a rootfs's (FRR 10) */
  frr: FrrInstall;
}

/** Read and check every node's FRR files before anything is created. */
export async function prepareRuns(plan: DeployPlan): Promise<NodeRun[]> {
  const problems: string[] = [];
  const binCache = new Map<string, boolean>();
  const binPath = (frr: FrrInstall, d: string) => (frr.root ? `${frr.root}${ROOTFS_FRR_DIR}/${d}` : `${FRR_DIR}/${d}`);
  const hasBin = async (frr: FrrInstall, d: string) => {
    const p = binPath(frr, d);
    if (!binCache.has(p)) binCache.set(p, await exists(p));
    return binCache.get(p)!;
  };
  const installs = new Map<string, FrrInstall>();
  const runs: NodeRun[] = [];
  for (const node of plan.nodes) {
    const label = node.labels[FRR_LABEL];
    if (!installs.has(label ?? '')) installs.set(label ?? '', await resolveInstall(label));
    const frr = installs.get(label ?? '')!;
    const hasMgmtd = await hasBin(frr, 'mgmtd');
    const ns = nsName(plan.name, node.name);
    const dir = nodeStateDir(plan.name, node.name);
    let daemons: DaemonsFile = { daemons: [], options: {} };
    const conf = node.frrFiles['frr.conf'];
    if (conf) {
      if (!(await exists(conf))) problems.push(`node ${node.name}: ${conf} (bound to /etc/frr/frr.conf) does not exist`);
      const dfile = node.frrFiles['daemons'];
      let dtext: string | undefined;
      if (dfile) {
        try {
          dtext = await readFile(dfile, 'utf8');
        } catch {
          problems.push(`node ${node.name}: ${dfile} (bound to /etc/frr/daemons) cannot be read`);
        }
      }
      daemons = parseDaemonsFile(dtext, (d) => d !== 'mgmtd' || hasMgmtd);
      for (const d of daemons.daemons) {
        if (!(await hasBin(frr, d))) problems.push(`node ${node.name}: daemon ${d} is enabled but ${binPath(frr, d)} is not installed`);
      }
    }
    runs.push({ lab: plan.name, node, ns, dir, daemons, frr });
  }
  if (problems.length) {
    throw new BgplabError('E_ARTIFACTS', `cannot deploy ${plan.file}`, {
      details: problems,
      hint: 'run `bgplab generate` again, or install the missing FRR daemons',
    });
  }
  return runs;
}

export async function requireNode(lab: string, node: string): Promise<{ st: LabState; ns: string; dir: string }> {
  assertLabName(lab);
  const st = await readState(lab);
  if (!st) throw new BgplabError('E_NO_LAB', `lab "${lab}" is not up`, { hint: 'bgplab ls shows the running labs' });
  const n = st.nodes.find((x) => x.name === node);
  if (!n) {
    throw new BgplabError('E_NO_NODE', `lab "${lab}" has no node "${node}"`, {
      hint: `nodes: ${st.nodes.map((x) => x.name).join(', ')}`,
    });
  }
  const ns = n.ns ?? nsName(lab, node);
  if ((await netnsInode(ns)) === undefined) {
    throw new BgplabError('E_NO_NODE', `node ${node} of lab "${lab}": namespace ${ns} is missing`, { hint: `bgplab down ${lab} && bgplab up` });
  }
  return { st, ns, dir: nodeStateDir(lab, node) };
}

export async function requireInterface(lab: string, node: string, ifname: string): Promise<string> {
  const { st, ns } = await requireNode(lab, node);
  if (!IFNAME_RE.test(ifname)) throw new BgplabError('E_IFACE_MISSING', `"${ifname}" is not an interface name`);
  const r = await run('ip', ['-n', ns, 'link', 'show', 'dev', ifname], { check: false });
  if (r.exitCode !== 0) {
    const ifs = st.nodes.find((n) => n.name === node)?.interfaces ?? [];
    throw new BgplabError('E_IFACE_MISSING', `node ${node} has no interface ${ifname}`, {
      hint: ifs.length ? `its fabric interfaces: ${ifs.join(', ')}` : `see: bgplab exec ${node} -- ip link`,
    });
  }
  return ns;
}

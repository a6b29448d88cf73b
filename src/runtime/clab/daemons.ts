/**
 * FRR's daemons inside a lab's node containers: after deploy, waiting until vtysh reaches
 * every daemon each node's daemons file enables (the container's log in the error when it
 * does not) and vtysh's dry run of the bound frr.conf; stopping and starting them with
 * frrinit.sh (the container and its links stay); and which of them run (one `ps` each).
 */
import type { DeployPlan } from '../../clab/topology.js';
import { BgplabError, isBgplabError } from '../../util/errors.js';
import { mapLimit, sleep } from '../../util/pool.js';
import { readState, type NodeState } from '../state.js';
import type { DaemonHealth } from '../runtime.js';
import { containerExec, containerLogs, labContainers, mustExec, nodeContainer, type LabContainer } from './docker.js';

export const FRRINIT = '/usr/lib/frr/frrinit.sh';
/** How long FRR may take to come up in every node after the containers started */
const READY_TIMEOUT_MS = 60_000;

/** `vtysh -c 'show daemons'` output → daemon names ("zebra bgpd watchfrr staticd"). */
export function parseShowDaemons(out: string): string[] {
  return out.trim().split(/\s+/).filter(Boolean);
}

/** `ps -e -o pid=,comm=` output → pid by command name (first one wins). */
export function parsePs(out: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of out.split('\n')) {
    const t = /^\s*(\d+)\s+(\S+)/.exec(line);
    if (t && !m.has(t[2]!)) m.set(t[2]!, Number(t[1]));
  }
  return m;
}

/** Every node: container running and vtysh reaching each daemon its daemons file enables. */
export async function waitReady(plan: DeployPlan, states: readonly NodeState[]): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const containers = await labContainers(plan.name);
  const byNode = new Map(containers.map((c) => [c.node, c]));
  const missing = plan.nodes.filter((n) => !byNode.has(n.name)).map((n) => n.name);
  if (missing.length) throw new BgplabError('E_DEPLOY', `no container for node(s) ${missing.join(', ')} after deploy`);
  await mapLimit(plan.nodes, 8, async (n) => {
    const c = byNode.get(n.name)!;
    const want = states.find((s) => s.name === n.name)?.daemons ?? [];
    let last = '';
    for (;;) {
      const r = await containerExec(c.id, ['vtysh', '-c', 'show daemons'], { timeoutMs: 10_000 }).catch((e: unknown) => {
        if (isBgplabError(e) && e.code !== 'E_TIMEOUT') throw e;
        return { stdout: '', stderr: String(e), exitCode: -1 };
      });
      const have = new Set(parseShowDaemons(r.stdout));
      if (r.exitCode === 0 && want.every((d) => have.has(d))) return;
      last = (r.stderr || r.stdout).trim() || `running: ${[...have].join(' ')}`;
      if (Date.now() > deadline) {
        const logs = await containerLogs(c.id);
        throw new BgplabError('E_FRR_START', `FRR did not come up on ${n.name} within ${READY_TIMEOUT_MS / 1000} s (want ${want.join(' ')}; ${last})`, {
          details: logs,
        });
      }
      await sleep(200);
    }
  });
}

/** A config line no daemon knows fails the deploy (vtysh's dry run over the bound frr.conf). */
export async function checkConfigs(plan: DeployPlan): Promise<void> {
  const containers = new Map((await labContainers(plan.name)).map((c) => [c.node, c]));
  const bad: string[] = [];
  await mapLimit(plan.nodes, 8, async (n) => {
    if (!n.frrFiles['frr.conf']) return;
    const c = containers.get(n.name)!;
    const r = await containerExec(c.id, ['vtysh', '-C', '-f', '/etc/frr/frr.conf'], { timeoutMs: 20_000 });
    if (r.exitCode !== 0) bad.push(`${n.name}: ${(r.stdout + r.stderr).trim().split('\n').filter(Boolean).slice(0, 3).join(' | ')}`);
  });
  if (bad.length) throw new BgplabError('E_FRR_CONFIG', 'FRR rejected configuration lines', { details: bad });
}

/** Stop the node's FRR (watchfrr first, so nothing restarts them). The container and its links stay. */
export async function stopRouting(lab: string, node: string): Promise<void> {
  const c = await nodeContainer(lab, node);
  await mustExec(c, [FRRINIT, 'stop'], 'frrinit.sh stop', 'E_ROUTING');
}

/** Start FRR again (same bound config) unless watchfrr already runs; wait until its daemons answer. */
export async function startRouting(lab: string, node: string): Promise<void> {
  const c = await nodeContainer(lab, node);
  const ps = parsePs((await containerExec(c.id, ['ps', '-e', '-o', 'pid=,comm='])).stdout);
  if (!ps.has('watchfrr')) await mustExec(c, [FRRINIT, 'start'], 'frrinit.sh start', 'E_ROUTING');
  const st = await readState(lab);
  const want = st?.nodes.find((n) => n.name === node)?.daemons ?? ['zebra'];
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await containerExec(c.id, ['vtysh', '-c', 'show daemons'], { timeoutMs: 10_000 });
    const have = new Set(parseShowDaemons(r.stdout));
    if (r.exitCode === 0 && want.every((d) => have.has(d))) return;
    if (Date.now() > deadline) {
      throw new BgplabError('E_ROUTING', `FRR did not come back on ${node} within 30 s`, { details: [(r.stderr || r.stdout).trim()] });
    }
    await sleep(200);
  }
}

/** Daemons of one node: running or not (one `ps` inside the container). */
export async function daemonHealth(c: LabContainer, daemons: readonly string[]): Promise<DaemonHealth[]> {
  if (c.state !== 'running') return daemons.map((d) => ({ daemon: d, running: false }));
  const r = await containerExec(c.id, ['ps', '-e', '-o', 'pid=,comm='], { timeoutMs: 10_000 }).catch(() => undefined);
  const ps = parsePs(r?.stdout ?? '');
  return daemons.map((d) => {
    const pid = ps.get(d);
    return { daemon: d, running: pid !== undefined, ...(pid !== undefined ? { pid } : {}) };
  });
}

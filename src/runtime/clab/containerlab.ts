/**
 * Driving the containerlab binary (execa, argument arrays): whether a topology would make it
 * create a management network on the host, `deploy --reconfigure` (failing the deploy on the
 * `exec:` failures containerlab only logs) and `destroy --cleanup` (with a timeout that says
 * Docker hung), never with its online version check.
 */
import type { DeployPlan } from '../../clab/topology.js';
import { BgplabError, isBgplabError } from '../../util/errors.js';
import { run } from '../../util/process.js';

/** containerlab must not phone home (no network here, and CI must not depend on it) */
const CLAB_ENV = { CLAB_VERSION_CHECK: 'disable' };
const DEPLOY_TIMEOUT_MS = 10 * 60_000;

/**
 * Why containerlab would create a management network for this topology (a Docker bridge
 * on the host with an address, routes and iptables rules), or [] when it will not: every
 * node must resolve to `network-mode: none` and `mgmt.skip-when-unused` must be true.
 */
export function managementNetworkProblems(plan: DeployPlan): string[] {
  const problems: string[] = [];
  if (!plan.mgmtSkipWhenUnused) problems.push('mgmt.skip-when-unused is not true');
  const bridged = plan.nodes.filter((n) => n.networkMode !== 'none').map((n) => n.name);
  if (bridged.length) problems.push(`nodes without network-mode: none: ${bridged.join(', ')}`);
  return problems;
}

/** containerlab deploy --reconfigure of the topology; a failing `exec:` command fails it too. */
export async function containerlabDeploy(plan: DeployPlan): Promise<void> {
  const r = await run('containerlab', ['deploy', '-t', plan.file, '--reconfigure'], { env: CLAB_ENV, timeoutMs: DEPLOY_TIMEOUT_MS, check: false });
  if (r.exitCode !== 0) {
    throw new BgplabError('E_CLAB_DEPLOY', `containerlab deploy of ${plan.name} failed (exit ${r.exitCode})`, {
      details: (r.stderr || r.stdout).trim().split('\n').slice(-15),
    });
  }
  await checkContainerlabExec(plan, r.stdout + r.stderr);
}

/**
 * containerlab logs a failing `exec:` command and carries on; bgplab fails the deploy
 * (as the netns runtime does), since a node without its announced prefixes is broken.
 */
async function checkContainerlabExec(plan: DeployPlan, output: string): Promise<void> {
  const lines = output.split('\n').map((l) => l.replace(/\x1b\[[0-9;]*m/g, ''));
  const failed: string[] = [];
  lines.forEach((l, i) => {
    if (!/Failed to execute command/i.test(l)) return;
    failed.push(l.trim());
    // containerlab prints the command's stderr on the indented lines that follow
    for (let j = i + 1; j < lines.length && /^\s+\S/.test(lines[j]!) && failed.length < 12; j++) failed.push(`  ${lines[j]!.trim()}`);
  });
  if (failed.length) {
    throw new BgplabError('E_EXEC', `${plan.name}: an exec command of the topology failed (containerlab logs it and carries on; bgplab does not)`, {
      details: failed,
      hint: "commands from the topology's `exec:` run inside the node, split on whitespace, without a shell",
    });
  }
}

/** containerlab destroy --cleanup of the topology: the tail of its output when it failed, else undefined. */
export async function containerlabDestroy(lab: string, topo: string): Promise<string[] | undefined> {
  // a 10-node lab takes well under a second; 2 minutes means Docker stopped answering
  // (seen once: dockerd wedged after a burst of concurrent labs, inspect calls hung)
  const r = await run('containerlab', ['destroy', '-t', topo, '--cleanup'], { env: CLAB_ENV, check: false, timeoutMs: 120_000 }).catch((e: unknown) => {
    if (isBgplabError(e) && e.code === 'E_TIMEOUT') {
      throw new BgplabError('E_DOCKER_HUNG', `containerlab destroy of ${lab} did not finish in 120 s: Docker is not answering for its containers`, {
        hint: `check with: timeout 10 docker inspect clab-${lab}-<node>; restart dockerd (kill it, then make docker), then run bgplab down ${lab} again`,
        cause: e,
      });
    }
    throw e;
  });
  if (r.exitCode !== 0) return (r.stderr || r.stdout).trim().split('\n').slice(-5);
  return undefined;
}

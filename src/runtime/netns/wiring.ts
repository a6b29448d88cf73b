/**
 * A lab's namespaces wired as the topology says: each node's files (its copy of the FRR
 * files, its sysctl.conf, owned by the frr user), the sysctls, the veth pairs, lo and the
 * links up, and the topology's exec commands; per-node work goes through a few `ip -batch`
 * processes.
 */
import { chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { DeployPlan } from '../../clab/topology.js';
import { BgplabError, isBgplabError } from '../../util/errors.js';
import { allSettledOrThrow, chunk, mapLimit } from '../../util/pool.js';
import { run } from '../../util/process.js';
import { labStateDir } from '../state.js';
import type { NetnsContext } from './context.js';
import { withEndMarker } from './frr.js';
import { batchShards, ipBatch } from './ip-batch.js';
import { nsName, type NodeRun } from './nodes.js';
import { CHROOT_SCRIPT, CHROOT_SCRIPT_NAME } from './rootfs.js';

/** containerlab's default veth MTU; the same here so both runtimes behave alike */
const DEFAULT_MTU = 9500;
/** First ifindex for veth ends (per namespace; lo is 1, nothing else exists before the links) */
const VETH_INDEX_BASE = 100;

export async function writeNodeFiles(ctx: NetnsContext, runs: NodeRun[]): Promise<void> {
  const lab = runs[0]?.lab;
  if (lab && runs.some((r) => r.frr.root)) {
    await mkdir(labStateDir(lab), { recursive: true, mode: 0o755 });
    await writeFile(join(labStateDir(lab), CHROOT_SCRIPT_NAME), CHROOT_SCRIPT, { mode: 0o755 });
  }
  await mapLimit(runs, 64, async (r) => {
    const user = await ctx.daemonUser(r.frr);
    await mkdir(r.dir, { recursive: true, mode: 0o755 });
    const files: Record<string, string | undefined> = { ...r.node.frrFiles };
    // vtysh runs in the host's UTS namespace: without this its prompt would be the host's name
    if (files['frr.conf'] && !files['vtysh.conf']) files['vtysh.conf'] = undefined;
    for (const [name, src] of Object.entries(files)) {
      let text = src === undefined ? '' : await readFile(src, 'utf8');
      // the end marker is for daemons that read frr.conf themselves (8.4); vtysh -b would reject it
      if (name === 'frr.conf' && !r.frr.root) text = withEndMarker(text);
      if (name === 'vtysh.conf' && !/^hostname /m.test(text)) text += `${text && !text.endsWith('\n') ? '\n' : ''}hostname ${r.node.name}\n`;
      await writeFile(join(r.dir, name), text, { mode: 0o640 });
      if (user) await chown(join(r.dir, name), user.uid, user.gid);
    }
    if (r.node.sysctls.length) {
      await writeFile(join(r.dir, 'sysctl.conf'), r.node.sysctls.map(([k, v]) => `${k} = ${v}`).join('\n') + '\n');
    }
    if (user) await chown(r.dir, user.uid, user.gid);
  });
}

export async function applySysctls(ctx: NetnsContext, runs: NodeRun[]): Promise<void> {
  const lines = runs.filter((r) => r.node.sysctls.length).map((r) => `netns exec ${r.ns} sysctl -q -p ${join(r.dir, 'sysctl.conf')}`);
  if (!lines.length) return;
  // each line forks inside ip (no node-side spawn per namespace); shards run in parallel
  await Promise.all(chunk(lines, Math.max(1, Math.min(ctx.concurrency, availableParallelism()))).map((c) => ipBatch(c)));
}

export async function createLinks(plan: DeployPlan): Promise<void> {
  const lines = plan.links.map((l, i) => {
    const mtu = l.mtu ?? DEFAULT_MTU;
    // Distinct ifindexes for the two ends: created in fresh namespaces both would be 2,
    // 3, ..., and the kernel treats a carrier change of a device whose ifindex equals its
    // peer's (iflink) as non-urgent, batching it up to 1 s (linkwatch). Measured, one end
    // set down: the other end's operstate changed after 270-715 ms with equal ifindexes,
    // 3-40 ms with distinct ones; that delay was the link-down failover outage.
    const [ia, ib] = [VETH_INDEX_BASE + 2 * i, VETH_INDEX_BASE + 2 * i + 1];
    return `link add ${l.a.ifname} netns ${nsName(plan.name, l.a.node)} mtu ${mtu} index ${ia} type veth peer name ${l.b.ifname} netns ${nsName(plan.name, l.b.node)} mtu ${mtu} index ${ib}`;
  });
  if (!lines.length) return;
  try {
    await ipBatch(lines);
  } catch (e) {
    // "Command failed -:N" names the link
    const m = isBgplabError(e) ? /Command failed -:(\d+)/.exec(e.details.join('\n')) : null;
    const link = m ? plan.links[Number(m[1]) - 1] : undefined;
    if (link && isBgplabError(e)) {
      throw new BgplabError('E_LINK', `cannot create link ${link.a.node}:${link.a.ifname} <-> ${link.b.node}:${link.b.ifname}`, {
        details: e.details,
        cause: e,
      });
    }
    throw e;
  }
}

/**
 * lo and every link of every node up. They go through a few `ip -batch` processes
 * (`netns exec NS ip -batch FILE` per node) rather than one spawn per node: forking
 * bgplab's Node process costs far more than ip forking itself (measured on a 400-node
 * lab: 30 of 65 s of deploy blocked in spawn()).
 */
export async function linksUp(ctx: NetnsContext, runs: NodeRun[]): Promise<void> {
  const lines: string[] = [];
  for (const r of runs) {
    const file = join(r.dir, 'links-up.batch');
    await writeFile(file, ['lo', ...r.node.interfaces].map((i) => `link set dev ${i} up`).join('\n') + '\n');
    lines.push(`netns exec ${r.ns} ip -batch ${file}`);
  }
  await allSettledOrThrow(chunk(lines, batchShards(ctx.concurrency)).map((c) => ipBatch(c)));
}

export async function runExec(r: NodeRun): Promise<void> {
  for (const argv of r.node.exec) {
    const res = await run('ip', ['netns', 'exec', r.ns, ...argv], { check: false, timeoutMs: 30_000, env: r.node.env });
    if (res.exitCode !== 0) {
      throw new BgplabError('E_EXEC', `node ${r.node.name}: exec command failed (exit ${res.exitCode}): ${argv.join(' ')}`, {
        details: (res.stderr || res.stdout).trim().split('\n').slice(-5),
        hint: /Unknown device type/.test(res.stderr)
          ? 'this kernel lacks that interface type (e.g. CONFIG_DUMMY): the topology asks for something the kernel cannot do'
          : 'commands from the topology\'s `exec:` run inside the node, split on whitespace, without a shell',
      });
    }
  }
}

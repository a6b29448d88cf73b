/**
 * Live parity: the same lab on both runtimes (netns: FRR in network namespaces; clab:
 * FRR containers, deployed by containerlab when installed, else by bgplab's docker
 * deployer) gives the same session table, the same kernel routes to every loopback, and
 * the same traceroute path sets between servers. Labs c5parns / c5parcl.
 * Skips (saying why) only when Docker cannot run at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSummaries, waitForSessions } from '../../src/checks/sessions.js';
import { kernelNextHops, readKernelRoutes } from '../../src/checks/routes.js';
import { enumeratePaths, pathKey } from '../../src/checks/traceroute.js';
import type { CheckContext } from '../../src/checks/types.js';
import { deployLab, type LiveLab } from './checks-helpers.js';
import { containerlabOnPath, deployClabLab, ensureDockerAndImage, type ClabLab } from './clab-helpers.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const env = await ensureDockerAndImage().catch((e: unknown) => ({ ok: false as const, reason: `setup failed: ${(e as Error).message}` }));
if (!env.ok) console.warn(`[clab parity test] SKIPPED: ${env.reason}`);
/** The default lab's shape (labs/clos.yml without its VIPs: some CI kernels lack CONFIG_DUMMY):
 *  servers on different leaf pairs, so paths cross the spines and ECMP fans out. */
const LAB = 'name: x\nfabric:\n  spines: 2\n  leaves: 4\n  servers: 4\n';
const deployer = env.ok && (await containerlabOnPath()) ? ('containerlab' as const) : ('docker' as const);

/** node:ifname → "peer-hostname AS state" for every IPv4 unicast session */
async function sessionTable(ctx: CheckContext): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [node, s] of await readSummaries(ctx)) {
    if (s instanceof Error) throw s;
    for (const [ifname, p] of Object.entries(s.ipv4Unicast?.peers ?? {})) out[`${node}:${ifname}`] = `${p.hostname ?? '?'} AS${p.remoteAs ?? '?'} ${p.state}`;
  }
  return out;
}

/** node → loopback/32 → sorted next-hop interfaces in the kernel */
async function loopbackRoutes(ctx: CheckContext): Promise<Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, string>> = {};
  for (const n of ctx.lab.nodes) {
    const routes = await readKernelRoutes(ctx, n.name, 'ipv4');
    out[n.name] = {};
    for (const other of ctx.lab.nodes) {
      if (other.name === n.name) continue;
      out[n.name]![other.name] = (kernelNextHops(routes, `${other.loopback}/32`) ?? ['none']).join(',');
    }
  }
  return out;
}

/** server1 → every other server: the distinct paths traceroute saw (enough flows for every ECMP path) */
async function pathSets(ctx: CheckContext): Promise<Record<string, string[]>> {
  const servers = ctx.lab.nodes.filter((n) => n.role === 'server').map((n) => n.name);
  const out: Record<string, string[]> = {};
  for (const to of servers.slice(1)) {
    const e = await enumeratePaths(ctx, servers[0]!, to);
    expect(e.broken.length, `${servers[0]}→${to}: ${e.broken.length} flows never completed`).toBe(0);
    out[`${servers[0]}>${to}`] = [...e.seen.values()].map((v) => pathKey(v.path)).sort();
  }
  return out;
}

describe.skipIf(!env.ok)(`parity: netns and clab (${deployer}) give the same fabric`, () => {
  let N: LiveLab | undefined;
  let C: ClabLab | undefined;
  let labFile = '';

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'c5par-'));
    labFile = join(dir, 'lab.yml');
    await writeFile(labFile, LAB);
    N = await deployLab(labFile, 'c5parns');
    C = await deployClabLab(LAB, 'c5parcl', deployer);
    const w = await waitForSessions({ lab: C.lab, runtime: C.runtime }, 60_000);
    if (!w.ok) throw new Error(`c5parcl did not converge: ${w.failing.map((f) => f.message).join('; ')}`);
  }, 300_000);
  afterAll(async () => {
    await Promise.allSettled([N?.destroy(), C?.destroy()]);
    if (labFile) await rm(join(labFile, '..'), { recursive: true, force: true });
  }, 120_000);

  const ctxN = () => N!.ctx;
  const ctxC = (): CheckContext => ({ lab: C!.lab, runtime: C!.runtime });

  it('the same session table (every session Established, same peers and ASNs)', async () => {
    const [a, b] = await Promise.all([sessionTable(ctxN()), sessionTable(ctxC())]);
    expect(Object.keys(a).length).toBe(N!.lab.sessions.length);
    expect(Object.values(a).every((v) => v.endsWith(' Established'))).toBe(true);
    expect(b).toEqual(a);
  });

  it('the same kernel next hops towards every loopback on every node', async () => {
    const [a, b] = await Promise.all([loopbackRoutes(ctxN()), loopbackRoutes(ctxC())]);
    // ECMP where the model predicts it: a server reaches every other loopback over both its leaves
    expect(a['server1']!['server4']!.split(',').length).toBe(2);
    expect(b).toEqual(a);
  });

  it('the same traceroute path sets between servers', async () => {
    const a = await pathSets(ctxN());
    const b = await pathSets(ctxC());
    for (const paths of Object.values(a)) expect(paths.length).toBeGreaterThan(1);
    // across leaf pairs the paths cross the spines: server > leaf > spine > leaf > server
    expect(Math.max(...Object.values(a).map((p) => p.length))).toBeGreaterThanOrEqual(4);
    expect(b).toEqual(a);
    console.log(`[parity] path sets: ${JSON.stringify(a)}`);
  });
});

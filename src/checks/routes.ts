/**
 * routes: every node's route to every other node's loopback (and announced prefixes) has
 * exactly the next hops the model predicts (paths.ts), counted by interface in FRR's RIB
 * (`show ip route json`: next hops active and in the FIB) and in the kernel FIB
 * (`ip -j route show`). Prefixes the model says are unreachable (spines sharing an ASN)
 * must have no route at all.
 */
import { byIf, frrNextHops, kernelNextHops, parseRib, type FrrRib, type KernelRoute } from '../frr/routes.js';
import { familiesOf, predictFabric, type Family, type PredictedRoute } from '../lab/paths.js';
import { derivationScope, notDerivedText } from '../lab/derive.js';
import type { Lab, RouteExpectation } from '../lab/model.js';
import { BgplabError, errorText } from '../util/errors.js';
import { mapLimit } from '../util/pool.js';
import { settled } from './settle.js';
import { vtyshJson } from './sessions.js';
import type { Check, CheckContext, CheckResult } from './types.js';

export { frrNextHops, kernelNextHops, type FrrRib } from '../frr/routes.js';

export async function readFrrRib(ctx: CheckContext, node: string, family: Family): Promise<FrrRib> {
  return parseRib(await vtyshJson(ctx, node, family === 'ipv4' ? 'show ip route json' : 'show ipv6 route json'));
}

export async function readKernelRoutes(ctx: CheckContext, node: string, family: Family): Promise<KernelRoute[]> {
  const r = await ctx.runtime.exec(ctx.lab.name, node, ['ip', family === 'ipv4' ? '-4' : '-6', '-j', 'route', 'show']);
  if (r.exitCode !== 0) throw new BgplabError('E_COMMAND_FAILED', `${node}: ip route show failed: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout || '[]') as KernelRoute[];
}

function describe(route: PredictedRoute, ifnames: readonly string[]): string {
  return ifnames
    .map((i) => {
      const nh = route.nextHops.find((h) => h.ifname === i);
      return nh ? `${i} (${nh.node})` : i;
    })
    .join(', ');
}

/** Compare one route in both tables with its prediction; undefined when it matches. */
export function judgeRoute(route: PredictedRoute, frr: ReturnType<typeof frrNextHops>, kernel: string[] | undefined): string | undefined {
  const want = route.nextHops.map((h) => h.ifname).sort(byIf);
  const what = `${route.node} → ${route.prefix} (${route.origin})`;
  if (want.length === 0) {
    const leaks: string[] = [];
    if (frr) leaks.push(`FRR has a ${frr.protocol} route via ${frr.ifnames.join(', ') || 'nothing'}`);
    if (kernel) leaks.push(`kernel has a route via ${kernel.join(', ')}`);
    return leaks.length ? `${what}: no route expected (${route.unreachable ?? 'AS-path loop detection'}), but ${leaks.join('; ')}` : undefined;
  }
  const frrIfs = frr?.protocol === 'bgp' ? frr.ifnames : [];
  const kernelIfs = kernel ?? [];
  const same = (got: string[]) =>
    route.ambiguous ? got.length > 0 && got.every((g) => want.includes(g)) : got.length === want.length && got.every((g, i) => g === want[i]);
  if (same(frrIfs) && same(kernelIfs)) return undefined;
  const expected = `expected ${route.ambiguous ? `1-${want.length}` : want.length} next hop${want.length > 1 ? 's' : ''} via ${describe(route, want)}`;
  const missing = want.filter((w) => !frrIfs.includes(w) || !kernelIfs.includes(w));
  const parts = [
    `FRR has ${frrIfs.length}${frrIfs.length ? ` via ${describe(route, frrIfs)}` : ''}${frr && frr.protocol !== 'bgp' ? ` (a ${frr.protocol} route)` : ''}`,
    `kernel has ${kernelIfs.length}${kernelIfs.length ? ` via ${describe(route, kernelIfs)}` : ''}`,
  ];
  const hint = !route.ambiguous && missing.length ? `; missing ${missing.map((m) => `${route.node}:${m} → ${route.nextHops.find((h) => h.ifname === m)?.node}`).join(', ')}` : '';
  return `${what}: ${expected}; ${parts.join('; ')}${hint}`;
}

/** A route the lab file states (`checks.routes`), in the prediction's shape, to judge like one. */
export function statedRoute(lab: Lab, x: RouteExpectation): PredictedRoute {
  const nextHops = x.via.map((ifname) => {
    const s = lab.sessions.find((y) => y.node === x.node && y.ifname === ifname);
    return { node: s?.peer ?? '?', ifname, peerIfname: s?.peerIfname ?? '?' };
  });
  return { node: x.node, prefix: x.prefix, family: x.prefix.includes(':') ? 'ipv6' : 'ipv4', origin: 'checks.routes', pathLength: nextHops.length ? 1 : Infinity, nextHops, ambiguous: false, ...(nextHops.length ? {} : { unreachable: 'as the lab file states' }) };
}

export async function evaluateRoutes(ctx: CheckContext, opts: { nodes?: string[] } = {}): Promise<CheckResult[]> {
  const prediction = predictFabric(ctx.lab);
  const scope = derivationScope(ctx.lab, prediction);
  const stated = ctx.lab.checks.routes ?? [];
  const nodes = opts.nodes ?? ctx.lab.nodes.map((n) => n.name);
  const perNode = await mapLimit(nodes, 4, async (node): Promise<CheckResult[]> => {
    const t0 = Date.now();
    const rows: CheckResult[] = [];
    for (const family of familiesOf(ctx.lab)) {
      // derived expectations a user's config may change are skipped with the reason, unless
      // the lab file states them (checks.routes): those are judged instead
      const mine = stated.filter((x) => x.node === node && (x.prefix.includes(':') ? 'ipv6' : 'ipv4') === family);
      const routes: PredictedRoute[] = [];
      for (const r of prediction.routesOf(node).filter((r) => r.family === family)) {
        if (mine.some((x) => x.prefix === r.prefix)) continue;
        const why = scope.route(node, r.prefix);
        if (!why.length) routes.push(r);
        else rows.push({ check: 'routes', name: `${node} → ${r.prefix}`, status: 'skip', message: notDerivedText(why), measured: { expected: 'not derived' }, subject: { nodes: [node], prefix: r.prefix }, durationMs: 0 });
      }
      routes.push(...mine.map((x) => statedRoute(ctx.lab, x)));
      let rib: FrrRib;
      let kernel: KernelRoute[];
      try {
        [rib, kernel] = await Promise.all([readFrrRib(ctx, node, family), readKernelRoutes(ctx, node, family)]);
      } catch (e) {
        rows.push({ check: 'routes', name: `${node} (${family})`, status: 'fail', message: `${node}: cannot read routes: ${errorText(e)}`, subject: { nodes: [node] }, durationMs: Date.now() - t0 });
        continue;
      }
      for (const r of routes) {
        const frr = frrNextHops(rib, r.prefix);
        const k = kernelNextHops(kernel, r.prefix);
        const problem = judgeRoute(r, frr, k);
        const measured: Record<string, number | string | string[]> = {
          expected: r.nextHops.length,
          frr: frr?.protocol === 'bgp' ? frr.ifnames.length : 0,
          kernel: k?.length ?? 0,
        };
        if (r.nextHops.length === 0) measured.expected = 'none';
        rows.push({
          check: 'routes',
          name: `${node} → ${r.prefix}`,
          status: problem ? 'fail' : 'pass',
          message: problem ?? (r.nextHops.length ? `${r.nextHops.length} next hop${r.nextHops.length > 1 ? 's' : ''} via ${r.nextHops.map((h) => `${h.ifname} (${h.node})`).join(', ')}` : `no route, as predicted (${r.unreachable ?? 'AS-path loop detection'})`),
          measured,
          // the node, the prefix's origin, and the neighbours of next hops that are missing
          subject: { nodes: [...new Set([node, ...r.origin.split(','), ...r.nextHops.filter((h) => !frr?.ifnames.includes(h.ifname)).map((h) => h.node)])], prefix: r.prefix },
          durationMs: 0,
        });
      }
    }
    const each = Math.round((Date.now() - t0) / Math.max(1, rows.length));
    for (const r of rows) r.durationMs = each;
    return rows;
  });
  return perNode.flat();
}

export function makeRoutesCheck(opts: { settleMs?: number } = {}): Check {
  return {
    id: 'routes',
    description: 'each route to each loopback has the predicted ECMP next hops, in FRR and in the kernel FIB',
    async run(ctx) {
      // converging (just up, just restored): re-read while the failures change (settle.ts)
      return settled(() => evaluateRoutes(ctx), { maxMs: opts.settleMs, signal: ctx.signal });
    },
  };
}

export const routesCheck: Check = makeRoutesCheck();

/**
 * The lab file's `checks:` (traceroute, failover, routes) resolved against the expanded
 * nodes and links: each names nodes, interfaces and prefixes that exist, or is reported at
 * its field. Pure.
 */
import type { LabFile } from './schema.js';
import { ENDPOINT_RE } from './schema.js';
import type { FailoverScenario, Lab, LabLink, LabNode, RouteExpectation, TracerouteExpectation } from './model.js';
import { ROLES } from './model.js';
import { formatCidr, parseCidr } from './ip.js';
import type { FieldPath } from './draft.js';
import { NodeHints } from './node-hints.js';

export function resolveChecks(
  spec: LabFile,
  byName: Map<string, LabNode>,
  links: LabLink[],
  push: (p: FieldPath, m: string, h?: string) => void,
  dropped: Set<string>,
): Lab['checks'] {
  const traceroute: TracerouteExpectation[] = [];
  const failover: FailoverScenario[] = [];
  const hints = new NodeHints([...byName.keys()]);
  const endpoints = new Set(links.flatMap((l) => [`${l.a.node}:${l.a.ifname}`, `${l.b.node}:${l.b.ifname}`]));
  (spec.checks?.traceroute ?? []).forEach((t, i) => {
    const p: FieldPath = ['checks', 'traceroute', i];
    let ok = true;
    for (const f of ['from', 'to'] as const) {
      if (!byName.has(t[f])) {
        ok = false;
        if (dropped.has(t[f])) continue;
        push([...p, f], `unknown node "${t[f]}"`, hints.of(t[f]));
      }
    }
    (t.hops ?? []).forEach((h, j) => {
      if (!byName.has(h) && !(ROLES as readonly string[]).includes(h)) {
        push([...p, 'hops', j], `hop "${h}" is neither a node nor a role`, `use a node name or one of ${ROLES.join(', ')}`);
        ok = false;
      }
    });
    if (ok) {
      const e: TracerouteExpectation = { from: t.from, to: t.to };
      if (t.hops) e.hops = t.hops;
      if (t.flows) e.flows = t.flows;
      traceroute.push(e);
    }
  });
  (spec.checks?.failover ?? []).forEach((f, i) => {
    const p: FieldPath = ['checks', 'failover', i, 'target'];
    if (f.kind === 'node-down') {
      if (!byName.has(f.target)) {
        if (dropped.has(f.target)) return;
        push(p, `unknown node "${f.target}"`, hints.of(f.target));
        return;
      }
    } else {
      const m = ENDPOINT_RE.exec(f.target);
      const hit = m && endpoints.has(`${m[1]}:${m[2]}`);
      if (!hit) {
        if (m && dropped.has(m[1]!)) return;
        push(p, `"${f.target}" is not a link endpoint of this lab`, 'write "node:interface" of an existing link, e.g. "leaf1:eth1"');
        return;
      }
    }
    const s: FailoverScenario = { name: f.name ?? `${f.kind} ${f.target}`, kind: f.kind, target: f.target };
    if (f.max_outage_ms !== undefined) s.maxOutageMs = f.max_outage_ms;
    failover.push(s);
  });
  const routes: RouteExpectation[] = [];
  (spec.checks?.routes ?? []).forEach((r, i) => {
    const p: FieldPath = ['checks', 'routes', i];
    const node = byName.get(r.node);
    if (!node) {
      if (!dropped.has(r.node)) push([...p, 'node'], `unknown node "${r.node}"`, hints.of(r.node));
      return;
    }
    let prefix: string | undefined;
    const dst = byName.get(r.to);
    if (dst) prefix = `${dst.loopback}/32`;
    else {
      const c = parseCidr(r.to);
      if ('error' in c) {
        if (dropped.has(r.to)) return;
        push([...p, 'to'], `"${r.to}" is neither a node nor a prefix`, `a node name (${hints.of(r.to)}) or a prefix such as 10.0.3.1/32`);
        return;
      }
      prefix = formatCidr(c);
    }
    const bad = r.via.filter((v) => !node.interfaces.includes(v));
    if (bad.length) {
      push([...p, 'via'], `${r.node} has no fabric interface ${bad.join(', ')}`, `its interfaces: ${node.interfaces.join(', ') || 'none'}`);
      return;
    }
    routes.push({ node: r.node, prefix, via: r.via });
  });
  return { traceroute, failover, ...(routes.length ? { routes } : {}) };
}

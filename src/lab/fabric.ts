/**
 * `fabric:` -> nodes and links: spines, leaves, dual-homed servers, and the super-spine tier
 * of a 3-tier Clos (RFC 7938). Pure; interface names in order (downlinks first).
 */
import type { LabFile } from './schema.js';
import type { Role } from './model.js';
import { MAX_LINKS, MAX_NODES, type DraftLink, type DraftNode, type FieldPath } from './draft.js';

export function generateFabric(
  f: NonNullable<LabFile['fabric']>,
  drafts: Map<string, DraftNode>,
  links: DraftLink[],
  push: (path: FieldPath, message: string, hint?: string) => void,
): boolean {
  const pods = f.pods ?? 1;
  const uplinks = f.server_uplinks ?? 2;
  const servers = f.servers ?? 0;
  if (pods > 1 && f.super_spines === undefined) {
    push(['fabric', 'pods'], `a ${pods}-pod fabric needs super-spines`, 'add `super_spines: 2` (or more) under fabric:');
    return false;
  }
  if (pods === 1 && f.super_spines !== undefined) {
    push(['fabric', 'super_spines'], `super_spines without pods: 2 or more would be dropped: super-spines connect pods, and this fabric has one`, 'add `pods: 2` (or more) for a 3-tier fabric, or remove super_spines');
    return false;
  }
  const supersN = pods > 1 ? f.super_spines! : 0;
  const nodeCount = supersN + pods * (f.spines + f.leaves + (f.leaves >= uplinks ? servers : 0));
  const linkCount = pods * (f.spines * f.leaves + servers * uplinks) + pods * f.spines * supersN;
  if (nodeCount > MAX_NODES || linkCount > MAX_LINKS) {
    const over = nodeCount > MAX_NODES ? `${nodeCount} nodes, over the ${MAX_NODES}` : `${linkCount} links, over the ${MAX_LINKS}`;
    push(['fabric'], `this fabric has ${over} bgplab runs`, 'a node costs about 17 MiB of FRR memory: use fewer pods, spines, leaves or servers');
    return false;
  }
  if (servers > 0 && uplinks === 2 && f.leaves % 2 !== 0) {
    // reported, and the fabric is still generated (the odd leaf gets no servers) so that
    // the rest of the file is checked against it
    push(['fabric', 'leaves'], `leaves must be even when servers are dual-homed (leaf pairs 1+2, 3+4, ...): got ${f.leaves}`, `use leaves: ${f.leaves + 1}, or server_uplinks: 1`);
  }
  const fp: FieldPath = ['fabric'];
  const ifCount = new Map<string, number>();
  const nextIf = (node: string) => {
    const n = (ifCount.get(node) ?? 0) + 1;
    ifCount.set(node, n);
    return `eth${n}`;
  };
  const add = (name: string, role: Role, index: number, pod?: number) => {
    const d: DraftNode = { name, role, index, path: fp };
    if (pods > 1 && pod !== undefined) d.pod = pod;
    drafts.set(name, d);
  };
  const link = (a: string, b: string) => {
    links.push({ a: { node: a, ifname: nextIf(a) }, b: { node: b, ifname: nextIf(b) }, path: fp, epPath: [fp, fp] });
  };
  const supers: string[] = [];
  for (let i = 1; i <= (pods > 1 ? f.super_spines! : 0); i++) {
    supers.push(`superspine${i}`);
    add(`superspine${i}`, 'super-spine', i);
  }
  let spineN = 0;
  let leafN = 0;
  let serverN = 0;
  const podSpines: string[][] = [];
  for (let p = 1; p <= pods; p++) {
    const spines: string[] = [];
    const leaves: string[] = [];
    for (let i = 0; i < f.spines; i++) {
      spines.push(`spine${++spineN}`);
      add(`spine${spineN}`, 'spine', spineN, p);
    }
    for (let i = 0; i < f.leaves; i++) {
      leaves.push(`leaf${++leafN}`);
      add(`leaf${leafN}`, 'leaf', leafN, p);
    }
    podSpines.push(spines);
    // leaf ethS is its uplink to spine S of its pod; spine ethL is its downlink to leaf L
    for (const l of leaves) for (const s of spines) link(l, s);
    // servers: contiguous blocks per leaf pair (rack), server eth1/eth2 to the pair
    const groups = uplinks === 2 ? Math.floor(leaves.length / 2) : leaves.length;
    for (let i = 0; i < (groups > 0 ? servers : 0); i++) {
      const srv = `server${++serverN}`;
      add(srv, 'server', serverN, p);
      const g = Math.floor((i * groups) / servers);
      if (uplinks === 2) {
        link(srv, leaves[2 * g]!);
        link(srv, leaves[2 * g + 1]!);
      } else link(srv, leaves[g]!);
    }
  }
  // 3-tier: every pod spine connects to every super-spine (after the pod links, so
  // spine downlinks keep eth1..ethL and uplinks follow)
  for (const spines of podSpines) for (const s of spines) for (const ss of supers) link(s, ss);
  return true;
}

/**
 * Which links the lab has: the lab file's `links:` read into drafts, and of all links (the
 * fabric's and the explicit ones) those whose endpoints exist and whose interfaces are
 * unique and usable. Pure.
 */
import type { LabFile } from './schema.js';
import { ENDPOINT_RE, IFNAME_MAX, IFNAME_RE } from './schema.js';
import { describePath, type DraftLink, type DraftNode, type FieldPath } from './draft.js';
import type { NodeHints } from './node-hints.js';
import type { Push } from './rules.js';

/** Interfaces bgplab reserves inside a node. */
export const RESERVED_IFNAMES = new Set(['lo', 'eth0']);

/** The lab file's explicit links, in file order; an endpoint the schema rejected drops its link. */
export function explicitLinks(spec: LabFile): DraftLink[] {
  const links: DraftLink[] = [];
  (spec.links ?? []).forEach((l, i) => {
    const eps = Array.isArray(l) ? l : l.endpoints;
    const base: FieldPath = Array.isArray(l) ? ['links', i] : ['links', i, 'endpoints'];
    const parsed = eps.map((e) => ENDPOINT_RE.exec(e));
    if (!parsed[0] || !parsed[1]) return; // the schema already reported it
    links.push({
      a: { node: parsed[0][1]!, ifname: parsed[0][2]! },
      b: { node: parsed[1][1]!, ifname: parsed[1][2]! },
      path: ['links', i],
      epPath: [[...base, 0], [...base, 1]],
    });
  });
  return links;
}

/**
 * The links whose endpoints exist and whose interfaces are unique and valid; every other
 * one is reported (a link to a node in `dropped`, lost to shape errors, silently left out).
 */
export function checkLinks(
  links: DraftLink[],
  drafts: Map<string, DraftNode>,
  dropped: Set<string> | undefined,
  hints: NodeHints,
  push: Push,
): DraftLink[] {
  const used = new Map<string, FieldPath>();
  const nextFree = new Map<string, number>();
  const validLinks: DraftLink[] = [];
  for (const l of links) {
    let ok = true;
    for (const [side, ep] of [[0, l.a], [1, l.b]] as const) {
      const p = l.epPath[side];
      if (!drafts.has(ep.node)) {
        ok = false;
        if (dropped?.has(ep.node)) continue;
        push(p, `unknown node "${ep.node}" in link`, hints.of(ep.node));
        continue;
      }
      if (ep.ifname.length > IFNAME_MAX) {
        push(p, `interface name "${ep.ifname}" is ${ep.ifname.length} characters; Linux allows ${IFNAME_MAX}`, 'use a shorter name such as eth12');
        ok = false;
      } else if (!IFNAME_RE.test(ep.ifname)) {
        push(p, `interface name "${ep.ifname}" is not valid`, 'use letters, digits, ".", "_" or "-", starting with a letter');
        ok = false;
      } else if (RESERVED_IFNAMES.has(ep.ifname)) {
        push(p, `interface "${ep.ifname}" is reserved (lo: loopback, eth0: containerlab management)`, 'use eth1 or higher');
        ok = false;
      }
      const key = `${ep.node}:${ep.ifname}`;
      const prev = used.get(key);
      if (prev) {
        const where = prev.length === 1 && prev[0] === 'fabric' ? 'by a link fabric: generates' : `at ${describePath(prev)}`;
        push(p, `interface ${key} is used by two links (also ${where})`, `pick a free interface, e.g. ${ep.node}:${nextFreeIf(ep.node, used, nextFree)}`);
        ok = false;
      } else used.set(key, p);
    }
    if (ok && l.a.node === l.b.node) {
      push(l.path, `link connects node "${l.a.node}" to itself`, 'a link joins two different nodes');
      ok = false;
    }
    if (ok) validLinks.push(l);
  }
  return validLinks;
}

/** The lowest free ethN of a node; `from` remembers where the last search ended (interfaces
 *  are only ever added, so the answer never goes down). */
function nextFreeIf(node: string, used: Map<string, FieldPath>, from: Map<string, number>): string {
  let i = from.get(node) ?? 1;
  while (used.has(`${node}:eth${i}`)) i++;
  from.set(node, i);
  return `eth${i}`;
}

/**
 * expand: validated lab file (spec) -> resolved Lab model. Pure.
 * Generates the fabric, merges explicit nodes and links, assigns ASNs and loopbacks,
 * derives the expected sessions, and runs the cross-field rules. Every problem carries
 * the path of the lab-file field it comes from, so the loader can give file:line:col.
 * This file orders the phases and passes each what it needs; they live in fabric.ts,
 * nodes.ts, links.ts, addressing.ts, rules.ts and checks.ts.
 */
import type { LabFile } from './schema.js';
import type { BgpTimers, ExpectedSession, FrrVersion, Lab, LabDesign, LabLink, LabNode } from './model.js';
import { DEFAULT_DESIGN, DEFAULT_FRR } from './model.js';
import { parseIPv4, parseIPv6 } from './ip.js';
import { loopbackPrefixes, resolvePool, resolvePool6 } from './addressing.js';
import { describePath, MAX_LINKS, MAX_NODES, type DraftLink, type DraftNode, type FieldPath } from './draft.js';
import { generateFabric } from './fabric.js';
import { NodeHints } from './node-hints.js';
import { resolveChecks } from './checks.js';
import { checkLinks, explicitLinks } from './links.js';
import { checkContainerNames, DEFAULT_BFD, mergeNodes, resolveBfd, resolveNodes } from './nodes.js';
import { ruleAnnounceCoversLoopback, ruleAsnPlan, ruleAsns, ruleDesign, ruleLoopbacks, ruleServers, ruleSnippets, ruleTimers } from './rules.js';


export { describePath, type FieldPath } from './draft.js';
export { DEFAULT_POOL, ROLE_BLOCK } from './addressing.js';
export { MAX_LINKS, MAX_NODES } from './draft.js';
export { RESERVED_IFNAMES } from './links.js';
export { DEFAULT_ASN, DEFAULT_BFD, FRR_IMAGE, resolveBfd } from './nodes.js';

export interface LabProblem {
  path: FieldPath;
  message: string;
  hint?: string;
  /** point at the key of the last path segment rather than its value */
  atKey?: boolean;
}

export interface ExpandResult {
  lab?: Lab;
  problems: LabProblem[];
  /** the lab-file field of each snippet and frr_conf (the loader locates them in the file) */
  fields?: Map<object, FieldPath>;
}


export interface ExpandOptions {
  /** the spec lost fields to shape errors: skip the rules about absent things (no nodes, no links) */
  partial?: boolean;
  /** nodes the spec lost to shape errors: links and checks naming them are skipped silently */
  droppedNodes?: Set<string>;
}

export function expandLab(spec: LabFile, source?: string, opts: ExpandOptions = {}): ExpandResult {
  const problems: LabProblem[] = [];
  const push = (path: FieldPath, message: string, hint?: string, atKey?: boolean) => problems.push({ path, message, hint, atKey });

  const drafts = new Map<string, DraftNode>();
  const fabricLinks: DraftLink[] = [];

  // ---- 1. fabric shorthand -------------------------------------------------
  // a fabric that cannot be generated is the one message: every later reference to its
  // nodes would be a follow-on
  if (spec.fabric && !generateFabric(spec.fabric, drafts, fabricLinks, push)) return { problems };

  // ---- 2. explicit nodes: new nodes, or overrides of generated ones ----------
  mergeNodes(spec, drafts, push);

  // ---- 3. explicit links ----------------------------------------------------
  const links = fabricLinks.concat(explicitLinks(spec));

  if (drafts.size > MAX_NODES) {
    push(['nodes'], `the lab has ${drafts.size} nodes, over the ${MAX_NODES} bgplab runs`, 'a node costs about 17 MiB of FRR memory: split the lab', true);
    return { problems };
  }
  if (links.length > MAX_LINKS) {
    push(['links'], `the lab has ${links.length} links, over the ${MAX_LINKS} bgplab runs`, 'split the lab', true);
    return { problems };
  }

  // ---- 4. names ---------------------------------------------------------------
  checkContainerNames(spec, drafts, push);

  // ---- 5. links: endpoints exist, interfaces unique and valid ---------------
  const hints = new NodeHints([...drafts.keys()]);
  const validLinks = checkLinks(links, drafts, opts.droppedNodes, hints, push);

  // ---- 6. per-node resolution: ASN, loopback, announce, bfd, image ----------
  // YAML reads `frr: 10` as a number: both spellings mean the same version
  const frr: FrrVersion = spec.frr === undefined ? DEFAULT_FRR : (String(spec.frr) as FrrVersion);
  const pool = resolvePool(spec, drafts, push);
  const pool6 = resolvePool6(spec, push);
  const labBfd = resolveBfd(spec.bfd, DEFAULT_BFD, true);
  const design: LabDesign = {
    serverAsn: spec.design?.server_asn ?? DEFAULT_DESIGN.serverAsn,
    toServers: spec.design?.to_servers ?? DEFAULT_DESIGN.toServers,
    spineAsn: spec.design?.spine_asn ?? DEFAULT_DESIGN.spineAsn,
  };
  const labTimers: BgpTimers = { keepalive: spec.timers?.keepalive ?? 3, hold: spec.timers?.hold ?? 9 };
  const { nodes, noLoopback, fields } = resolveNodes(spec, drafts, validLinks, { source, frr, pool, pool6, bfd: labBfd, timers: labTimers, design }, push);

  const byName = new Map(nodes.map((n) => [n.name, n]));
  const pathOf = (name: string) => drafts.get(name)!.specPath ?? drafts.get(name)!.path;

  // ---- 7. rules ---------------------------------------------------------------
  ruleLoopbacks(nodes, pathOf, noLoopback, push);
  const planPathOf = (n: LabNode): FieldPath => {
    const key = n.role === 'super-spine' ? 'super_spine' : n.role;
    return (spec.asn as Record<string, unknown> | undefined)?.[key] !== undefined ? ['asn', key] : drafts.get(n.name)!.path;
  };
  const asnPathOf = (n: LabNode): FieldPath => {
    const d = drafts.get(n.name)!;
    return d.specPath ? [...d.specPath, 'asn'] : planPathOf(n);
  };
  const badAsn = ruleAsnPlan(nodes.filter((n) => drafts.get(n.name)!.spec?.asn === undefined), planPathOf, push);
  ruleAsns(nodes, validLinks, byName, asnPathOf, badAsn, push, design);
  ruleDesign(spec, nodes, (n) => drafts.get(n)!.specPath, design, push);
  ruleSnippets(spec, nodes, byName, pool6 !== undefined, hints.of.bind(hints), push);
  ruleTimers(spec, push);
  ruleAnnounceCoversLoopback(
    nodes.filter((n) => !noLoopback.has(n.name)),
    (n, i) => [...pathOf(n.name), 'announce', i],
    (a, f) => (f === 4 ? parseIPv4(a) : parseIPv6(a)),
    push,
  );
  // nodes named in any link, valid or not: an invalid link was reported already
  const wired = new Set(links.flatMap((l) => [l.a.node, l.b.node]));
  ruleServers(nodes, validLinks, byName, pathOf, push, opts.partial ? undefined : wired, describePath);

  // ---- 8. sessions: one per link side ---------------------------------------
  const labLinks: LabLink[] = validLinks.map((l) => ({ a: { ...l.a }, b: { ...l.b } }));
  const sessions = expectedSessions(labLinks, byName);

  // ---- 9. checks --------------------------------------------------------------
  const checks = resolveChecks(spec, byName, labLinks, push, opts.droppedNodes ?? new Set());

  const { keepalive, hold } = labTimers;
  if (nodes.length === 0 && !opts.partial && problems.length === 0) push([], 'the lab has no nodes', 'add `fabric:` or `nodes:`');

  if (problems.length) return { problems };
  const lab: Lab = {
    name: spec.name,
    frr,
    nodes,
    links: labLinks,
    sessions,
    checks,
    options: { transitFilters: spec.options?.transit_filters ?? true, keepalive, hold },
  };
  // only a lab file that says `design:` has one in its model (bgplab.json of existing labs unchanged)
  if (spec.design) {
    if (design.toServers === 'default+loopbacks') design.loopbackPrefixes = loopbackPrefixes(nodes, pool?.cidr, pool6);
    lab.design = design;
  }
  if (source) lab.source = source;
  return { lab, problems, fields };
}

/** The BGP sessions the links make: one per link side, towards the node at the other end. */
function expectedSessions(labLinks: LabLink[], byName: Map<string, LabNode>): ExpectedSession[] {
  const sessions: ExpectedSession[] = [];
  for (const l of labLinks) {
    const a = byName.get(l.a.node)!;
    const b = byName.get(l.b.node)!;
    sessions.push({ node: a.name, ifname: l.a.ifname, peer: b.name, peerIfname: l.b.ifname, peerAsn: b.asn });
    sessions.push({ node: b.name, ifname: l.b.ifname, peer: a.name, peerIfname: l.a.ifname, peerAsn: a.asn });
  }
  return sessions;
}

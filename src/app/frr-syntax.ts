/**
 * The user's own FRR configuration (snippets, frr_conf) through FRR's own parsers before
 * anything is written or deployed: each node with some is rendered in full and read by
 *   1. `vtysh --dryrun -f FILE` (`-C`): the grammar of every daemon, no daemon needed, with
 *      the line and FRR's message ("line 27: % Unknown command[59]:  set as-path prepnd 1");
 *      measured on FRR 8.4: 40 ms per file, typos in route-maps and neighbor lines caught,
 *      a neighbor that does not exist is not (the grammar accepts any name);
 *   2. `bgpd -C -f FILE -p 0` (as root: bgpd drops to the frr user): the BGP semantics —
 *      "% Specify remote-as or peer-group commands first" for a neighbor that is not
 *      configured. bgpd also refuses every other daemon's lines, so only its refusals inside
 *      `router bgp` count (routerBgpLines).
 * Each error is mapped back to the lab file's line:column of the snippet line (or the
 * user's frr.conf line) and quotes FRR. The host's FRR (8.4) parses labs of either version.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocatedProblem } from '../lab/load.js';
import { labProblemsError } from '../lab/load.js';
import type { Lab, LabNode } from '../lab/model.js';
import { nodeViews, renderFrrConfMapped, type RenderedFrrConf } from '../render/frr.js';
import { routerBgpLines, sourceOfRenderedLine } from '../render/frr-lines.js';
import { parseBootErrors } from '../runtime/netns/rootfs.js';
import { scanDaemonLog } from '../runtime/netns/frr.js';
import { mapLimit } from '../util/pool.js';
import { run } from '../util/process.js';

const BGPD = '/usr/lib/frr/bgpd';

/** Does the lab carry any configuration of the user's own? */
export function hasUserConfig(lab: Lab): boolean {
  return lab.nodes.some((n) => n.frrConf || n.snippets?.length);
}

interface NodeError {
  node: string;
  line: number;
  message: string;
  text: string;
  by: string;
}

/** Every problem FRR's parsers find in the user's configuration, located in the lab file. */
export async function checkUserConfig(lab: Lab): Promise<LocatedProblem[]> {
  const nodes = nodeViews(lab).filter((v) => v.node.frrConf || v.node.snippets?.length);
  if (!nodes.length) return [];
  const dir = await mkdtemp(join(tmpdir(), 'bgplab-frr-check-'));
  try {
    // bgpd -C runs as the frr user: it must be able to read the files
    await chmod(dir, 0o755);
    const root = typeof process.getuid === 'function' && process.getuid() === 0;
    const rendered = new Map<string, RenderedFrrConf>();
    const errors = (
      await mapLimit(nodes, 4, async (v): Promise<NodeError[]> => {
        const r = renderFrrConfMapped(lab, v);
        rendered.set(v.node.name, r);
        const file = join(dir, `${v.node.name}.conf`);
        await writeFile(file, r.text, { mode: 0o644 });
        const out: NodeError[] = [];
        const dry = await run('vtysh', ['--dryrun', '-f', file], { check: false, timeoutMs: 30_000 });
        const syntax = parseBootErrors(dry.stdout + '\n' + dry.stderr);
        for (const e of syntax) out.push({ node: v.node.name, line: e.line, message: `% ${e.message}`, text: e.text, by: 'vtysh --dryrun' });
        if (root && !syntax.length) out.push(...(await bgpdErrors(v.node, file, r.text, dir)));
        return out;
      })
    ).flat();
    return locate(lab, errors, rendered);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function bgpdErrors(node: LabNode, file: string, text: string, dir: string): Promise<NodeError[]> {
  const res = await run(BGPD, ['-C', '-f', file, '-p', '0', '-i', join(dir, `${node.name}.pid`), '-z', join(dir, `${node.name}.zserv`), '--vty_socket', dir], { check: false, timeoutMs: 30_000 });
  const bgp = routerBgpLines(text);
  const rejected = [...scanDaemonLog(res.stderr + '\n' + res.stdout).rejected].filter(([line]) => bgp.has(line)).sort((a, b) => a[0] - b[0]);
  // bgpd prints its reason ("% Specify remote-as ..."; on stderr when not on a terminal), one per refused line, in order
  const said = (res.stdout + '\n' + res.stderr).split('\n').filter((l) => l.startsWith('%'));
  return rejected.map(([line, r], i) => ({
    node: node.name,
    line,
    message: said.length === rejected.length ? said[i]!.trim() : r.message,
    text: r.text,
    by: 'bgpd -C',
  }));
}

/** One problem per lab-file location and message, naming every node it hit. */
function locate(lab: Lab, errors: NodeError[], rendered: Map<string, RenderedFrrConf>): LocatedProblem[] {
  const byKey = new Map<string, { p: Omit<LocatedProblem, 'message'>; e: NodeError; nodes: string[] }>();
  for (const e of errors) {
    const node = lab.nodes.find((n) => n.name === e.node)!;
    const src = sourceOfRenderedLine(node, rendered.get(e.node)!, e.line);
    const key = `${src.file}:${src.line}:${src.col}|${e.message}|${e.text}`;
    const hit = byKey.get(key);
    if (hit) {
      hit.nodes.push(e.node);
      continue;
    }
    const hint = src.generated
      ? `FRR refused bgplab's own line ${e.line} of the rendered frr.conf after this snippet: check that the snippet leaves the block it entered`
      : "fix the line (FRR's own parser said this; `bgplab validate` checks again)";
    byKey.set(key, { p: { file: src.file, line: src.line, col: src.col, path: [src.field], hint }, e, nodes: [e.node] });
  }
  return [...byKey.values()].map(({ p, e, nodes }) => ({ ...p, message: `FRR (${e.by}) on ${nodes.join(', ')}: ${e.message}: ${e.text}` }));
}

/** Throw the lab-file problems FRR finds in the user's configuration (E_LAB_INVALID), before anything is written. */
export async function assertUserConfigParses(lab: Lab, labfile: string): Promise<void> {
  if (!hasUserConfig(lab)) return;
  const problems = await checkUserConfig(lab);
  if (problems.length) throw labProblemsError(labfile, problems);
}

/** One line per node whose frr.conf is the user's own, for generate/up to say so. */
export function userConfigNotes(lab: Lab): string[] {
  return lab.nodes.flatMap((n) =>
    n.frrConf
      ? [`${n.name}: frr.conf is your own ${n.frrConf.given}, used as is; bgplab wrote only its daemons and vtysh.conf (and the links in the topology)`]
      : n.snippets?.length
        ? [`${n.name}: ${n.snippets.length} snippet(s) of yours placed in frr.conf (${[...new Set(n.snippets.map((s) => s.block))].join(', ')})`]
        : [],
  );
}

/**
 * load: lab file text -> validated spec -> Lab model, with every problem located at
 * file:line:col. Validation runs in three steps (schema, normalise/expand, rules) and
 * reports all problems at once.
 */
import { constants, open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isMap, isScalar, isSeq, type Document, type Node as YamlNode, type Pair, type YAMLMap } from 'yaml';
import type { z } from 'zod';
import { BgplabError } from '../util/errors.js';
import { labFileSchema } from './schema.js';
import { describePath, expandLab, type FieldPath, type LabProblem } from './expand.js';
import type { FrrVersion, Lab } from './model.js';
import { decodeLabBytes, MAX_LAB_BYTES, parseYamlText } from './yaml-text.js';

export const DEFAULT_LAB = 'labs/clos.yml';

export interface LocatedProblem extends LabProblem {
  file: string;
  line: number;
  col: number;
}

/** An extra check some targets need (src/lab/k8s-names.ts), run after the lab's own rules. */
export type LabRule = (lab: Lab) => LabProblem[];

export interface LoadResult {
  lab?: Lab;
  problems: LocatedProblem[];
}

/** What the command line overrides in a lab file. */
export interface LoadOptions {
  /**
   * Run the file as a lab of this name (`--name`): the file's `name:` is replaced before
   * validation, so every name derived from it (artifacts dir, namespaces, containers) and
   * every rule on it (length of clab-<lab>-<node>) use this one.
   */
  name?: string;
  /** `--frr`: the FRR version of every node, instead of the file's `frr:` */
  frr?: FrrVersion;
}

/** A `--name` that can be a lab name, else the user error saying why (before any file is read). */
export function assertNameOverride(name: string): void {
  const r = labFileSchema.shape.name.safeParse(name);
  if (!r.success) {
    throw new BgplabError('E_LAB_NAME', `--name "${name}": ${r.error.issues.map((i) => i.message).join('; ')}`, {
      hint: 'e.g. --name s1 (lowercase letters, digits, dashes)',
    });
  }
}

/** Pure: parse and expand lab text. `file` is only used in messages. */
export function loadLabText(text: string, file: string, rules: LabRule[] = [], opts: LoadOptions = {}): LoadResult {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a UTF-8 byte order mark: not part of the YAML
  const y = parseYamlText(text);
  const at = y.at;
  if (y.problems.length) return { problems: y.problems.map((p) => ({ file, ...at(p.offset), path: [], message: p.message, hint: p.hint })) };
  const data = y.data;
  if (data === null || data === undefined || typeof data !== 'object' || Array.isArray(data)) {
    return { problems: [{ file, line: 1, col: 1, path: [], message: 'the lab file must be a YAML mapping', hint: 'start with `name: mylab`' }] };
  }
  if (opts.name !== undefined) {
    assertNameOverride(opts.name);
    (data as Record<string, unknown>)['name'] = opts.name;
  }
  if (opts.frr !== undefined) (data as Record<string, unknown>)['frr'] = opts.frr;
  const offsets = new OffsetIndex(y.doc!);
  const locate = (p: LabProblem): LocatedProblem => ({ ...p, file, ...at(offsets.of(p.path, p.atKey)) });
  // Report every problem at once: after shape errors, drop the offending fields and run
  // the cross-field rules on what is left (a few rounds at most), mapping array indices
  // back to the file's. Rules about what is absent (no nodes, no links) are skipped on
  // such a partial document: the absence is the dropped field's doing.
  const shape: LabProblem[] = [];
  const removed = new PathSet();
  let current: unknown = data; // fresh plain data: parseYamlText copies every alias
  const remaps = new Map<string, number[]>();
  // Node names whose spec lost a field: references to them are the loss's doing, not new
  // mistakes. A fabric that lost a field it needs cannot be generated: then the shape
  // problems are the answer (every node name would otherwise be "unknown").
  const droppedNodes = new Set<string>();
  let fabricBroken = false;
  for (let round = 0; round < 4; round++) {
    const parsed = labFileSchema.safeParse(current);
    if (parsed.success) {
      if (fabricBroken) break;
      const { lab, problems, fields } = expandLab(parsed.data, resolve(file), { partial: shape.length > 0, droppedNodes });
      if (lab && fields) locateUserConfig(fields, offsets, text, file, at);
      // rules of a target (e.g. Kubernetes names), on a lab that is valid otherwise
      const extra = lab && shape.length === 0 ? rules.flatMap((r) => r(lab)) : [];
      if (lab && shape.length === 0) return extra.length ? { problems: extra.map(locate) } : { lab, problems: [] };
      const later: LabProblem[] = [];
      for (const p of problems) {
        const q = { ...p, path: remapPath(p.path, remaps) };
        if (!removed.related(q.path)) later.push(q);
      }
      return { problems: dedupe([...shape, ...later]).map(locate) };
    }
    const issues = parsed.error.issues.flatMap((i) => fromZod(i, current));
    for (const { cut: _cut, extra: _extra, ...p } of issues) {
      const q = { ...p, path: remapPath(p.path, remaps) };
      // a field reported as missing (or its parent as wrong) after an earlier round dropped
      // it is that round's doing: one mistake, one message
      if (!removed.related(q.path)) shape.push(q);
    }
    const cut = issues.map((p) => p.cut ?? p.path);
    for (const p of issues) {
      const c = p.cut ?? p.path;
      if (c[0] === 'nodes' && c.length >= 2) droppedNodes.add(String(c[1]));
      if (c[0] === 'fabric' && !p.extra) fabricBroken = true;
    }
    if (cut.some((c) => c.length === 0 || (c.length === 1 && c[0] === 'name'))) {
      // the document root or the lab name itself is wrong: substitute and go on
      if (cut.some((c) => c.length === 0)) break;
      (current as Record<string, unknown>)['name'] = 'lab';
    }
    const drop = cut.filter((c) => !(c.length === 1 && c[0] === 'name'));
    for (const c of drop) removed.add(remapPath(c, remaps));
    current = removePaths(current, drop, remaps);
  }
  return { problems: dedupe(shape).map(locate) };
}

/**
 * Where each snippet and frr_conf is in the file. A literal block (`|`) maps line by line:
 * its text starts on the line after the `|`, at the block's indentation; any other style
 * (quoted, plain, folded `>`) maps every line to where the value starts.
 */
function locateUserConfig(fields: Map<object, FieldPath>, offsets: OffsetIndex, text: string, file: string, at: (offset: number) => { line: number; col: number }): void {
  for (const [target, path] of fields) {
    const t = target as { file: string; line: number; col: number; literal?: boolean };
    const node = offsets.nodeAt(path);
    const start = node?.range?.[0] ?? offsets.of(path);
    const pos = at(start);
    t.file = file;
    t.line = pos.line;
    t.col = pos.col;
    if ('literal' in t && isScalar(node) && node.type === 'BLOCK_LITERAL') {
      const nl = text.indexOf('\n', start);
      if (nl < 0) continue;
      // the block's indentation: that of its first line with text
      const rest = text.slice(nl + 1, node.range![1]);
      const first = rest.split('\n').find((l) => l.trim() !== '') ?? '';
      const indent = first.length - first.trimStart().length;
      t.literal = true;
      t.line = pos.line + 1;
      t.col = indent + 1;
    }
  }
}

/** Paths dropped from the document; `related` is true for a path above or below one (O(depth)). */
class PathSet {
  private readonly exact = new Set<string>();
  private readonly prefixes = new Set<string>();
  add(p: FieldPath): void {
    this.exact.add(key(p));
    for (let i = 0; i <= p.length; i++) this.prefixes.add(key(p.slice(0, i)));
  }
  related(p: FieldPath): boolean {
    if (this.exact.size === 0) return false;
    if (this.prefixes.has(key(p))) return true; // p is above (or is) a dropped path
    for (let i = 0; i < p.length; i++) if (this.exact.has(key(p.slice(0, i)))) return true;
    return false;
  }
}

const key = (p: FieldPath) => p.map(String).join('\u0000');

/** Map indices of a sanitised document back to the original file's. */
function remapPath(p: FieldPath, remaps: Map<string, number[]>): FieldPath {
  const out: FieldPath = [];
  for (let i = 0; i < p.length; i++) {
    const seg = p[i]!;
    const m = typeof seg === 'number' ? remaps.get(JSON.stringify(p.slice(0, i))) : undefined;
    out.push(typeof seg === 'number' && m?.[seg] !== undefined ? m[seg]! : seg);
  }
  return out;
}

/** Delete each path (object key or array element); record for arrays which original index each survivor had. */
function removePaths(data: unknown, paths: FieldPath[], remaps: Map<string, number[]>): unknown {
  const arrayCuts = new Map<string, { parent: FieldPath; idx: Set<number> }>();
  for (const p of paths) {
    const parentPath = p.slice(0, -1);
    const last = p[p.length - 1]!;
    let parent: unknown = data;
    for (const seg of parentPath) parent = (parent as Record<string, unknown> | undefined)?.[String(seg)];
    if (Array.isArray(parent) && typeof last === 'number') {
      const k = JSON.stringify(parentPath);
      const e = arrayCuts.get(k) ?? { parent: parentPath, idx: new Set<number>() };
      e.idx.add(last);
      arrayCuts.set(k, e);
    } else if (parent && typeof parent === 'object') delete (parent as Record<string, unknown>)[String(last)];
  }
  for (const [k, { parent: pp, idx }] of arrayCuts) {
    let arr: unknown = data;
    for (const seg of pp) arr = (arr as Record<string, unknown>)[String(seg)];
    const a = arr as unknown[];
    const prior = remaps.get(k) ?? a.map((_, i) => i);
    const keep = a.map((_, i) => i).filter((i) => !idx.has(i));
    remaps.set(k, keep.map((i) => prior[i]!));
    const kept = keep.map((i) => a[i]);
    a.length = 0;
    a.push(...kept);
  }
  return data;
}

/** Read, validate and expand a lab file; throws one BgplabError listing every problem. */
export async function loadLab(file = DEFAULT_LAB, rules: LabRule[] = [], opts: LoadOptions = {}): Promise<Lab> {
  if (opts.name !== undefined) assertNameOverride(opts.name);
  const { bytes, size } = await readLabBytes(file);
  const decoded = decodeLabBytes(bytes, size);
  if ('problem' in decoded) {
    const { line, col, message, hint } = decoded.problem;
    throw labProblemsError(file, [{ file, line, col, path: [], message, hint }]);
  }
  const { lab, problems } = loadLabText(decoded.text, file, rules, opts);
  if (!lab) throw labProblemsError(file, problems);
  await readUserFrrConfs(lab, file);
  return lab;
}

/** A user's whole frr.conf (`nodes.<n>.frr_conf`): read into the model; a file that cannot be read is a lab-file problem at the field. */
async function readUserFrrConfs(lab: Lab, file: string): Promise<void> {
  const problems: LocatedProblem[] = [];
  for (const n of lab.nodes) {
    const fc = n.frrConf;
    if (!fc) continue;
    try {
      const { bytes, size } = await readLabBytes(fc.path);
      const d = decodeLabBytes(bytes, size);
      if ('problem' in d) throw new BgplabError('E_LAB_READ', d.problem.message);
      fc.text = d.text;
    } catch (e) {
      const why = e instanceof BgplabError ? e.message.replace(/^cannot read lab file [^:]*: /, '') : String(e);
      problems.push({ file, line: fc.line, col: fc.col, path: ['nodes', n.name, 'frr_conf'], message: `cannot read ${fc.given} (${fc.path}): ${why}`, hint: 'give the path of a frr.conf, relative to the lab file' });
    }
  }
  if (problems.length) throw labProblemsError(file, problems);
}

/**
 * The lab file's bytes, at most MAX_LAB_BYTES + 1 of them (so /dev/zero ends), from a
 * regular file only: opened non-blocking so that a FIFO without a writer cannot hang, and
 * checked with fstat on the open descriptor (no window between check and read).
 */
async function readLabBytes(file: string): Promise<{ bytes: Uint8Array; size: number }> {
  const fail = (why: string, hint?: string, cause?: unknown) => new BgplabError('E_LAB_READ', `cannot read lab file ${file}: ${why}`, { hint, cause });
  let fh;
  try {
    fh = await open(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw fail('no such file', 'give the path of a lab file, e.g. labs/clos.yml', e);
    if (code === 'EACCES' || code === 'EPERM') throw fail('permission denied', 'make the file readable, or run as a user who may read it', e);
    if (code === 'EISDIR') throw fail('it is a directory', 'give the path of a lab file inside it, e.g. labs/clos.yml', e);
    if (code === 'ENOTDIR') throw fail('a part of the path is not a directory', undefined, e);
    throw fail(String(code ?? e), undefined, e);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) {
      const what = st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a named pipe (FIFO)' : st.isCharacterDevice() ? 'a character device' : st.isBlockDevice() ? 'a block device' : st.isSocket() ? 'a socket' : 'not a regular file';
      throw fail(`it is ${what}, not a regular file`, st.isDirectory() ? 'give the path of a lab file inside it, e.g. labs/clos.yml' : 'save the lab to a file and give its path');
    }
    const buf = Buffer.alloc(Math.min(st.size, MAX_LAB_BYTES) + 1);
    let n = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
      if (n === buf.length) break;
    }
    return { bytes: buf.subarray(0, n), size: st.size };
  } catch (e) {
    if (e instanceof BgplabError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw fail(code === 'EISDIR' ? 'it is a directory' : String(code ?? e), undefined, e);
  } finally {
    await fh.close();
  }
}

/** Problems of one kind shown before "… and N more of the same kind". */
export const SHOWN_PER_KIND = 10;
/** Problem lines shown in all. Measured: 168,000 lines took 30 s and 2.3 GB to print. */
export const SHOWN_MAX = 50;

export function labProblemsError(file: string, problems: LocatedProblem[]): BgplabError {
  return new BgplabError('E_LAB_INVALID', `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the lab file`, {
    details: cappedDetails(problems),
    hint: 'fix them and run again (`bgplab validate FILE` checks without deploying)',
  });
}

/** The kind of a problem: its message without the names and numbers in it. */
export function problemKind(p: Pick<LabProblem, 'message'>): string {
  return p.message.replace(/"[^"]*"/g, '"…"').replace(/[0-9a-f:.]*\d[0-9a-f:./]*/gi, '#');
}

/** One line per problem, at most SHOWN_PER_KIND of each kind and SHOWN_MAX in all; the rest
 *  counted on a line after the last one shown of their kind. */
export function cappedDetails(problems: LocatedProblem[]): string[] {
  const shownOf = new Map<string, number>();
  const hiddenOf = new Map<string, number>();
  const lines: { text: string; kind?: string }[] = [];
  const lastLineOf = new Map<string, number>();
  let hiddenTotal = 0;
  for (const p of problems) {
    const k = problemKind(p);
    const shown = shownOf.get(k) ?? 0;
    if (shown < SHOWN_PER_KIND && lines.length < SHOWN_MAX) {
      shownOf.set(k, shown + 1);
      lastLineOf.set(k, lines.length);
      lines.push({ text: formatProblem(p), kind: k });
    } else {
      hiddenTotal++;
      if (shownOf.has(k)) hiddenOf.set(k, (hiddenOf.get(k) ?? 0) + 1);
    }
  }
  const out: string[] = [];
  let hiddenNamed = 0;
  lines.forEach((l, i) => {
    out.push(l.text);
    const h = l.kind !== undefined && lastLineOf.get(l.kind) === i ? hiddenOf.get(l.kind) : undefined;
    if (h) {
      out.push(`… and ${h} more of the same kind`);
      hiddenNamed += h;
    }
  });
  if (hiddenTotal > hiddenNamed) out.push(`… and ${hiddenTotal - hiddenNamed} more of other kinds`);
  return out;
}

export function formatProblem(p: LocatedProblem): string {
  const where = p.path.length ? ` ${describePath(p.path)}:` : '';
  return `${p.file}:${p.line}:${p.col}:${where} ${p.message}${p.hint ? ` (hint: ${p.hint})` : ''}`;
}

/** A shape problem, and what to drop from the document for the next round (default: its path). */
export type ShapeProblem = LabProblem & { cut?: FieldPath; /** an unknown key: dropping it loses nothing */ extra?: boolean };

/** One zod issue as located-ready problems; `schema` names the allowed keys of an unknown one (the lab file's by default; exercise files pass theirs). */
export function fromZod(issue: z.core.$ZodIssue, data: unknown, schema: unknown = labFileSchema): ShapeProblem[] {
  const path = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => ({
      path: [...path, k],
      atKey: true,
      extra: true,
      message: `unknown key "${k}"`,
      hint: knownKeysHint(path, schema),
    }));
  }
  if (issue.code === 'invalid_union') {
    // a link given in neither form, a bfd value of the wrong type...: say what is expected
    const first = issue.errors.flat()[0];
    // drop the whole union value (a link without one endpoint is no link either)
    if (first && first.code === 'invalid_format') return [{ path: [...path, ...first.path.filter((s): s is string | number => typeof s !== 'symbol')], message: first.message, cut: path }];
    return [{ path, message: unionMessage(path) }];
  }
  if (issue.code === 'invalid_type' && valueAt(data, path) === undefined) {
    return [{ path, message: `missing required field "${String(path[path.length - 1])}"`, atKey: true }];
  }
  return [{ path, message: issue.message }];
}

function valueAt(data: unknown, path: FieldPath): unknown {
  let v = data;
  for (const seg of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[String(seg)] : undefined;
  return v;
}

function unionMessage(path: FieldPath): string {
  const last = path[path.length - 1];
  if (path[0] === 'links') return 'a link is ["node:if", "node:if"] or { endpoints: ["node:if", "node:if"] }';
  if (last === 'bfd') return 'bfd is true, false, or { interval_ms, multiplier }';
  if (last === 'server_uplinks') return 'server_uplinks is 1 or 2';
  if (last === 'frr' && path.length === 1) return 'frr is "8.4" (Debian bookworm, the default) or "10" (Debian trixie\'s 10.3)';
  return 'value has the wrong shape';
}

function knownKeysHint(path: FieldPath, schema: unknown): string {
  // Walk the zod schema's shape along path to list the allowed keys.
  let s: unknown = schema;
  for (const seg of path) {
    s = unwrap(s);
    const def = (s as { def?: { type?: string; shape?: Record<string, unknown>; valueType?: unknown; element?: unknown } }).def;
    if (!def) return '';
    if (def.type === 'object' && typeof seg === 'string') s = def.shape?.[seg];
    else if (def.type === 'record') s = def.valueType;
    else if (def.type === 'array') s = def.element;
    else return '';
  }
  s = unwrap(s);
  const shape = (s as { def?: { shape?: Record<string, unknown> } }).def?.shape;
  return shape ? `allowed here: ${Object.keys(shape).join(', ')}` : '';
}

function unwrap(s: unknown): unknown {
  for (let i = 0; i < 5; i++) {
    const def = (s as { def?: { type?: string; innerType?: unknown; options?: unknown[] } }).def;
    if (!def) return s;
    if (def.type === 'optional' || def.type === 'default' || def.type === 'nullable') s = def.innerType;
    else if (def.type === 'union') s = def.options?.find((o) => (o as { def?: { type?: string } }).def?.type === 'object') ?? s;
    else return s;
    if (def.type === 'union') return s;
  }
  return s;
}

/**
 * Source offset of the deepest YAML node along a path (the key when atKey). Each mapping's
 * keys are indexed once, on first use: looking a key up by scanning the mapping per problem
 * made 8,000 problems in one mapping take 6.7 s (measured), the index makes it linear.
 */
export class OffsetIndex {
  private readonly maps = new WeakMap<object, Map<string, Pair>>();
  constructor(private readonly doc: Document) {}

  of(path: FieldPath, atKey?: boolean): number {
    let node: unknown = this.doc.contents;
    let best = (this.doc.contents as YamlNode | null)?.range?.[0] ?? 0;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!;
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = this.keysOf(node).get(String(seg));
        if (!pair) return best;
        const keyNode = pair.key as YamlNode | null;
        if (last && atKey && keyNode?.range) return keyNode.range[0];
        const v = pair.value as YamlNode | null;
        if (v?.range) best = v.range[0];
        else if (keyNode?.range) best = keyNode.range[0];
        node = v;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg] as YamlNode | undefined;
        if (!item?.range) return best;
        best = item.range[0];
        node = item;
      } else return best;
    }
    return best;
  }

  /** The YAML node at a path (undefined where the path leaves the document). */
  nodeAt(path: FieldPath): YamlNode | undefined {
    let node: unknown = this.doc.contents;
    for (const seg of path) {
      if (isMap(node)) node = this.keysOf(node).get(String(seg))?.value;
      else if (isSeq(node) && typeof seg === 'number') node = node.items[seg];
      else return undefined;
    }
    return (node ?? undefined) as YamlNode | undefined;
  }

  private keysOf(m: YAMLMap): Map<string, Pair> {
    let idx = this.maps.get(m);
    if (!idx) {
      idx = new Map();
      for (const it of m.items) {
        const k = isScalar(it.key) ? String(it.key.value) : String(it.key);
        if (!idx.has(k)) idx.set(k, it as Pair);
      }
      this.maps.set(m, idx);
    }
    return idx;
  }
}

function dedupe(ps: LabProblem[]): LabProblem[] {
  const seen = new Set<string>();
  return ps.filter((p) => {
    const k = `${p.path.join('.')}|${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

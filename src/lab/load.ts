/**
 * load: lab file text -> validated spec -> Lab model, with every problem located at
 * file:line:col. Validation runs in three steps (schema, normalise/expand, rules) and
 * reports all problems at once.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { BgplabError } from '../util/errors.js';
import { labFileSchema } from './schema.js';
import { describePath, expandLab, type FieldPath, type LabProblem } from './expand.js';
import type { FrrVersion, Lab } from './model.js';

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

/** What the command line overrides in a lab file (`--frr`). */
export interface LabOverrides {
  frr?: FrrVersion;
}

/** Pure: parse and expand lab text. `file` is only used in messages. */
export function loadLabText(text: string, file: string, rules: LabRule[] = [], overrides: LabOverrides = {}): LoadResult {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => {
    const p = lc.linePos(offset);
    return { line: p.line, col: p.col };
  };
  if (doc.errors.length) {
    return {
      problems: doc.errors.map((e) => ({
        file,
        ...at(e.pos[0]),
        path: [],
        message: `YAML: ${e.message.split('\n')[0]}`,
        hint: e.code === 'DUPLICATE_KEY' ? 'each key may appear once in a mapping' : 'check indentation and quoting near this position',
      })),
    };
  }
  const data: unknown = doc.toJS();
  if (data === null || data === undefined || typeof data !== 'object' || Array.isArray(data)) {
    return { problems: [{ file, line: 1, col: 1, path: [], message: 'the lab file must be a YAML mapping', hint: 'start with `name: mylab`' }] };
  }
  if (overrides.frr !== undefined) (data as Record<string, unknown>)['frr'] = overrides.frr;
  const locate = (p: LabProblem): LocatedProblem => ({ ...p, file, ...at(offsetOf(doc, p.path, p.atKey)) });
  // Report every problem at once: after shape errors, drop the offending fields and run
  // the cross-field rules on what is left (a few rounds at most), mapping array indices
  // back to the file's.
  const shape: LabProblem[] = [];
  const removed: FieldPath[] = [];
  let current: unknown = structuredClone(data);
  const remaps = new Map<string, number[]>();
  for (let round = 0; round < 4; round++) {
    const parsed = labFileSchema.safeParse(current);
    if (parsed.success) {
      const { lab, problems } = expandLab(parsed.data, resolve(file));
      // rules of a target (e.g. Kubernetes names), on a lab that is valid otherwise
      const extra = lab && shape.length === 0 ? rules.flatMap((r) => r(lab)) : [];
      if (lab && shape.length === 0) return extra.length ? { problems: extra.map(locate) } : { lab, problems: [] };
      const later = problems
        .map((p) => ({ ...p, path: remapPath(p.path, remaps) }))
        .filter((p) => !removed.some((r) => startsWith(r, p.path) || startsWith(p.path, r)));
      return { problems: dedupe([...shape, ...later]).map(locate) };
    }
    const issues = parsed.error.issues.flatMap((i) => fromZod(i, current));
    shape.push(...issues.map((p) => ({ ...p, path: remapPath(p.path, remaps) })));
    const cut = issues.map((p) => p.path);
    if (cut.some((c) => c.length === 0 || (c.length === 1 && c[0] === 'name'))) {
      // the document root or the lab name itself is wrong: substitute and go on
      if (cut.some((c) => c.length === 0)) break;
      (current as Record<string, unknown>)['name'] = 'lab';
    }
    removed.push(...cut.filter((c) => !(c.length === 1 && c[0] === 'name')).map((c) => remapPath(c, remaps)));
    current = removePaths(current, cut.filter((c) => !(c.length === 1 && c[0] === 'name')), remaps);
  }
  return { problems: dedupe(shape).map(locate) };
}

function startsWith(p: FieldPath, prefix: FieldPath): boolean {
  return prefix.length <= p.length && prefix.every((s, i) => String(s) === String(p[i]));
}

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
export async function loadLab(file = DEFAULT_LAB, rules: LabRule[] = [], overrides: LabOverrides = {}): Promise<Lab> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new BgplabError('E_LAB_READ', `cannot read lab file ${file}: ${code === 'ENOENT' ? 'no such file' : String(code)}`, {
      hint: code === 'ENOENT' ? 'give the path of a lab file, e.g. labs/clos.yml' : undefined,
      cause: e,
    });
  }
  const { lab, problems } = loadLabText(text, file, rules, overrides);
  if (lab) return lab;
  throw labProblemsError(file, problems);
}

export function labProblemsError(file: string, problems: LocatedProblem[]): BgplabError {
  const details = problems.map(formatProblem);
  return new BgplabError('E_LAB_INVALID', `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the lab file`, {
    details,
    hint: 'fix them and run again (`bgplab validate FILE` checks without deploying)',
  });
}

export function formatProblem(p: LocatedProblem): string {
  const where = p.path.length ? ` ${describePath(p.path)}:` : '';
  return `${p.file}:${p.line}:${p.col}:${where} ${p.message}${p.hint ? ` (hint: ${p.hint})` : ''}`;
}

function fromZod(issue: z.core.$ZodIssue, data: unknown): LabProblem[] {
  const path = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => ({
      path: [...path, k],
      atKey: true,
      message: `unknown key "${k}"`,
      hint: knownKeysHint(path, data),
    }));
  }
  if (issue.code === 'invalid_union') {
    // a link given in neither form, a bfd value of the wrong type...: say what is expected
    const first = issue.errors.flat()[0];
    if (first && first.code === 'invalid_format') return [{ path: [...path, ...first.path.filter((s): s is string | number => typeof s !== 'symbol')], message: first.message }];
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

function knownKeysHint(path: FieldPath, _data: unknown): string {
  // Walk the zod schema's shape along path to list the allowed keys.
  let s: unknown = labFileSchema;
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

/** Source offset of the deepest YAML node along `path` (the key when atKey). */
function offsetOf(doc: Document, path: FieldPath, atKey?: boolean): number {
  let node: unknown = doc.contents;
  let best = (doc.contents as YamlNode | null)?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((it) => (isScalar(it.key) ? String(it.key.value) : String(it.key)) === String(seg));
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

function dedupe(ps: LabProblem[]): LabProblem[] {
  const seen = new Set<string>();
  return ps.filter((p) => {
    const k = `${p.path.join('.')}|${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

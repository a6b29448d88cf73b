/**
 * yaml-text: lab file bytes -> text -> plain data, with every problem at a source offset.
 * Pure (no I/O). Everything here is linear in the size of the file and bounded:
 *  - bytes: at most MAX_LAB_BYTES, UTF-8 only (UTF-16/32 and binary files are named as such);
 *  - nesting: at most MAX_DEPTH levels, checked on the parser's token tree (iteratively)
 *    before anything recursive (yaml's composer, toJS, zod) sees the document;
 *  - aliases: any number, but their expansion is bounded (MAX_ALIAS_VALUES values);
 *  - duplicate keys: one Set per mapping (yaml's own `uniqueKeys` compares each key with
 *    every earlier one of its mapping: measured 2.4 s vs 1.7 s for 8,000 nodes and
 *    minutes for the 80,000 keys of a 5 MB file).
 */
import { type CST, Composer, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, Parser, type Document, type Node as YamlNode } from 'yaml';

/**
 * 1 MiB. A lab file is short: the default lab is 0.6 kB, and an explicit 2,000-node lab with
 * one link per node is about 100 kB. yaml parses about 0.35 MB/s of such text here
 * (measured: 5 MB of flow-style nodes and links took 15 s to compose), so 1 MiB is answered
 * in about 3 s and anything larger at once, with a message.
 */
export const MAX_LAB_BYTES = 1 << 20;
/** Lab files nest 5 levels (checks.failover[0].target); 64 leaves room and keeps every
 *  recursive consumer far from the stack limit (measured: yaml's composer overflowed at ~980). */
export const MAX_DEPTH = 64;
/** Values aliases may add on top of the file's own (a legitimate lab shares a node spec
 *  between a few hundred nodes: thousands of values; an alias bomb: billions). */
export const MAX_ALIAS_VALUES = 100_000;

export interface TextProblem {
  offset: number;
  message: string;
  hint?: string;
}

/** Bytes -> text. UTF-8 (a UTF-8 byte order mark is dropped); anything else is a problem. */
/** `size`: the file's size when only its first MAX_LAB_BYTES + 1 bytes were read. */
export function decodeLabBytes(bytes: Uint8Array, size = bytes.length): { text: string } | { problem: TextProblem & { line: number; col: number } } {
  const r = decodeBytes(bytes, size);
  if ('text' in r) return r;
  return { problem: { ...r.problem, ...textPosition(r.prefix ?? '', r.problem.offset) } };
}

/** Line and column (in characters) of a character offset, counted directly (for a single position). */
export function textPosition(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let col = 1;
  for (const ch of text.slice(0, offset)) {
    if (ch === '\n') {
      line++;
      col = 1;
    } else col++;
  }
  return { line, col };
}

function decodeBytes(bytes: Uint8Array, size: number): { text: string } | { problem: TextProblem; prefix?: string } {
  if (bytes.length > MAX_LAB_BYTES) {
    return {
      problem: {
        offset: 0,
        message: `the lab file has ${size > bytes.length ? size : 'over ' + MAX_LAB_BYTES} bytes (${mib(Math.max(size, bytes.length))}), over the ${mib(MAX_LAB_BYTES)} a lab file may have`,
        hint: 'describe large fabrics with `fabric:` (spines, leaves, servers) instead of listing every node',
      },
    };
  }
  const b = bytes;
  const enc =
    b[0] === 0xff && b[1] === 0xfe && b[2] === 0 && b[3] === 0 ? 'UTF-32 LE (byte order mark FF FE 00 00)'
    : b[0] === 0 && b[1] === 0 && b[2] === 0xfe && b[3] === 0xff ? 'UTF-32 BE (byte order mark 00 00 FE FF)'
    : b[0] === 0xff && b[1] === 0xfe ? 'UTF-16 LE (byte order mark FF FE)'
    : b[0] === 0xfe && b[1] === 0xff ? 'UTF-16 BE (byte order mark FE FF)'
    : b.length >= 2 && b[0] !== 0 && b[1] === 0 ? 'UTF-16 LE (no byte order mark)'
    : b.length >= 2 && b[0] === 0 && b[1] !== 0 ? 'UTF-16 BE (no byte order mark)'
    : undefined;
  if (enc) return { problem: { offset: 0, message: `the lab file is encoded as ${enc}; bgplab reads UTF-8`, hint: 'save it as UTF-8, e.g. `iconv -f UTF-16 -t UTF-8 in.yml > out.yml`' } };
  const bad = firstInvalidUtf8(b);
  const start = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  if (bad >= 0) {
    const prefix = new TextDecoder('utf-8').decode(b.subarray(start, bad));
    return { prefix, problem: { offset: prefix.length, message: `byte 0x${b[bad]!.toString(16).padStart(2, '0')} at byte ${bad} is not UTF-8`, hint: 'save the file as UTF-8 text' } };
  }
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(b.subarray(start));
  const nul = text.indexOf('\0');
  if (nul >= 0) return { prefix: text, problem: { offset: nul, message: 'the lab file contains a NUL character: it is not a text file', hint: 'give a YAML lab file, e.g. labs/clos.yml' } };
  return { text };
}

function mib(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(n % (1 << 20) ? 2 : 0)} MiB` : `${Math.ceil(n / 1024)} KiB`;
}

/** Index of the first byte that is not part of a well-formed UTF-8 sequence, or -1. */
function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n < 0 || i + n > b.length - 1) return i;
    for (let k = 1; k <= n; k++) if ((b[i + k]! & 0xc0) !== 0x80) return i;
    const c1 = b[i + 1]!;
    if ((c === 0xe0 && c1 < 0xa0) || (c === 0xed && c1 >= 0xa0) || (c === 0xf0 && c1 < 0x90) || (c === 0xf4 && c1 >= 0x90)) return i;
    i += n + 1;
  }
  return -1;
}

/** offset -> 1-based line and column, the column counted in characters (code points). */
export function positionFinder(text: string, lc: LineCounter): Position {
  // Offsets of the high halves of surrogate pairs (characters outside the BMP take two
  // UTF-16 units): the column subtracts those between the line start and the offset.
  const astral: number[] = [];
  if (/[\uD800-\uDBFF]/.test(text)) for (let i = 0; i < text.length; i++) if ((text.charCodeAt(i) & 0xfc00) === 0xd800) astral.push(i);
  const before = (o: number) => {
    let lo = 0;
    let hi = astral.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (astral[mid]! < o) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return (offset: number) => {
    const o = Math.max(0, Math.min(offset, text.length));
    const { line, col } = lc.linePos(o);
    if (line === 0) return { line: 1, col: 1 };
    const start = o - (col - 1);
    return { line, col: col - (astral.length ? before(o) - before(start) : 0) };
  };
}

export type Position = (offset: number) => { line: number; col: number };

export interface ParsedYaml {
  data?: unknown;
  doc?: Document;
  problems: TextProblem[];
  /** offset -> line and column (in characters) */
  at: Position;
}

/** Text -> plain data (objects, arrays, scalars). Problems stop here: one per mistake. */
export function parseYamlText(text: string): ParsedYaml {
  const lc = new LineCounter();
  const tokens = [...new Parser(lc.addNewLine).parse(text)];
  const at = positionFinder(text, lc);
  const r = parseTokens(tokens, text, at);
  return { ...r, at };
}

function parseTokens(tokens: CST.Token[], text: string, at: Position): Omit<ParsedYaml, 'at'> {
  const deep = tooDeep(tokens);
  if (deep) return { problems: [deep] };
  const docs = [...new Composer({ uniqueKeys: false, prettyErrors: false }).compose(tokens, true, text.length)];
  const doc = docs[0]!;
  const errors = docs.flatMap((d) => d.errors).sort((a, b) => a.pos[0] - b.pos[0]);
  if (errors.length) {
    // the composer reports an unclosed quote at the end of the document, and then the
    // collections it swallowed: name only the quote, where it opens
    const quote = errors.find((e) => /quote/i.test(e.message)) ? unclosedQuote(tokens) : undefined;
    if (quote) return { problems: [quote] };
    const e = errors[0]!;
    const hint = e.code === 'MULTIPLE_DOCS' ? 'a lab file is one YAML document: remove the `---` line' : 'check indentation and quoting near this position';
    return { problems: [{ offset: e.pos[0], message: `YAML: ${e.message.split('\n')[0]}`, hint }] };
  }
  if (docs.length > 1) return { problems: [{ offset: docs[1]!.range[0], message: 'YAML: a lab file holds one document; this is a second one', hint: 'remove the `---` line and what follows, or merge the documents' }] };
  const conv = new Converter(at);
  try {
    const data = conv.value(doc.contents as YamlNode | null, 0, false);
    if (conv.problems.length) return { problems: conv.problems };
    return { data, doc, problems: [] };
  } catch (e) {
    if (e instanceof LimitExceeded) return { problems: [e.problem] };
    throw e;
  }
}

interface CstItem {
  start?: { offset: number }[];
  key?: CstToken | null;
  sep?: unknown;
  value?: CstToken | null;
}
interface CstToken {
  type: string;
  offset: number;
  source?: string;
  value?: CstToken;
  items?: CstItem[];
}

/** The first token nested deeper than MAX_DEPTH collections, walked without recursion. */
function tooDeep(tokens: unknown[]): TextProblem | undefined {
  const stack: [CstToken, number][] = (tokens as CstToken[]).map((t) => [t, 0]);
  while (stack.length) {
    const [t, d] = stack.pop()!;
    if (t.type === 'document') {
      if (t.value) stack.push([t.value, 0]);
      continue;
    }
    if (!t.items) continue;
    if (d + 1 > MAX_DEPTH) {
      return { offset: t.offset, message: `the lab file nests deeper than ${MAX_DEPTH} levels here`, hint: 'a lab file nests at most a few levels (nodes: name: announce: [...]); check the brackets and indentation' };
    }
    for (const it of t.items) {
      if (it.key && typeof it.key === 'object') stack.push([it.key, d + 1]);
      if (it.value && typeof it.value === 'object') stack.push([it.value, d + 1]);
    }
  }
  return undefined;
}

/** The first quoted scalar that is never closed, from the parser's tokens. */
function unclosedQuote(tokens: unknown[]): TextProblem | undefined {
  const stack: CstToken[] = [...(tokens as CstToken[])].reverse();
  let first: CstToken | undefined;
  while (stack.length) {
    const t = stack.pop()!;
    if ((t.type === 'double-quoted-scalar' || t.type === 'single-quoted-scalar') && !closed(t.type, t.source ?? '')) {
      if (!first || t.offset < first.offset) first = t;
    }
    if (t.value && typeof t.value === 'object') stack.push(t.value);
    for (const it of t.items ?? []) {
      if (it.key && typeof it.key === 'object') stack.push(it.key);
      if (it.value && typeof it.value === 'object') stack.push(it.value);
    }
  }
  if (!first) return undefined;
  const q = first.type === 'double-quoted-scalar' ? '"' : "'";
  return { offset: first.offset, message: `YAML: the ${q === '"' ? 'double' : 'single'} quote opened here is never closed`, hint: `add the closing ${q}` };
}

function closed(type: string, s: string): boolean {
  if (s.length < 2) return false;
  if (type === 'single-quoted-scalar') {
    // '' is an escaped quote: the scalar is closed when it ends in an odd run of quotes
    let n = 0;
    for (let i = s.length - 1; i > 0 && s[i] === "'"; i--) n++;
    return n % 2 === 1;
  }
  if (!s.endsWith('"')) return false;
  let bs = 0;
  for (let i = s.length - 2; i > 0 && s[i] === '\\'; i--) bs++;
  return bs % 2 === 0;
}

class LimitExceeded extends Error {
  constructor(readonly problem: TextProblem) {
    super(problem.message);
  }
}

/**
 * yaml nodes -> plain data in one pass: duplicate keys, non-scalar keys, aliases (each
 * expanded into a fresh copy, so that later edits of one copy leave the other alone, with
 * the number of values they add and the depth they reach bounded).
 */
class Converter {
  readonly problems: TextProblem[] = [];
  private readonly anchors = new Map<string, YamlNode>();
  private aliasValues = 0;
  constructor(private readonly at: Position) {}

  value(node: YamlNode | null | undefined, depth: number, viaAlias: boolean): unknown {
    if (node === null || node === undefined) return null;
    if (depth > MAX_DEPTH) {
      throw new LimitExceeded({ offset: node.range?.[0] ?? 0, message: `aliases nest the lab file deeper than ${MAX_DEPTH} levels here`, hint: 'use aliases for node specs, not to build nested structures' });
    }
    if (viaAlias && ++this.aliasValues > MAX_ALIAS_VALUES) {
      throw new LimitExceeded({ offset: node.range?.[0] ?? 0, message: `aliases expand to more than ${MAX_ALIAS_VALUES} values`, hint: 'an alias repeats its anchor\'s whole value: do not alias collections that contain aliases' });
    }
    if (!viaAlias && node.anchor) this.anchors.set(node.anchor, node);
    if (isAlias(node)) {
      const target = this.anchors.get(node.source);
      if (!target) {
        this.problems.push({ offset: node.range?.[0] ?? 0, message: `YAML: alias *${node.source} has no anchor &${node.source} before it`, hint: 'define `&name` on a value before using `*name`' });
        return null;
      }
      return this.value(target, depth, true);
    }
    if (isScalar(node)) return node.value;
    if (isSeq(node)) {
      const out: unknown[] = [];
      for (const it of node.items) out.push(this.value(it as YamlNode, depth + 1, viaAlias));
      return out;
    }
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      const seen = new Map<string, number>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const k = pair.key as YamlNode | null;
        const kOff = k?.range?.[0] ?? node.range?.[0] ?? 0;
        if (k !== null && !isScalar(k)) {
          if (!viaAlias) this.problems.push({ offset: kOff, message: 'YAML: a key must be a plain name, not a collection or alias', hint: 'write `name: value`' });
          continue;
        }
        const key = String(k === null ? '' : k.value);
        const prev = seen.get(key);
        if (prev !== undefined) {
          if (!viaAlias) this.problems.push({ offset: kOff, message: `YAML: duplicate key "${key}" (first at line ${this.at(prev).line})`, hint: 'each key may appear once in a mapping' });
          continue;
        }
        seen.set(key, kOff);
        const v = this.value(pair.value as YamlNode | null, depth + 1, viaAlias);
        if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
        else out[key] = v;
      }
      return out;
    }
    return null;
  }
}

/**
 * FRR's JSON as vtysh prints it: one document per `-c`, sometimes with log lines around
 * it. Pure: text in, parsed documents out.
 */
import { BgplabError } from '../util/errors.js';

/** Split concatenated JSON documents (vtysh prints one per -c). */
export function splitJson(text: string): unknown[] {
  // Fast path: FRR ends every JSON document with a newline, and a raw newline cannot occur
  // inside a JSON string, so a closing bracket, a newline and an opening bracket only ever
  // separate two documents. Native JSON.parse on each: ~3x less CPU than the scan below on
  // a 400-node lab's route tables (measured); anything unusual falls through to the scan.
  const parts = text.split(/(?<=[}\]])[ \t\r]*\n\s*(?=[{[])/);
  try {
    return parts.map((p) => p.trim()).filter(Boolean).map((p) => JSON.parse(p) as unknown);
  } catch {
    /* not only JSON documents: scan */
  }
  const out: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inStr = false;
  let esc = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inStr) {
      if (esc) esc = false;
      else if (c === '\\') esc = true;
      else if (c === '"') inStr = false;
      continue;
    }
    if (c === '"') inStr = true;
    else if (c === '{' || c === '[') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0 && start >= 0) {
        out.push(JSON.parse(text.slice(start, i + 1)));
        start = -1;
      }
    }
  }
  return out;
}

/**
 * The one JSON document a single show command printed. vtysh may print log lines (zebra
 * warnings) around it. Throws E_FRR_OUTPUT naming the node and the command.
 */
export function parseShowJson(out: string, node: string, command: string): unknown {
  let docs: unknown[];
  try {
    docs = splitJson(out);
  } catch (e) {
    throw new BgplabError('E_FRR_OUTPUT', `${node}: \`${command}\` printed invalid JSON`, { cause: e, details: out.trim().split('\n').slice(-5) });
  }
  if (!docs.length) {
    throw new BgplabError('E_FRR_OUTPUT', `${node}: \`${command}\` printed no JSON (is the daemon running?)`, {
      details: out.trim().split('\n').slice(-5),
    });
  }
  return docs[0];
}

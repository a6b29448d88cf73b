/**
 * Exercise file text -> validated exercise, every problem at file:line:col. Pure (the
 * caller reads the files). Same steps as a lab file (src/lab/load.ts, whose YAML and
 * location helpers this reuses): YAML with positions, the schema, then rules that need
 * the exercise's lab (every node named must be one of its nodes).
 */
import type { z } from 'zod';
import { type FieldPath } from '../lab/expand.js';
import { cappedDetails, fromZod, OffsetIndex, type LocatedProblem } from '../lab/load.js';
import { parseYamlText } from '../lab/yaml-text.js';
import { BgplabError } from '../util/errors.js';
import { EXPECTATION_KINDS, exerciseFileSchema, expectationSchema, type ExerciseFile, type Expectation, type FaultSpec } from './schema.js';

export interface ExerciseLoad {
  exercise?: ExerciseFile;
  problems: LocatedProblem[];
}

interface Problem {
  path: FieldPath;
  message: string;
  hint?: string;
  atKey?: boolean;
}

/** `nodes`: the node names of the exercise's lab (undefined: not checked). */
export function loadExerciseText(text: string, file: string, nodes?: readonly string[]): ExerciseLoad {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const y = parseYamlText(text);
  if (y.problems.length) return { problems: y.problems.map((p) => ({ file, ...y.at(p.offset), path: [], message: p.message, hint: p.hint })) };
  const data = y.data;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { problems: [{ file, line: 1, col: 1, path: [], message: 'the exercise file must be a YAML mapping', hint: 'start with `title: ...`' }] };
  }
  const offsets = new OffsetIndex(y.doc!);
  const locate = (p: Problem): LocatedProblem => ({ ...p, file, ...y.at(offsets.of(p.path, p.atKey)) });
  const parsed = exerciseFileSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap((i) => shapeProblems(i, data));
    return { problems: dedupe(problems).map(locate) };
  }
  const problems = nodes ? nodeRules(parsed.data, new Set(nodes)) : [];
  if (problems.length) return { problems: problems.map(locate) };
  return { exercise: parsed.data, problems: [] };
}

/** An expectation that matched no form: its own kind's schema says precisely what is wrong. */
function shapeProblems(issue: z.core.$ZodIssue, data: unknown): Problem[] {
  const path = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
  const i = path.indexOf('expect');
  if (issue.code === 'invalid_union' && i >= 0 && path.length === i + 2) {
    const v = valueAt(data, path);
    const keys = v && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v) : [];
    const kind = keys.length === 1 && (EXPECTATION_KINDS as readonly string[]).includes(keys[0]!) ? keys[0]! : undefined;
    if (!kind) {
      return [{ path, message: `an expectation is one of: ${EXPECTATION_KINDS.join(', ')} (one key)`, hint: 'e.g. - ecmp: { node: server1, prefix: 10.0.3.2/32, nexthops: 2 }' }];
    }
    const option = expectationSchema.options.find((o) => kind in o.shape)!;
    const r = option.safeParse(v);
    if (!r.success) return r.error.issues.flatMap((j) => fromZod({ ...j, path: [...path, ...j.path] } as z.core.$ZodIssue, data, exerciseFileSchema));
  }
  return fromZod(issue, data, exerciseFileSchema);
}

function valueAt(data: unknown, path: FieldPath): unknown {
  let v = data;
  for (const seg of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[String(seg)] : undefined;
  return v;
}

/** The nodes an expectation names, with the field that names each. */
function expectationNodes(e: Expectation): [string, string][] {
  const [kind, body] = Object.entries(e)[0]! as [string, Record<string, unknown>];
  const out: [string, string][] = [];
  for (const k of ['node', 'peer', 'server', 'from'] as const) if (typeof body[k] === 'string') out.push([`${kind}.${k}`, body[k] as string]);
  if (Array.isArray(body['between'])) (body['between'] as string[]).forEach((n, i) => out.push([`${kind}.between.${i}`, n]));
  const f = (body['fail'] ?? body['during']) as FaultSpec | undefined;
  if (f) out.push([`${kind}.${body['fail'] ? 'fail' : 'during'}.element`, elementNode(f.element)]);
  if (kind === 'failover') out.push([`${kind}.target`, String(body['target']).split(':')[0]!]);
  return out;
}

/** The first node an element names (node, node:if, a--b). */
export const elementNode = (element: string) => element.split('--')[0]!.split(':')[0]!;

function nodeRules(x: ExerciseFile, nodes: ReadonlySet<string>): Problem[] {
  const out: Problem[] = [];
  const known = [...nodes].sort().join(', ');
  const check = (path: FieldPath, name: string, atKey = false) => {
    if (!nodes.has(name)) out.push({ path, atKey, message: `no node "${name}" in the exercise's lab`, hint: `nodes: ${known}` });
  };
  const setups: [FieldPath, ExerciseFile['setup']][] = [[['setup'], x.setup], ...x.stages.map((s, i): [FieldPath, ExerciseFile['setup']] => [['stages', i, 'setup'], s.setup])];
  for (const [p, s] of setups) {
    for (const n of Object.keys(s?.vtysh ?? {})) check([...p, 'vtysh', n], n, true);
    (s?.faults ?? []).forEach((f, j) => check([...p, 'faults', j, 'element'], elementNode(f.element)));
  }
  x.stages.forEach((s, i) => {
    for (const n of Object.keys(s.solution.vtysh ?? {})) check(['stages', i, 'solution', 'vtysh', n], n, true);
    if (Array.isArray(s.solution.heal)) s.solution.heal.forEach((h, j) => check(['stages', i, 'solution', 'heal', j], elementNode(h)));
    s.expect.forEach((e, j) => {
      for (const [field, name] of expectationNodes(e)) check(['stages', i, 'expect', j, ...field.split('.').map((f) => (/^\d+$/.test(f) ? Number(f) : f))], name);
    });
  });
  return out;
}

function dedupe(ps: Problem[]): Problem[] {
  const seen = new Set<string>();
  return ps.filter((p) => {
    const k = `${p.path.join('.')}|${p.message}`;
    return !seen.has(k) && !!seen.add(k);
  });
}

export function exerciseProblemsError(file: string, problems: LocatedProblem[]): BgplabError {
  return new BgplabError('E_EXERCISE_INVALID', `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the exercise file`, {
    details: cappedDetails(problems),
    hint: 'fix them and run again (bgplab exercise list validates every shipped exercise)',
  });
}

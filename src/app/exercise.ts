/**
 * Training exercises on a running lab: start / status / check / hint / solve / reset.
 * Each takes an AbortSignal and an event callback (AppOptions) and returns values; the
 * command renders them. Exercise files are read and validated here (src/exercise/load.ts
 * is the pure part); progress lives in the lab's state directory (exercise.json).
 *
 * Reset is `down` + `up` of the same lab, then the starting state again. Measured on the
 * 5-7 node exercise labs (netns, shared machine): down 0.2-0.4 s + up 2-4 s. Restarting the
 * touched nodes' daemons instead is no faster (their peers need 4-10 s to re-establish:
 * connect-retry and router-advertisement timers, README "Failover check"), misses what a
 * student changed on nodes the exercise never touched, and a `write memory` inside a node
 * would survive it; a fresh lab is the starting state by construction.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkLab, labModel } from './check.js';
import { runReport, type CheckRun, type RunReport } from '../checks/runner.js';
import { healAll } from '../faults/index.js';
import { loadExerciseText, exerciseProblemsError } from '../exercise/load.js';
import { finished, newProgress, nextHint, recordCheck, recordReset, recordSolve, replayPlan, type Progress } from '../exercise/progress.js';
import type { ExerciseFile, Setup, Solution, Stage } from '../exercise/schema.js';
import { loadLab } from '../lab/load.js';
import type { Lab } from '../lab/model.js';
import { observeLab } from '../observe/sessions.js';
import { waitForLab } from '../observe/wait.js';
import type { Runtime } from '../runtime/runtime.js';
import { runningLab, runtimeForLab, type RuntimeChoice } from '../runtime/select.js';
import { readExerciseProgress, writeExerciseProgress } from '../runtime/state.js';
import { BgplabError, isBgplabError } from '../util/errors.js';
import { mapLimit, pollUntil, throwIfAborted } from '../util/pool.js';
import { downLab } from './down.js';
import { ignore, type AppOptions } from './events.js';
import { EXERCISE_CHECK_BY, evaluateExpectations } from './exercise-observe.js';
import { failElement, healElements } from './faults.js';
import { bringUp } from './up.js';

/** labs/exercises of this installation (dist/app/ -> ../../labs/exercises), or BGPLAB_EXERCISES. */
export const exercisesRoot = () => resolve(process.env['BGPLAB_EXERCISES'] ?? fileURLToPath(new URL('../../labs/exercises/', import.meta.url)));

export interface LoadedExercise {
  id: string;
  dir: string;
  x: ExerciseFile;
  labfile: string;
  task: string;
  /** the lab file's own model (its `name:`), for node names */
  lab: Lab;
}

/** Read and validate one exercise directory: its exercise.yml against its lab's nodes. */
export async function loadExercise(id: string, root = exercisesRoot()): Promise<LoadedExercise> {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(id)) throw new BgplabError('E_EXERCISE_UNKNOWN', `"${id}" is not an exercise id`, { hint: 'bgplab exercise list shows them' });
  const dir = join(root, id);
  const file = join(dir, 'exercise.yml');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    const ids = await exerciseIds(root);
    throw new BgplabError('E_EXERCISE_UNKNOWN', `no exercise "${id}" in ${root}`, { hint: `exercises: ${ids.join(', ') || '(none)'}` });
  }
  // the lab first: its nodes are what the exercise may name
  const pre = loadExerciseText(text, file);
  if (!pre.exercise) throw exerciseProblemsError(file, pre.problems);
  const labfile = join(dir, pre.exercise.lab);
  const lab = await loadLab(labfile);
  const { exercise, problems } = loadExerciseText(text, file, lab.nodes.map((n) => n.name));
  if (!exercise) throw exerciseProblemsError(file, problems);
  const task = await readFile(join(dir, exercise.task), 'utf8').catch(() => {
    throw new BgplabError('E_EXERCISE_INVALID', `${file}: task file ${exercise.task} cannot be read`, { hint: 'task: names a Markdown file beside exercise.yml' });
  });
  return { id, dir, x: exercise, labfile, task, lab };
}

async function exerciseIds(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

export interface ExerciseListing {
  id: string;
  title?: string;
  summary?: string;
  stages?: number;
  labfile?: string;
  /** the exercise does not load: why */
  error?: string;
}

export async function listExercises(root = exercisesRoot()): Promise<ExerciseListing[]> {
  const out: ExerciseListing[] = [];
  for (const id of await exerciseIds(root)) {
    try {
      const e = await loadExercise(id, root);
      out.push({ id, title: e.x.title, summary: e.x.summary, stages: e.x.stages.length, labfile: e.labfile });
    } catch (err) {
      out.push({ id, error: isBgplabError(err) ? [err.message, ...(err.details ?? [])].join('\n') : String(err) });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// applying states

async function applyVtysh(runtime: Runtime, lab: string, per: Record<string, string[]> | undefined): Promise<void> {
  for (const [node, lines] of Object.entries(per ?? {})) await runtime.vtysh(lab, node, lines);
  await refreshPolicies(runtime, lab, Object.keys(per ?? {}));
}

/**
 * Apply changed route-maps and prefix-lists now: FRR applies them only when its route-map
 * delay timer fires (5 s by default; measured 5.2-5.3 s from a prefix-list change to the
 * withdrawal here), which a check run right after a change races. A soft clear re-runs
 * every policy at once (0.7-1.0 s to the withdrawal, measured) and resets no session.
 * Run on the nodes a setup or solution changed, and on every node before a check (the
 * student's own changes). A node without `router bgp` refuses it, which is fine.
 */
export async function refreshPolicies(runtime: Runtime, lab: string, nodes: readonly string[]): Promise<void> {
  await mapLimit(nodes, 8, (n) => runtime.vtysh(lab, n, ['clear bgp ipv4 unicast * soft']).catch(() => undefined));
}

async function applySetup(runtime: Runtime, lab: Lab, s: Setup | undefined, app: AppOptions): Promise<void> {
  await applyVtysh(runtime, lab.name, s?.vtysh);
  for (const f of s?.faults ?? []) await failElement(runtime, lab, { element: f.element, mode: f.mode, by: 'exercise setup' }, app);
}

async function applySolution(runtime: Runtime, lab: Lab, s: Solution, app: AppOptions): Promise<void> {
  if (s.heal === true) await healElements(runtime, lab, undefined, { ...app, timeoutMs: 1 });
  else for (const el of s.heal ?? []) await healElements(runtime, lab, el, { ...app, timeoutMs: 1 });
  await applyVtysh(runtime, lab.name, s.vtysh);
}

/**
 * Wait until the lab stops changing after a change of config: every node's session states,
 * received prefix counts and route counts the same for 2 s (at most 20 s). A change reaches
 * every node within ~1 s here (coalesce-time 100 ms, no MRAI between eBGP peers in the
 * datacenter profile); a session that was reset needs 1-3 s (router advertisements every 3 s).
 */
export async function settle(runtime: Runtime, lab: Lab, signal?: AbortSignal): Promise<number> {
  let last = '';
  let since = performance.now();
  const r = await pollUntil(
    () => observeLab(runtime, lab, { routes: true }),
    (obs) => {
      const now = JSON.stringify(obs.map((o) => [o.node, o.error, o.routeCount, o.sessions.map((s) => [s.ifname, s.state, s.pfxRcd])]));
      if (now !== last) {
        last = now;
        since = performance.now();
        return false;
      }
      return performance.now() - since >= 2000;
    },
    { timeoutMs: 20_000, intervalMs: 300, ...(signal ? { signal } : {}) },
  );
  return r.elapsedMs;
}

/** Apply what reaches the starting state of the progress's current stage (replayPlan). */
async function applyStartingState(runtime: Runtime, lab: Lab, e: LoadedExercise, stage: number, app: AppOptions): Promise<void> {
  for (const step of replayPlan(e.x, stage)) {
    throwIfAborted(app.signal);
    if (step.kind === 'setup') await applySetup(runtime, lab, step.of === 'exercise' ? e.x.setup : e.x.stages[step.of]!.setup, app);
    else await applySolution(runtime, lab, e.x.stages[step.of]!.solution, app);
  }
  await settle(runtime, lab, app.signal);
}

// ---------------------------------------------------------------------------
// the commands' functions

export interface ExerciseView {
  e: LoadedExercise;
  progress: Progress;
  /** the current stage (undefined: every stage passed) */
  stage?: Stage;
}

const view = (e: LoadedExercise, progress: Progress): ExerciseView => ({ e, progress, ...(finished(progress) ? {} : { stage: e.x.stages[progress.stage]! }) });

export interface StartOptions {
  id: string;
  /** lab name (default: the exercise lab file's name) */
  name?: string;
  runtime: RuntimeChoice;
  timeoutSec: number;
}

/** Bring the exercise's lab up and apply its starting state; a lab already up with this exercise is reused as it is. */
export async function startExercise(o: StartOptions, app: AppOptions = {}): Promise<ExerciseView & { reused: boolean }> {
  const onEvent = app.onEvent ?? ignore;
  const e = await loadExercise(o.id);
  const name = o.name ?? e.lab.name;
  const running = await runtimeForLab(name);
  if (running) {
    const p = await readExerciseProgress<Progress>(name);
    if (p?.exercise === e.id) return { ...view(e, p), reused: true };
    throw new BgplabError('E_EXERCISE', `lab ${name} is already up${p ? ` with exercise ${p.exercise}` : ' and runs no exercise'}`, {
      hint: `take it down first (bgplab down ${name}) or start the exercise under another name: bgplab exercise start ${e.id} --name NAME`,
      data: { lab: name, ...(p ? { exercise: p.exercise } : {}) },
    });
  }
  const up = await bringUp({ labfile: e.labfile, name, runtime: o.runtime, timeoutSec: o.timeoutSec }, app);
  // recorded before the starting state is applied: a start interrupted half-way is still this
  // exercise's lab, which `exercise reset` completes
  const progress = newProgress(e.x, { exercise: e.id, dir: e.dir, lab: name, runtime: up.selected.kind });
  await writeExerciseProgress(name, progress);
  onEvent({ type: 'log', text: `applying the starting state of ${e.id}` });
  await applyStartingState(up.selected.runtime, up.lab, e, 0, app);
  return { ...view(e, progress), reused: false };
}

interface Opened {
  e: LoadedExercise;
  progress: Progress;
  runtime: Runtime;
  lab: Lab;
}

/** The running lab, its exercise and progress; E_EXERCISE when it runs none. */
async function open(name: string | undefined): Promise<Opened> {
  const { lab: labName, runtime } = await runningLab(name);
  const progress = await readExerciseProgress<Progress>(labName);
  if (!progress) {
    throw new BgplabError('E_EXERCISE', `lab ${labName} runs no exercise`, { hint: 'bgplab exercise list shows the exercises; bgplab exercise start ID begins one', data: { lab: labName } });
  }
  const e = await loadExercise(progress.exercise, resolve(progress.dir, '..'));
  return { e, progress, runtime, lab: await labModel(labName, runtime) };
}

export async function exerciseStatus(name?: string): Promise<ExerciseView> {
  const o = await open(name);
  return view(o.e, o.progress);
}

export interface ExerciseCheck extends ExerciseView {
  /** the stage that was checked */
  checked: number;
  passed: boolean;
  report: RunReport;
  /** the stage now (after a pass: the next one, with its starting state applied) */
  next?: Stage;
}

/** Run the current stage's checks and expectations; a pass moves to the next stage and applies its starting state. */
export async function checkExercise(name: string | undefined, app: AppOptions & { onCheck?: (run: CheckRun) => void } = {}): Promise<ExerciseCheck> {
  const { e, progress, runtime, lab } = await open(name);
  if (finished(progress)) throw new BgplabError('E_EXERCISE', `every stage of ${e.id} is done`, { hint: `bgplab exercise reset ${lab.name} starts the last stage again; bgplab down ${lab.name} ends it` });
  const stage = e.x.stages[progress.stage]!;
  const t0 = Date.now();
  await refreshPolicies(runtime, lab.name, lab.nodes.map((n) => n.name));
  const base = stage.checks.length ? await checkLab(lab, runtime, stage.checks, app) : undefined;
  const t1 = Date.now();
  let results;
  try {
    results = await evaluateExpectations({ lab, runtime, log: (m) => app.onEvent?.({ type: 'log', text: m }), ...(app.signal ? { signal: app.signal } : {}) }, stage.expect);
  } finally {
    // what an expectation broke (its own faults, a failover scenario's) goes now, also when interrupted
    await healAll(runtime, lab.name, (f) => f.by === EXERCISE_CHECK_BY || f.by.startsWith('check '));
  }
  const own: CheckRun = { id: 'exercise', description: `stage ${progress.stage + 1}: ${stage.title}`, results, durationMs: Date.now() - t1 };
  if (results.length) app.onCheck?.(own);
  const checks = [...(base?.checks ?? []), ...(results.length ? [own] : [])];
  const report = runReport(lab, runtime.kind, t0, checks, base?.interrupted ?? false);
  const passed = report.passed;
  const checked = progress.stage;
  let p = recordCheck(progress, passed);
  await writeExerciseProgress(lab.name, p);
  if (passed && !finished(p)) {
    app.onEvent?.({ type: 'log', text: `stage ${checked + 1} passed: applying the starting state of stage ${p.stage + 1}` });
    await applySetup(runtime, lab, e.x.stages[p.stage]!.setup, app);
    await settle(runtime, lab, app.signal);
  }
  p = (await readExerciseProgress<Progress>(lab.name)) ?? p;
  return { ...view(e, p), checked, passed, report, ...(passed && !finished(p) ? { next: e.x.stages[p.stage]! } : {}) };
}

export async function hintExercise(name?: string): Promise<ExerciseView & { hint?: { text: string; index: number; of: number } }> {
  const { e, progress, lab } = await open(name);
  const h = nextHint(e.x, progress);
  if (!h) return view(e, progress);
  await writeExerciseProgress(lab.name, h.progress);
  return { ...view(e, h.progress), hint: { text: h.hint, index: h.index, of: h.of } };
}

/** Apply the current stage's reference solution and wait for the lab to settle. */
export async function solveExercise(name: string | undefined, app: AppOptions = {}): Promise<ExerciseView & { solution: Solution; settledMs: number }> {
  const { e, progress, runtime, lab } = await open(name);
  if (finished(progress)) throw new BgplabError('E_EXERCISE', `every stage of ${e.id} is done`, { hint: `bgplab exercise reset ${lab.name}` });
  const solution = e.x.stages[progress.stage]!.solution;
  await applySolution(runtime, lab, solution, app);
  // a reference solution leaves every session up and every loopback route in place; a session
  // that was refused (Bad Peer AS) sits in Idle for seconds after the fix without any change
  // a settle could see, so wait for that first (bounded: a solution that cannot converge is reported by check)
  const t0 = performance.now();
  await waitForLab(runtime, lab, 30_000, app.signal ? { signal: app.signal } : {});
  const settledMs = Math.round(performance.now() - t0) + (await settle(runtime, lab, app.signal));
  const p = recordSolve(progress);
  await writeExerciseProgress(lab.name, p);
  return { ...view(e, p), solution, settledMs };
}

/**
 * Back to the current stage's starting state (the last stage's when all passed): the lab
 * down and up again under its name and runtime, then the exercise's setup, the earlier
 * stages' solutions and this stage's setup. Hints and attempts are kept.
 */
export async function resetExercise(name: string | undefined, o: { timeoutSec: number }, app: AppOptions = {}): Promise<ExerciseView & { downMs: number; upMs: number }> {
  const { e, progress, lab } = await open(name);
  const stage = Math.min(progress.stage, e.x.stages.length - 1);
  const t0 = performance.now();
  await downLab(lab.name, progress.runtime);
  const downMs = Math.round(performance.now() - t0);
  const up = await bringUp({ labfile: e.labfile, name: lab.name, runtime: progress.runtime, timeoutSec: o.timeoutSec }, app);
  const upMs = Math.round(performance.now() - t0) - downMs;
  await applyStartingState(up.selected.runtime, up.lab, e, stage, app);
  const p = recordReset({ ...progress, stage });
  await writeExerciseProgress(lab.name, p);
  return { ...view(e, p), downMs, upMs };
}

/**
 * A student's progress through an exercise, as a value (pure). Stored as exercise.json in
 * the lab's state directory (/run/bgplab/<lab>/, runtime/state.ts), so it survives the
 * terminal and goes with the lab (`bgplab down` removes it).
 */
import type { ExerciseFile } from './schema.js';

export interface StageProgress {
  /** hints shown so far (the next `hint` shows hints[hintsShown]) */
  hintsShown: number;
  /** `check` runs of this stage */
  attempts: number;
  /** applied the reference solution (`solve`) */
  solved?: boolean;
  /** when the stage's check first passed */
  passedAt?: string;
}

export interface Progress {
  version: 1;
  exercise: string;
  /** the exercise directory (absolute), so the lab knows its files from any working directory */
  dir: string;
  lab: string;
  /** runtime the lab runs on, for reset */
  runtime: 'netns' | 'clab';
  /** index of the current stage; === stages.length when every stage passed */
  stage: number;
  stages: StageProgress[];
  startedAt: string;
  resets: number;
}

export function newProgress(x: ExerciseFile, o: { exercise: string; dir: string; lab: string; runtime: 'netns' | 'clab'; now?: string }): Progress {
  return {
    version: 1,
    exercise: o.exercise,
    dir: o.dir,
    lab: o.lab,
    runtime: o.runtime,
    stage: 0,
    stages: x.stages.map(() => ({ hintsShown: 0, attempts: 0 })),
    startedAt: o.now ?? new Date().toISOString(),
    resets: 0,
  };
}

export const finished = (p: Progress) => p.stage >= p.stages.length;

/** The next hint of the current stage, and the progress with it counted (the last hint repeats). */
export function nextHint(x: ExerciseFile, p: Progress): { hint: string; index: number; of: number; progress: Progress } | undefined {
  if (finished(p)) return undefined;
  const hints = x.stages[p.stage]!.hints;
  const sp = p.stages[p.stage]!;
  const index = Math.min(sp.hintsShown, hints.length - 1);
  const stages = p.stages.map((s, i) => (i === p.stage ? { ...s, hintsShown: Math.min(hints.length, s.hintsShown + 1) } : s));
  return { hint: hints[index]!, index, of: hints.length, progress: { ...p, stages } };
}

/** A check of the current stage: counted, and on a pass the next stage begins. */
export function recordCheck(p: Progress, passed: boolean, now = new Date().toISOString()): Progress {
  if (finished(p)) return p;
  const stages = p.stages.map((s, i) => (i === p.stage ? { ...s, attempts: s.attempts + 1, ...(passed ? { passedAt: now } : {}) } : s));
  return { ...p, stages, stage: passed ? p.stage + 1 : p.stage };
}

export function recordSolve(p: Progress): Progress {
  return { ...p, stages: p.stages.map((s, i) => (i === p.stage ? { ...s, solved: true } : s)) };
}

export function recordReset(p: Progress): Progress {
  return { ...p, resets: p.resets + 1 };
}

/**
 * What reset re-applies to reach the current stage's starting state, in order: the
 * exercise's setup, then for each earlier stage its setup and reference solution (the
 * state the student reached), then the current stage's setup.
 */
export function replayPlan(x: ExerciseFile, stage: number): ({ kind: 'setup'; of: 'exercise' | number } | { kind: 'solution'; of: number })[] {
  const out: ({ kind: 'setup'; of: 'exercise' | number } | { kind: 'solution'; of: number })[] = [{ kind: 'setup', of: 'exercise' }];
  const upto = Math.min(stage, x.stages.length - 1);
  for (let i = 0; i < upto; i++) out.push({ kind: 'setup', of: i }, { kind: 'solution', of: i });
  out.push({ kind: 'setup', of: upto });
  return out;
}

/** Small statistics for benchmark samples: medians, never means of noisy timings. */

export function median(xs: readonly number[]): number | undefined {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return undefined;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}

export function minMax(xs: readonly number[]): [number, number] | undefined {
  const v = xs.filter((x) => Number.isFinite(x));
  if (!v.length) return undefined;
  return [Math.min(...v), Math.max(...v)];
}

export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function summarize(xs: readonly (number | undefined)[]): Summary | undefined {
  const v = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  const m = median(v);
  const r = minMax(v);
  if (m === undefined || !r) return undefined;
  return { median: m, min: r[0], max: r[1], n: v.length };
}

/** a / b, undefined when either is missing or b is 0. */
export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined || b === undefined || b === 0) return undefined;
  return a / b;
}

export const fmtMs = (ms: number | undefined): string =>
  ms === undefined ? '—' : ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;

export const fmtMiB = (kib: number | undefined): string => (kib === undefined ? '—' : `${(kib / 1024).toFixed(1)} MiB`);

export const fmtRatio = (r: number | undefined): string => (r === undefined ? '—' : `${r >= 10 ? r.toFixed(0) : r.toFixed(1)}×`);

/** A plain JSON object (not an array, not null): the one guard every reader of parsed JSON/YAML uses. */
export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The half-resolved nodes and links expand works on, and the lab-file field paths its problems carry. */
import type { LabFile } from './schema.js';
import type { Role } from './model.js';

/** Where in the lab file a value came from: keys and list indexes from the top. */
export type FieldPath = (string | number)[];

/**
 * 10,000 nodes: at the measured 17 MiB (PSS) of FRR per node that is 170 GB, past any
 * machine bgplab runs on, while the schema's per-field bounds multiply to 168,000 nodes
 * and 2 million links (measured: 30 s and 2.3 GB just to list their problems).
 */
export const MAX_NODES = 10_000;
/** Each link is two veth interfaces and two BGP sessions. */
export const MAX_LINKS = 100_000;

/** Report one problem at a field (expand collects them all). */
export type Push = (path: FieldPath, message: string, hint?: string) => void;

export interface DraftNode {
  name: string;
  role?: Role;
  pod?: number;
  /** index within its role (1-based), for ASN and loopback numbering */
  index: number;
  path: FieldPath;
  spec?: NonNullable<LabFile['nodes']>[string];
  specPath?: FieldPath;
}

export interface DraftLink {
  a: { node: string; ifname: string };
  b: { node: string; ifname: string };
  path: FieldPath;
  /** endpoint paths (for errors about one side) */
  epPath: [FieldPath, FieldPath];
}

export function describePath(p: FieldPath): string {
  if (p.length === 0) return 'the top level';
  return p.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

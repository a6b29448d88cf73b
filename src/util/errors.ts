/**
 * A user error: something the person running bgplab can fix (bad lab file, missing
 * tool, not root). The CLI prints message + hint and exits non-zero without a stack.
 * Anything that is not a BgplabError is a bug and is printed with its stack.
 */
export class BgplabError extends Error {
  readonly code: string;
  readonly hint?: string;
  /** Extra lines printed under the message (e.g. one line per validation problem). */
  readonly details: string[];

  constructor(code: string, message: string, opts: { hint?: string; details?: string[]; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'BgplabError';
    this.code = code;
    this.hint = opts.hint;
    this.details = opts.details ?? [];
  }
}

export function isBgplabError(e: unknown): e is BgplabError {
  return e instanceof BgplabError;
}

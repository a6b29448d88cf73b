/**
 * Ctrl-C and SIGTERM for the commands that change a lab: the first signal aborts the
 * operation (it stops at its next step, restores what it broke or takes down what it
 * half-built, then throws E_INTERRUPTED); a second one exits at once with how to clean up.
 */
export async function withInterrupts<T>(fn: (signal: AbortSignal) => Promise<T>, o: { what: string; cleanup: () => string }): Promise<T> {
  const abort = new AbortController();
  let count = 0;
  const on = () => {
    count++;
    if (count === 1) {
      process.stderr.write(`\ninterrupted: ${o.what} (Ctrl-C again to exit now)\n`);
      abort.abort();
    } else {
      process.stderr.write(`exiting: clean up with: ${o.cleanup()}\n`);
      process.exit(130);
    }
  };
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
  try {
    return await fn(abort.signal);
  } finally {
    process.off('SIGINT', on);
    process.off('SIGTERM', on);
  }
}

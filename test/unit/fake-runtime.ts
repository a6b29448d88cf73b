/**
 * A Runtime for the unit layer: the methods a test gives, every other one throws. The
 * real runtimes are tested against the same contract in test/live/runtime-contract.test.ts.
 */
import type { Runtime } from '../../src/runtime/runtime.js';

export function fakeRuntime(methods: Partial<Runtime> & { kind?: Runtime['kind'] }): Runtime {
  const no = (name: string) => async () => {
    throw new Error(`fake runtime: ${name} is not part of this test`);
  };
  const base: Record<string, unknown> = { kind: 'netns' };
  for (const m of ['preflight', 'prepare', 'deploy', 'destroy', 'exec', 'execInteractive', 'execStream', 'vtysh', 'vtyshInteractive', 'setLink', 'impairLink', 'stopRouting', 'startRouting', 'list', 'leftovers', 'orphans']) {
    base[m] = no(m);
  }
  return { ...base, ...methods } as Runtime;
}

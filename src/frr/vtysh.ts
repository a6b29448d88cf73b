/** What a failed vtysh call means, for both runtimes alike. Pure. */
import { BgplabError } from '../util/errors.js';

/**
 * The error for a vtysh call that exited non-zero with this output: E_DAEMON_DOWN when
 * vtysh says the daemon the command needs is not running ("% bgpd is not running"),
 * else E_VTYSH. `data.said` is vtysh's own first line.
 */
export function vtyshError(node: string, output: string, exitCode: number): BgplabError {
  const lines = output.trim().split('\n').filter(Boolean);
  const said = (lines[0] ?? `exit ${exitCode}`).replace(/^%\s*/, '');
  const down = /^(\w+) is not running/.exec(said);
  return new BgplabError(down ? 'E_DAEMON_DOWN' : 'E_VTYSH', `vtysh on ${node}: ${said}`, {
    details: lines.slice(0, 10),
    data: { node, said, ...(down ? { daemon: down[1]! } : {}) },
  });
}

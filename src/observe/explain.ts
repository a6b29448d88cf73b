/** Why a lab did not converge: the error `up` (and heal) throw on timeout. Pure. */
import type { Lab } from '../lab/model.js';
import { BgplabError } from '../util/errors.js';
import type { WaitResult } from './wait.js';

/** The error `up` throws on timeout: every session still down, with its state and last error. */
export function waitTimeoutError(lab: Lab, r: WaitResult, timeoutMs: number, cause: { details: string[]; hint?: string } = { details: [] }): BgplabError {
  // a machine-wide cause first: it explains every stuck session below
  const details: string[] = [...cause.details];
  for (const s of r.down) {
    details.push(`session ${s.node}:${s.ifname} -> ${s.peer}: ${s.state}${s.lastError ? ` (${s.lastError})` : ''}`);
  }
  const errs = r.nodes.filter((n) => n.error);
  for (const n of errs) details.push(`node ${n.node}: ${n.error}`);
  if (!r.down.length) {
    const byNode = new Map<string, string[]>();
    for (const m of r.missing) byNode.set(m.node, [...(byNode.get(m.node) ?? []), `${m.prefix} (${m.dest})`]);
    for (const [node, list] of byNode) details.push(`node ${node} has no route to ${list.slice(0, 6).join(', ')}${list.length > 6 ? ` and ${list.length - 6} more` : ''}`);
  }
  const what = r.down.length
    ? `${r.down.length} of ${lab.sessions.length} BGP sessions not Established`
    : `${r.missing.length} loopback routes missing`;
  return new BgplabError('E_WAIT_TIMEOUT', `lab ${lab.name} did not converge in ${timeoutMs / 1000} s: ${what}`, {
    details: details.slice(0, 40).concat(details.length > 40 ? [`... and ${details.length - 40} more`] : []),
    hint: `${cause.hint ? `${cause.hint}. ` : ''}the lab is left up for inspection: bgplab status ${lab.name}, bgplab vtysh NODE -c "show bgp summary"; bgplab down ${lab.name} when done`,
  });
}

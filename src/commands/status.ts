/**
 * bgplab status [LAB] [--json] and bgplab ls [--json]: the labs on this machine, their
 * runtime, each node's daemon health and (status) the state of every expected session.
 */
import chalk from 'chalk';
import { labStatuses, orphans as findOrphans } from '../app/status.js';
import { formatForeignWait } from '../app/foreign.js';
import { describeFault } from '../faults/index.js';
import { formatSessionTable, sessionRows } from '../report/sessions.js';
import { readState } from '../runtime/state.js';
import { listAllLabs } from '../runtime/select.js';
import type { RunningLab } from '../runtime/runtime.js';
import { printTable } from '../report/table.js';

export interface StatusOptions {
  lab?: string;
  json: boolean;
}

export interface LsOptions {
  json: boolean;
}

function health(l: RunningLab): { up: number; total: number; down: string[] } {
  let up = 0;
  let total = 0;
  const down: string[] = [];
  for (const n of l.nodes) {
    for (const d of n.daemons) {
      total++;
      if (d.running) up++;
      else down.push(`${n.name}/${d.daemon}`);
    }
  }
  return { up, total, down };
}

export async function lsCommand(o: LsOptions): Promise<void> {
  const labs = await listAllLabs();
  const orphans = await findOrphans();
  if (o.json) {
    console.log(JSON.stringify({ labs: labs.map((l) => ({ ...l, health: health(l) })), orphanNamespaces: orphans }, null, 2));
    return;
  }
  if (!labs.length) console.log('no lab is up');
  else {
    const rows = await Promise.all(
      labs.map(async (l) => {
        const h = health(l);
        const st = await readState(l.name);
        const daemons = h.total === 0 ? '-' : h.up === h.total ? chalk.green(`${h.up}/${h.total} running`) : chalk.red(`${h.up}/${h.total} running`);
        return [l.name, l.runtime, String(l.nodes.length), daemons, st?.phase ?? '-', l.dir];
      }),
    );
    printTable(['LAB', 'RUNTIME', 'NODES', 'DAEMONS', 'PHASE', 'FROM'], rows);
  }
  if (orphans.length) {
    console.log(chalk.yellow(`named like lab nodes but claimed by no lab: ${orphans.join(', ')}`));
    console.log(chalk.dim('  (a crashed lab: bgplab down LAB removes clab-LAB-* namespaces)'));
  }
}

const age = (iso: string) => {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return s < 120 ? `${s}s` : `${Math.round(s / 60)}m`;
};

export async function statusCommand(o: StatusOptions): Promise<void> {
  const all = await labStatuses(o.lab);
  if (o.json) {
    console.log(
      JSON.stringify(
        {
          labs: all.map((x) => ({
            name: x.lab.name,
            runtime: x.lab.runtime,
            dir: x.lab.dir,
            phase: x.state?.phase,
            createdAt: x.state?.createdAt,
            nodes: x.lab.nodes,
            sessions: sessionRows(x.nodes.flatMap((n) => n.sessions)),
            missingRoutes: x.nodes.flatMap((n) => n.missingRoutes),
            errors: x.nodes.filter((n) => n.error).map((n) => ({ node: n.node, error: n.error })),
            faults: x.faults,
            ...(x.foreign ? { bgp: x.foreign.sessions, ospf: x.foreign.adjacencies } : {}),
          })),
        },
        null,
        2,
      ),
    );
    return;
  }
  if (!all.length) console.log('no lab is up');
  for (const x of all) {
    const { lab: l, state: st } = x;
    const h = health(l);
    console.log(
      `${chalk.bold(`lab ${l.name}`)}  runtime ${l.runtime}  ${l.nodes.length} nodes  from ${l.dir}${st ? `  up since ${st.createdAt}${st.phase !== 'up' ? chalk.yellow(` (${st.phase})`) : ''}` : ''}`,
    );
    if (h.total) {
      console.log(h.up === h.total ? chalk.green(`daemons: ${h.up}/${h.total} running`) : chalk.red(`daemons: ${h.up}/${h.total} running; down: ${h.down.join(', ')}`));
      const rows = l.nodes.map((n) => [n.name, n.daemons.map((d) => `${d.daemon} ${d.running ? chalk.green('✓') : chalk.red('✗')}`).join('  ')]);
      printTable(['NODE', 'DAEMONS'], rows);
    }
    if (x.faults.length) {
      console.log(chalk.yellow(`active faults: ${x.faults.length}`));
      printTable(['FAULT', 'AGE', 'BY'], x.faults.map((f) => [describeFault(f), age(f.since), f.by]));
    }
    if (x.note) console.log(x.foreign ? chalk.dim(x.note) : chalk.yellow(x.note));
    if (x.foreign) console.log(formatForeignWait({ ok: true, elapsedMs: 0, last: x.foreign }).split('\n').filter((line) => !line.includes(' reach ')).join('\n'));
    const sessions = x.nodes.flatMap((n) => n.sessions);
    if (sessions.length) console.log(formatSessionTable(sessions));
    const missing = x.nodes.flatMap((n) => n.missingRoutes);
    if (x.model) {
      console.log(
        missing.length
          ? chalk.red(`${missing.length} loopback routes missing, e.g. ${missing.slice(0, 3).map((m) => `${m.node} → ${m.dest}`).join(', ')}`)
          : chalk.green(`every node has a route to every other node's loopback`),
      );
    }
    for (const n of x.nodes.filter((y) => y.error)) console.log(chalk.red(`${n.node}: ${n.error}`));
    console.log('');
  }
}

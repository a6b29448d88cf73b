/**
 * bgplab status [LAB] [--json] and bgplab ls [--json]: the labs on this machine, their
 * runtime, each node's daemon health and (status) the state of every expected session.
 */
import chalk from 'chalk';
import { observeLab, readLabModel } from '../lab/wait.js';
import type { Lab } from '../lab/model.js';
import { formatSessionTable, sessionRows } from '../report/sessions.js';
import { NetnsRuntime } from '../runtime/netns.js';
import { readState } from '../runtime/netns-state.js';
import { listAllLabs, runtimeForLab } from '../runtime/select.js';
import type { RunningLab } from '../runtime/runtime.js';
import { BgplabError } from '../util/errors.js';

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
  const orphans = await new NetnsRuntime().orphanNamespaces();
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
    console.log(chalk.yellow(`namespaces named like lab nodes but claimed by no lab: ${orphans.join(', ')}`));
    console.log(chalk.dim('  (a crashed lab: bgplab down LAB removes clab-LAB-* namespaces)'));
  }
}

export async function statusCommand(o: StatusOptions): Promise<void> {
  let labs = await listAllLabs();
  if (o.lab) {
    labs = labs.filter((l) => l.name === o.lab);
    if (!labs.length) {
      const sel = await runtimeForLab(o.lab);
      if (!sel) throw new BgplabError('E_NO_LAB', `lab "${o.lab}" is not up`, { hint: 'bgplab ls shows the running labs' });
    }
  }
  const out: unknown[] = [];
  if (!labs.length && !o.json) console.log('no lab is up');
  for (const l of labs) {
    const sel = await runtimeForLab(l.name);
    let model: Lab | undefined;
    let note = '';
    try {
      model = await readLabModel(l.dir);
    } catch {
      note = `no bgplab.json in ${l.dir}: session states need the lab model`;
    }
    const obs = model && sel ? await observeLab(sel.runtime, model) : [];
    const sessions = obs.flatMap((n) => n.sessions);
    const st = await readState(l.name);
    if (o.json) {
      out.push({
        name: l.name,
        runtime: l.runtime,
        dir: l.dir,
        phase: st?.phase,
        createdAt: st?.createdAt,
        nodes: l.nodes,
        sessions: sessionRows(sessions),
        missingRoutes: obs.flatMap((n) => n.missingRoutes),
        errors: obs.filter((n) => n.error).map((n) => ({ node: n.node, error: n.error })),
      });
      continue;
    }
    const h = health(l);
    console.log(
      `${chalk.bold(`lab ${l.name}`)}  runtime ${l.runtime}  ${l.nodes.length} nodes  from ${l.dir}${st ? `  up since ${st.createdAt}${st.phase !== 'up' ? chalk.yellow(` (${st.phase})`) : ''}` : ''}`,
    );
    if (h.total) {
      console.log(h.up === h.total ? chalk.green(`daemons: ${h.up}/${h.total} running`) : chalk.red(`daemons: ${h.up}/${h.total} running; down: ${h.down.join(', ')}`));
      const rows = l.nodes.map((n) => [n.name, n.daemons.map((d) => `${d.daemon} ${d.running ? chalk.green('✓') : chalk.red('✗')}`).join('  ')]);
      printTable(['NODE', 'DAEMONS'], rows);
    }
    if (note) console.log(chalk.yellow(note));
    if (sessions.length) console.log(formatSessionTable(sessions));
    const missing = obs.flatMap((n) => n.missingRoutes);
    if (model) {
      console.log(
        missing.length
          ? chalk.red(`${missing.length} loopback routes missing, e.g. ${missing.slice(0, 3).map((m) => `${m.node} → ${m.dest}`).join(', ')}`)
          : chalk.green(`every node has a route to every other node's loopback`),
      );
    }
    for (const n of obs.filter((x) => x.error)) console.log(chalk.red(`${n.node}: ${n.error}`));
    console.log('');
  }
  if (o.json) console.log(JSON.stringify({ labs: out }, null, 2));
}

// eslint-disable-next-line no-control-regex
const width = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '').length;

function printTable(head: string[], rows: string[][]): void {
  const w = head.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: string[]) => cells.map((c, i) => c + ' '.repeat(Math.max(0, w[i]! - width(c)))).join('  ').trimEnd();
  console.log(chalk.bold(line(head)));
  for (const r of rows) console.log(line(r));
}

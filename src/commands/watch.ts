/**
 * bgplab watch [LAB] [--events] [--json] [--duration S]: a live view of a running lab.
 * On a terminal: the whole screen redrawn (sessions, routes per node, faults, the last
 * events). Piped or with --events: one line per event; --json: one JSON object a line.
 * Thin: app/watch.ts polls and makes the events.
 */
import chalk from 'chalk';
import { labModel } from '../app/check.js';
import { withInterrupts } from '../app/signals.js';
import { watchLab, type WatchEvent, type WatchView } from '../app/watch.js';
import { describeFault } from '../faults/index.js';
import { isSessionUp } from '../frr/bgp.js';
import { runningLab } from '../runtime/select.js';

export interface WatchOptions {
  lab?: string;
  events: boolean;
  json: boolean;
  durationSec?: number;
}

const time = (t: number) => new Date(t).toISOString().slice(11, 23);
const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`);
const dur = (ms?: number) => (ms === undefined ? '-' : ms < 60_000 ? `${Math.round(ms / 1000)}s` : ms < 3_600_000 ? `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s` : `${(ms / 3_600_000).toFixed(1)}h`);

/** One line per event (the piped form). */
export function eventLine(e: WatchEvent): string {
  const at = time(e.t);
  switch (e.type) {
    case 'start':
      return `${at}  watching lab ${e.lab}: ${e.nodes} nodes, ${e.sessions} expected sessions`;
    case 'session-down':
      return `${at}  ${chalk.red('session-down')}  ${e.node}:${e.ifname} → ${e.peer}  ${e.from} → ${e.to}${e.reason ? `  reason: ${e.reason}` : ''}`;
    case 'session-up':
      return `${at}  ${chalk.green('session-up')}    ${e.node}:${e.ifname} → ${e.peer}  ${e.from} → ${e.to}`;
    case 'prefixes':
      return `${at}  prefixes      ${e.node}:${e.ifname} ← ${e.peer}  ${e.from} → ${e.to}`;
    case 'routes':
      return `${at}  routes        ${e.node}  ${e.from} → ${e.to}`;
    case 'fault':
      return `${at}  ${chalk.yellow('fault')}         ${e.text}`;
    case 'heal':
      return `${at}  ${chalk.cyan('heal')}          ${e.text}`;
    case 'node-error':
      return `${at}  ${chalk.red('node-error')}    ${e.node}: ${e.error}`;
    case 'settled':
      return `${at}  ${chalk.bold('settled')}       ${fmt(e.afterMs)} after ${e.after}: ${e.converged ? chalk.green('converged (every session Established, every predicted route)') : chalk.yellow(`${e.down} session(s) down, ${e.missing} route(s) missing`)}`;
  }
}

function screen(lab: string, v: WatchView, events: readonly WatchEvent[]): string {
  const rows = (process.stdout.rows ?? 40) - 1;
  const out: string[] = [];
  const sessions = v.nodes.flatMap((n) => n.sessions);
  const up = sessions.filter((s) => isSessionUp(s.state)).length;
  out.push(
    chalk.bold(`bgplab watch ${lab}`) + `  ${time(v.t)}  sessions ${up === sessions.length ? chalk.green(`${up}/${sessions.length}`) : chalk.red(`${up}/${sessions.length}`)} Established` + (v.settling ? chalk.yellow(`  settling after ${v.settling.after} (${fmt(v.t - v.settling.since)})`) : chalk.green('  settled')),
  );
  out.push(v.faults.length ? chalk.yellow(`faults: ${v.faults.map(describeFault).join('; ')}`) : 'faults: none');
  out.push('routes: ' + v.nodes.map((n) => `${n.node} ${v.routes.get(n.node) ?? '-'}${n.error ? chalk.red('!') : ''}`).join('  '));
  out.push('');
  const head = ['NODE', 'IFACE', 'PEER', 'STATE', 'UP', 'PFX RCV/SNT'];
  const cells = sessions.map((s) => [s.node, s.ifname, s.peer, s.state, dur(s.uptimeMs), `${s.pfxRcd ?? '-'}/${s.pfxSnt ?? '-'}`]);
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => x.padEnd(w[i]!)).join('  ');
  // two columns of sessions when the screen is wide enough
  const cols = (process.stdout.columns ?? 80) >= 2 * (w.reduce((a, b) => a + b + 2, 0) + 3) ? 2 : 1;
  const room = Math.max(4, rows - out.length - 10);
  const perCol = Math.min(Math.ceil(cells.length / cols), room);
  const colour = (c: string[]) => (isSessionUp(c[3]) ? line(c) : chalk.red(line(c)));
  out.push(chalk.bold(Array.from({ length: cols }, () => line(head)).join('   ')));
  for (let i = 0; i < perCol; i++) out.push([cells[i], cols > 1 ? cells[i + perCol] : undefined].filter((c): c is string[] => !!c).map(colour).join('   '));
  if (cells.length > perCol * cols) out.push(chalk.dim(`… ${cells.length - perCol * cols} more sessions`));
  out.push('', chalk.bold('events'));
  const room2 = Math.max(3, rows - out.length);
  out.push(...events.slice(-room2).map(eventLine));
  return out.join('\n');
}

export async function watchCommand(o: WatchOptions): Promise<void> {
  const { lab: name, runtime } = await runningLab(o.lab);
  const lab = await labModel(name, runtime);
  const fullScreen = !o.events && !o.json && !!process.stdout.isTTY;
  const events: WatchEvent[] = [];
  const onEvent = (e: WatchEvent) => {
    if (o.json) process.stdout.write(JSON.stringify(e) + '\n');
    else if (!fullScreen) process.stdout.write(eventLine(e) + '\n');
    else {
      events.push(e);
      if (events.length > 500) events.shift();
    }
  };
  let last = 0;
  const onView = (v: WatchView) => {
    // redraw at most twice a second (a redraw of a 100-node lab is ~20 KB to the terminal)
    if (!fullScreen || v.t - last < 500) return;
    last = v.t;
    process.stdout.write(`\x1b[H\x1b[2J${screen(name, v, events)}\n`);
  };
  await withInterrupts((signal) => watchLab(runtime, lab, { signal, onEvent, onView, ...(o.durationSec ? { durationMs: o.durationSec * 1000 } : {}) }), {
    what: 'stopping the watch',
    cleanup: () => 'nothing to clean up (watch changes nothing)',
  }).catch(() => undefined);
}

/**
 * The session table `up` and `status` print: one row per expected session (the model's,
 * in its order), its FRR state, uptime, prefixes, and why it is down when it is.
 */
import chalk from 'chalk';
import type { SessionObservation } from '../observe/sessions.js';

// eslint-disable-next-line no-control-regex
const width = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '').length;
const pad = (s: string, w: number) => s + ' '.repeat(Math.max(0, w - width(s)));

export function formatUptime(ms: number | undefined): string {
  if (ms === undefined) return '-';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function stateCell(s: SessionObservation): string {
  return s.state === 'Established' ? chalk.green(s.state) : chalk.red(s.state);
}

function note(s: SessionObservation): string {
  const parts: string[] = [];
  if (s.peerHostname && s.peerHostname !== s.peer) parts.push(chalk.yellow(`peer says it is ${s.peerHostname}`));
  if (s.lastError && s.state !== 'Established') parts.push(s.lastError);
  return parts.join('; ');
}

/** Rows as plain data (for --json and tests). */
export function sessionRows(sessions: readonly SessionObservation[]) {
  return sessions.map((s) => ({
    node: s.node,
    ifname: s.ifname,
    peer: s.peer,
    state: s.state,
    uptime: formatUptime(s.uptimeMs),
    pfxRcd: s.pfxRcd,
    pfxSnt: s.pfxSnt,
    note: note(s).replace(/\u001b\[[0-9;]*m/g, ''),
  }));
}

export function formatSessionTable(sessions: readonly SessionObservation[]): string {
  const head = ['NODE', 'IFACE', 'PEER', 'STATE', 'UP', 'PFX RCV/SNT', ''];
  const rows = sessions.map((s) => [
    s.node,
    s.ifname,
    s.peer,
    stateCell(s),
    s.state === 'Established' ? formatUptime(s.uptimeMs) : '-',
    s.pfxRcd === undefined || s.state !== 'Established' ? '-' : `${s.pfxRcd}/${s.pfxSnt ?? '-'}`,
    note(s),
  ]);
  const widths = head.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i]!))));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : pad(c, widths[i]!))).join('  ').trimEnd();
  const up = sessions.filter((s) => s.state === 'Established').length;
  const summary =
    up === sessions.length
      ? chalk.green(`${up}/${sessions.length} sessions Established`)
      : chalk.red(`${up}/${sessions.length} sessions Established, ${sessions.length - up} down`);
  return [chalk.bold(line(head)), ...rows.map(line), summary].join('\n');
}

/** A plain console table: bold header, columns padded to their widest cell (colour codes not counted). */
import chalk from 'chalk';

// eslint-disable-next-line no-control-regex
const width = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '').length;

export function formatTable(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: string[]) => cells.map((c, i) => c + ' '.repeat(Math.max(0, w[i]! - width(c)))).join('  ').trimEnd();
  return [chalk.bold(line(head)), ...rows.map(line)].join('\n');
}

export function printTable(head: string[], rows: string[][]): void {
  console.log(formatTable(head, rows));
}

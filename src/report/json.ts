import type { RunReport } from '../checks/runner.js';

/** The machine-readable report: the RunReport as is (stable field names, ms durations). */
export function formatJson(report: RunReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

import chalk from 'chalk';
import type { BgplabError } from './errors.js';

/** Print a user error: message, details, hint. No stack. */
export function printError(e: BgplabError): void {
  console.error(`${chalk.red('error')} ${e.message}`);
  for (const d of e.details) console.error(`  ${d}`);
  if (e.hint) console.error(`${chalk.cyan('hint')}  ${e.hint}`);
}

/**
 * bgplab exec [--lab LAB] NODE -- CMD...   run a command inside a node (terminal attached)
 * bgplab vtysh [--lab LAB] NODE [-c CMD]... vtysh on that node's FRR only; interactive without -c
 * The command's exit code becomes bgplab's. Both runtimes, through the Runtime interface.
 */
import { runningLab } from '../runtime/select.js';
import { BgplabError } from '../util/errors.js';

export interface ExecOptions {
  lab?: string;
  node: string;
  argv: string[];
}

export interface VtyshOptions {
  lab?: string;
  node: string;
  commands: string[];
}

export async function execCommand(o: ExecOptions): Promise<void> {
  if (!o.argv.length) throw new BgplabError('E_USAGE', 'nothing to run', { hint: 'bgplab exec NODE -- CMD [ARGS...]' });
  const { lab, runtime } = await runningLab(o.lab);
  process.exitCode = await runtime.execInteractive(lab, o.node, o.argv);
}

export async function vtyshCommand(o: VtyshOptions): Promise<void> {
  const { lab, runtime } = await runningLab(o.lab);
  if (o.commands.length === 0) {
    process.exitCode = await runtime.vtyshInteractive(lab, o.node);
    return;
  }
  process.stdout.write(await runtime.vtysh(lab, o.node, o.commands));
}

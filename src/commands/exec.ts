/**
 * bgplab exec [--lab LAB] NODE -- CMD...   run a command inside a node (terminal attached)
 * bgplab vtysh [--lab LAB] NODE [-c CMD]... vtysh on that node's FRR only; interactive without -c
 * The command's exit code becomes bgplab's.
 */
import { NetnsRuntime } from '../runtime/netns.js';
import { defaultRunningLab, runtimeForLab } from '../runtime/select.js';
import { BgplabError } from '../util/errors.js';
import type { Runtime } from '../runtime/runtime.js';

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

async function resolveLab(lab: string | undefined): Promise<{ lab: string; runtime: Runtime }> {
  const name = lab ?? (await defaultRunningLab());
  const sel = await runtimeForLab(name);
  if (!sel) throw new BgplabError('E_NO_LAB', `lab "${name}" is not up`, { hint: 'bgplab ls shows the running labs' });
  return { lab: name, runtime: sel.runtime };
}

export async function execCommand(o: ExecOptions): Promise<void> {
  if (!o.argv.length) throw new BgplabError('E_USAGE', 'nothing to run', { hint: 'bgplab exec NODE -- CMD [ARGS...]' });
  const { lab, runtime } = await resolveLab(o.lab);
  if (runtime instanceof NetnsRuntime) {
    process.exitCode = await runtime.execInteractive(lab, o.node, o.argv);
    return;
  }
  const r = await runtime.exec(lab, o.node, o.argv);
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  process.exitCode = r.exitCode;
}

export async function vtyshCommand(o: VtyshOptions): Promise<void> {
  const { lab, runtime } = await resolveLab(o.lab);
  if (o.commands.length === 0) {
    if (runtime instanceof NetnsRuntime) {
      process.exitCode = await runtime.vtyshInteractive(lab, o.node);
      return;
    }
    const interactive = (runtime as Runtime & { vtyshInteractive?: (lab: string, node: string) => Promise<number> }).vtyshInteractive;
    if (interactive) {
      process.exitCode = await interactive.call(runtime, lab, o.node);
      return;
    }
    throw new BgplabError('E_USAGE', `interactive vtysh is not supported on the ${runtime.kind} runtime`, { hint: 'pass commands with -c' });
  }
  process.stdout.write(await runtime.vtysh(lab, o.node, o.commands));
}

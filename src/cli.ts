#!/usr/bin/env node
/**
 * Thin entry: parse argv, lazy-load the command, one error boundary.
 * Commands live in src/commands/<name>.ts and take a typed options object.
 */
import { Command, Option, CommanderError } from 'commander';
import { isBgplabError } from './util/errors.js';
import { printError } from './util/log.js';

const runtimeOption = () =>
  new Option('--runtime <kind>', 'runtime: auto picks containerlab when installed and Docker answers, else netns')
    .choices(['auto', 'netns', 'clab'])
    .default('auto');

const frrOption = () =>
  new Option('--frr <version>', "FRR version of every node, overriding the lab file's `frr:` (default 8.4)").choices(['8.4', '10']);

const targetOption = () =>
  new Option('--target <engine>', 'containerlab: <lab>.clab.yml + FRR configs (also the netns runtime); clabernetes: one YAML for kubectl apply (names checked as Kubernetes names)')
    .choices(['containerlab', 'clabernetes'])
    .default('containerlab');

function buildProgram(): Command {
  const program = new Command();
  program
    .name('bgplab')
    .description('Pure layer-3 BGP-to-the-host labs (FRR, unnumbered) on netns or containerlab, and the checks that prove them.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  program
    .command('generate')
    .description('validate a lab file and write its containerlab topology and FRR configs')
    .argument('[labfile]', 'lab file (default: labs/clos.yml)')
    .option('-o, --out <dir>', 'output directory (default: out/<lab name>)')
    .addOption(targetOption())
    .addOption(new Option('--api <group>', 'clabernetes API group of the Topology').choices(['c9s.run', 'clabernetes.containerlab.dev']).default('c9s.run'))
    .action(async (labfile: string | undefined, o: { out?: string; target: string; api: string }) => {
      const { generateCommand } = await import('./commands/generate.js');
      await generateCommand({ labfile, out: o.out, target: o.target as 'clabernetes', api: o.api as 'c9s.run' });
    });

  program
    .command('validate')
    .description('check a lab file and list every problem with file:line:col')
    .argument('[labfile]', 'lab file (default: labs/clos.yml)')
    .addOption(targetOption())
    .action(async (labfile: string | undefined, o: { target: string }) => {
      const { validateCommand } = await import('./commands/validate.js');
      await validateCommand({ labfile, target: o.target as 'clabernetes' });
    });

  program
    .command('schema')
    .description('print the JSON Schema of the lab file format (for editors)')
    .action(async () => {
      const { schemaCommand } = await import('./commands/schema.js');
      await schemaCommand();
    });

  program
    .command('up')
    .description('validate, generate, deploy and wait until every BGP session is Established')
    .argument('[labfile]', 'lab file (default: labs/clos.yml)')
    .addOption(runtimeOption())
    .option('-o, --out <dir>', 'artifacts directory (default: out/<lab name>)')
    .addOption(frrOption())
    .option('--timeout <seconds>', 'how long to wait for sessions and routes', '60')
    .action(async (labfile: string | undefined, o: { runtime: string; out?: string; timeout: string; frr?: string }) => {
      const { upCommand } = await import('./commands/up.js');
      await upCommand({ labfile, runtime: o.runtime as 'auto', out: o.out, timeoutSec: Number(o.timeout), ...(o.frr ? { frr: o.frr as '10' } : {}) });
    });

  program
    .command('down')
    .description('remove everything a lab created (idempotent; works after a crash)')
    .argument('[lab]', 'lab name (default: the only running lab, else the default lab)')
    .addOption(runtimeOption())
    .option('--all', 'take down every bgplab lab on this machine')
    .action(async (lab: string | undefined, o: { runtime: string; all?: boolean }) => {
      const { downCommand } = await import('./commands/down.js');
      await downCommand({ lab, runtime: o.runtime as 'auto', all: !!o.all });
    });

  program
    .command('status')
    .description('show a running lab: runtime, daemon health per node, session states')
    .argument('[lab]', 'lab name (default: every running lab)')
    .option('--json', 'machine-readable output')
    .action(async (lab: string | undefined, o: { json?: boolean }) => {
      const { statusCommand } = await import('./commands/status.js');
      await statusCommand({ lab, json: !!o.json });
    });

  program
    .command('ls')
    .description('list running labs')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const { lsCommand } = await import('./commands/status.js');
      await lsCommand({ json: !!o.json });
    });

  program
    .command('exec')
    .description('run a command inside a node: bgplab exec [--lab LAB] NODE -- CMD...')
    .option('--lab <lab>', 'lab name (default: the only running lab)')
    .argument('<node>', 'node name')
    .argument('<cmd...>', 'command and arguments')
    .action(async (node: string, cmd: string[], o: { lab?: string }) => {
      const { execCommand } = await import('./commands/exec.js');
      await execCommand({ lab: o.lab, node, argv: cmd });
    });

  program
    .command('vtysh')
    .description("open vtysh on a node, or run commands with -c")
    .option('--lab <lab>', 'lab name (default: the only running lab)')
    .argument('<node>', 'node name')
    .option('-c, --command <cmd...>', 'vtysh command(s) to run')
    .action(async (node: string, o: { lab?: string; command?: string[] }) => {
      const { vtyshCommand } = await import('./commands/exec.js');
      await vtyshCommand({ lab: o.lab, node, commands: o.command ?? [] });
    });

  program
    .command('check')
    .description('run checks against a running lab')
    .argument('[lab]', 'lab name (default: the only running lab)')
    .option('--only <checks>', 'comma-separated: sessions,routes,traceroute,transit,failover')
    .option('--json', 'print results as JSON')
    .option('--junit <file>', 'write JUnit XML to file')
    .action(async (lab: string | undefined, o: { only?: string; json?: boolean; junit?: string }) => {
      const { checkCommand } = await import('./commands/check.js');
      await checkCommand({ lab, only: o.only?.split(',').map((s) => s.trim()).filter(Boolean), json: !!o.json, junit: o.junit });
    });

  program
    .command('test')
    .description('up, run every check (failover included), down; the command for CI')
    .argument('[labfile]', 'lab file (default: labs/clos.yml)')
    .addOption(runtimeOption())
    .option('-o, --out <dir>', 'artifacts directory (default: out/<lab name>)')
    .option('--only <checks>', 'comma-separated subset of checks')
    .option('--keep', 'leave the lab up afterwards')
    .option('--json', 'print results as JSON')
    .option('--junit <file>', 'write JUnit XML to file')
    .addOption(frrOption())
    .option('--timeout <seconds>', 'how long to wait for sessions and routes', '60')
    .action(
      async (
        labfile: string | undefined,
        o: { runtime: string; out?: string; only?: string; keep?: boolean; json?: boolean; junit?: string; timeout: string; frr?: string },
      ) => {
        const { testCommand } = await import('./commands/test.js');
        await testCommand({
          labfile,
          runtime: o.runtime as 'auto',
          out: o.out,
          only: o.only?.split(',').map((s) => s.trim()).filter(Boolean),
          keep: !!o.keep,
          json: !!o.json,
          junit: o.junit,
          timeoutSec: Number(o.timeout),
          ...(o.frr ? { frr: o.frr as '10' } : {}),
        });
      },
    );
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander already printed the message (or help / version)
      return e.exitCode;
    }
    if (isBgplabError(e)) {
      printError(e);
      return 1;
    }
    console.error('bgplab: internal error (this is a bug, please report it):');
    console.error(e instanceof Error ? e.stack : e);
    return 70;
  }
}

main(process.argv).then((code) => {
  process.exitCode = code;
});

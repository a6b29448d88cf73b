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

const nameOption = () =>
  new Option('-n, --name <lab>', "run the lab file as a lab of this name (default: the file's name:), e.g. one per student: --name s1")
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
    .addOption(nameOption())
    .addOption(targetOption())
    .addOption(new Option('--api <group>', 'clabernetes API group of the Topology').choices(['c9s.run', 'clabernetes.containerlab.dev']).default('c9s.run'))
    .action(async (labfile: string | undefined, o: { out?: string; name?: string; target: string; api: string }) => (await import('./commands/generate.js')).generateCommand({ labfile, name: o.name, out: o.out, target: o.target as 'clabernetes', api: o.api as 'c9s.run' }));

  program
    .command('validate')
    .description('check a lab file and list every problem with file:line:col')
    .argument('[labfile]', 'lab file (default: labs/clos.yml)')
    .addOption(targetOption())
    .action(async (labfile: string | undefined, o: { target: string }) => (await import('./commands/validate.js')).validateCommand({ labfile, target: o.target as 'clabernetes' }));

  program
    .command('schema')
    .description('print the JSON Schema of the lab file format (for editors)')
    .action(async () => (await import('./commands/schema.js')).schemaCommand());

  program
    .command('up')
    .description('validate, generate, deploy and wait until every BGP session is Established (a *.clab.yml: deploy it, wait for what its frr.conf files configure)')
    .argument('[labfile]', 'lab file (default: labs/clos.yml), or a containerlab topology *.clab.yml to run as it is')
    .addOption(nameOption())
    .addOption(runtimeOption())
    .option('-o, --out <dir>', 'artifacts directory (default: out/<lab name>)')
    .addOption(frrOption())
    .option('--timeout <seconds>', 'how long to wait for sessions and routes', '60')
    .action(async (labfile: string | undefined, o: { name?: string; runtime: string; out?: string; timeout: string; frr?: string }) => (await import('./commands/up.js')).upCommand({ labfile, name: o.name, runtime: o.runtime as 'auto', out: o.out, timeoutSec: Number(o.timeout), ...(o.frr ? { frr: o.frr as '10' } : {}) }));

  program
    .command('down')
    .description('remove everything a lab created (idempotent; works after a crash)')
    .argument('[lab]', 'lab name (default: the only running lab, else the default lab)')
    .addOption(runtimeOption())
    .option('--all', 'take down every bgplab lab on this machine')
    .action(async (lab: string | undefined, o: { runtime: string; all?: boolean }) => (await import('./commands/down.js')).downCommand({ lab, runtime: o.runtime as 'auto', all: !!o.all }));

  program
    .command('status')
    .description('show a running lab: runtime, daemon health per node, session states')
    .argument('[lab]', 'lab name (default: every running lab)')
    .option('--json', 'machine-readable output')
    .action(async (lab: string | undefined, o: { json?: boolean }) => (await import('./commands/status.js')).statusCommand({ lab, json: !!o.json }));

  program
    .command('ls')
    .description('list running labs')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => (await import('./commands/status.js')).lsCommand({ json: !!o.json }));

  program
    .command('exec')
    .description('run a command inside a node: bgplab exec [--lab LAB] NODE -- CMD...')
    .option('--lab <lab>', 'lab name (default: the only running lab)')
    .argument('<node>', 'node name')
    .argument('<cmd...>', 'command and arguments')
    .action(async (node: string, cmd: string[], o: { lab?: string }) => (await import('./commands/exec.js')).execCommand({ lab: o.lab, node, argv: cmd }));

  program
    .command('vtysh')
    .description("open vtysh on a node, or run commands with -c")
    .option('--lab <lab>', 'lab name (default: the only running lab)')
    .argument('<node>', 'node name')
    .option('-c, --command <cmd...>', 'vtysh command(s) to run')
    .action(async (node: string, o: { lab?: string; command?: string[] }) => (await import('./commands/exec.js')).vtyshCommand({ lab: o.lab, node, commands: o.command ?? [] }));

  const host = program
    .command('host')
    .description("this machine's budgets for labs: IPv6 neighbour table, memory, tasks; what the labs up hold; how many more fit")
    .option('--lab <file>', 'measure one more lab of this file (default: labs/clos.yml)')
    .option('--json', 'machine-readable output')
    .action(async (o: { lab?: string; json?: boolean }) => {
      const { hostCommand } = await import('./commands/host.js');
      await hostCommand({ labfile: o.lab, json: !!o.json });
    });
  host
    .command('tune')
    .description('raise the IPv6 neighbour-table thresholds (net.ipv6.neigh.default.gc_thresh1/2/3) to fit N nodes; prints each before/after; --revert restores')
    .option('--nodes <n>', 'nodes to fit (all labs together)', '400')
    .option('--revert', 'restore the values recorded before the first tune')
    .action(async (o: { nodes: string; revert?: boolean }) => {
      const { hostTuneCommand } = await import('./commands/host.js');
      await hostTuneCommand({ nodes: o.nodes, revert: !!o.revert });
    });

  program
    .command('check')
    .description('run checks against a running lab')
    .argument('[lab]', 'lab name (default: the only running lab)')
    .option('--only <checks>', 'comma-separated: sessions,routes,traceroute,transit,failover')
    .option('--json', 'print results as JSON')
    .option('--junit <file>', 'write JUnit XML to file')
    .option('-v, --verbose', 'every row of every check, and every knock-on failure under its root cause')
    .option('--baseline <file>', 'compare with a snapshot (bgplab snapshot -o FILE): lost and new routes, changed next hops and paths, worse outages; exit 1 on a regression')
    .option('--outage-tolerance-ms <ms>', 'with --baseline: how much longer than the baseline\'s an outage may be, on top of its detection timer\'s jitter (default 250)')
    .action(async (lab: string | undefined, o: { only?: string; json?: boolean; junit?: string; verbose?: boolean; baseline?: string; outageToleranceMs?: string }) =>
      (await import('./commands/check.js')).checkCommand({ lab, only: o.only?.split(',').map((s) => s.trim()).filter(Boolean), json: !!o.json, junit: o.junit, verbose: !!o.verbose, baseline: o.baseline, outageToleranceMs: o.outageToleranceMs }),
    );

  program
    .command('snapshot')
    .description('run the checks and record what the running fabric does (sessions, routes and next hops, traceroute paths, failover outages) as a baseline for check --baseline')
    .argument('[lab]', 'lab name (default: the only running lab)')
    .requiredOption('-o, --out <file>', 'the snapshot file to write (JSON, written whole or not at all)')
    .option('--only <checks>', 'comma-separated: sessions,routes,traceroute,transit,failover (without failover no outages are recorded)')
    .option('--json', 'print the check results as JSON')
    .option('--junit <file>', 'write JUnit XML to file')
    .option('-v, --verbose', 'every row of every check')
    .action(async (lab: string | undefined, o: { out: string; only?: string; json?: boolean; junit?: string; verbose?: boolean }) =>
      (await import('./commands/snapshot.js')).snapshotCommand({ lab, out: o.out, only: o.only?.split(',').map((s) => s.trim()).filter(Boolean), json: !!o.json, junit: o.junit, verbose: !!o.verbose }),
    );

  const exercise = program.command('exercise').description('training exercises: a lab, a story, stages with checks, hints and reference solutions (labs/exercises/)');
  exercise
    .command('list')
    .description('the shipped exercises')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => (await import('./commands/exercise.js')).exerciseListCommand({ json: !!o.json }));
  exercise
    .command('start')
    .description("bring the exercise's lab up (or reuse it when it already runs this exercise) and apply its starting state")
    .argument('<id>', 'exercise id (bgplab exercise list)')
    .addOption(new Option('-n, --name <lab>', "lab name (default: the exercise lab's name), e.g. one per student: --name s1"))
    .addOption(runtimeOption())
    .option('--timeout <seconds>', 'how long to wait for sessions and routes', '60')
    .action(async (id: string, o: { name?: string; runtime: string; timeout: string }) => (await import('./commands/exercise.js')).exerciseStartCommand({ id, name: o.name, runtime: o.runtime as 'auto', timeoutSec: Number(o.timeout) }));
  exercise
    .command('status')
    .description('the task and the current stage')
    .argument('[lab]', 'lab name (default: the only running lab)')
    .action(async (lab: string | undefined) => (await import('./commands/exercise.js')).exerciseStatusCommand({ lab }));
  exercise
    .command('check')
    .description("run the current stage's checks: what is wrong (causes first) and what holds; a pass moves to the next stage")
    .argument('[lab]', 'lab name (default: the only running lab)')
    .option('--json', 'machine-readable output')
    .action(async (lab: string | undefined, o: { json?: boolean }) => (await import('./commands/exercise.js')).exerciseCheckCommand({ lab, json: !!o.json }));
  exercise
    .command('hint')
    .description('the next hint of the current stage')
    .argument('[lab]', 'lab name (default: the only running lab)')
    .action(async (lab: string | undefined) => (await import('./commands/exercise.js')).exerciseHintCommand({ lab }));
  exercise
    .command('solve')
    .description("apply the current stage's reference solution (for instructors)")
    .argument('[lab]', 'lab name (default: the only running lab)')
    .action(async (lab: string | undefined) => (await import('./commands/exercise.js')).exerciseSolveCommand({ lab }));
  exercise
    .command('reset')
    .description("back to the current stage's starting state (the lab is taken down and brought up again)")
    .argument('[lab]', 'lab name (default: the only running lab)')
    .option('--timeout <seconds>', 'how long to wait for sessions and routes', '60')
    .action(async (lab: string | undefined, o: { timeout: string }) => (await import('./commands/exercise.js')).exerciseResetCommand({ lab, timeoutSec: Number(o.timeout) }));

  program
    .command('fail')
    .description('break an element of a running lab: ELEMENT is node:ifname, nodeA--nodeB or node (recorded; bgplab heal restores it)')
    .argument('<element>', 'node:ifname | nodeA--nodeB | node')
    .option('--lab <lab>', 'lab name (default: the only running lab)')
    .option('--cut', 'a link: 100 % loss both ways, carrier kept (only BFD or the hold timer notice)')
    .option('--loss <pct>', 'a link: drop PCT % of the packets both ways')
    .option('--delay <ms>', 'a link: add MS of delay both ways (needs the kernel\'s sch_netem)')
    .option('--flap <n[:period]>', 'a link: down and up N times, one cycle every PERIOD seconds (default 4), then wait for reconvergence')
    .option('--isolate', "a node: every one of its links down (default for a node: its routing daemons stopped)")
    .option('--wait <seconds>', 'wait up to this long for the sessions it carries to go down, and print when they did')
    .option('--timeout <seconds>', '--flap: how long to wait for reconvergence afterwards', '60')
    .action(async (element: string, o: { lab?: string; cut?: boolean; loss?: string; delay?: string; flap?: string; isolate?: boolean; wait?: string; timeout: string }) => (await import('./commands/fail.js')).failCommand({ ...o, element, wait: o.wait === undefined ? undefined : Number(o.wait), timeoutSec: Number(o.timeout) }));

  program
    .command('heal')
    .description("restore a failed element (or --all) and print how long the fabric took to reconverge")
    .argument('[element]', 'node:ifname | nodeA--nodeB | node (default with --all: every active fault)')
    .option('--lab <lab>', 'lab name (default: the only running lab)')
    .option('--all', 'heal every active fault')
    .option('--timeout <seconds>', 'how long to wait for reconvergence', '60')
    .action(async (element: string | undefined, o: { lab?: string; all?: boolean; timeout: string }) => (await import('./commands/fail.js')).healCommand({ lab: o.lab, element, all: !!o.all, timeoutSec: Number(o.timeout) }));

  program
    .command('graph')
    .description('the fabric as a picture (tiers top-down; a running lab with its link and session state and faults)')
    .argument('[lab-or-labfile]', 'a running lab or a lab file (default: the only running lab, else labs/clos.yml)')
    .option('--format <fmt>', 'svg | mermaid | dot (default: from -o, else svg)')
    .option('-o, --out <file>', 'write to FILE (default: stdout)')
    .action(async (what: string | undefined, o: { format?: string; out?: string }) => (await import('./commands/graph.js')).graphCommand({ what, ...o }));

  program
    .command('watch')
    .description('a live view of a running lab: sessions, routes, faults and an event log with settle times (Ctrl-C stops)')
    .argument('[lab]', 'lab name (default: the only running lab)')
    .option('--events', 'one line per event instead of the full screen (the default when piped)')
    .option('--json', 'one JSON event per line')
    .option('--duration <seconds>', 'stop after this long')
    .action(async (lab: string | undefined, o: { events?: boolean; json?: boolean; duration?: string }) => (await import('./commands/watch.js')).watchCommand({ lab, events: !!o.events, json: !!o.json, ...(o.duration ? { durationSec: Number(o.duration) } : {}) }));

  program
    .command('capture')
    .description('tcpdump on one interface of a node: decoded on the terminal, or a pcap with -w FILE (-w - for wireshark -k -i -)')
    .argument('<node:ifname>', 'where to capture, e.g. leaf1:eth1')
    .option('--lab <lab>', 'lab name (default: the only running lab)')
    .option('-w, --write <file>', 'write a pcap to FILE (- for stdout)')
    .option('--filter <expr>', 'a tcpdump filter expression, e.g. "tcp port 179" (default: everything on the link)')
    .option('--count <n>', 'stop after N packets')
    .action(async (where: string, o: { lab?: string; write?: string; filter?: string; count?: string }) => (await import('./commands/capture.js')).captureCommand({ where, ...o }));

  program
    .command('test')
    .description('up, run every check (failover included), down; the command for CI')
    .argument('[labfile]', 'lab file (default: labs/clos.yml)')
    .addOption(nameOption())
    .addOption(runtimeOption())
    .option('-o, --out <dir>', 'artifacts directory (default: out/<lab name>)')
    .option('--only <checks>', 'comma-separated subset of checks')
    .option('--keep', 'leave the lab up afterwards')
    .option('--json', 'print results as JSON')
    .option('--junit <file>', 'write JUnit XML to file')
    .option('-v, --verbose', 'every row of every check, and every knock-on failure under its root cause')
    .addOption(frrOption())
    .option('--timeout <seconds>', 'how long to wait for sessions and routes', '60')
    .option('--baseline <file>', 'after the checks, compare with a snapshot (bgplab snapshot -o FILE); exit 1 on a regression')
    .option('--outage-tolerance-ms <ms>', 'with --baseline: how much longer than the baseline\'s an outage may be, on top of its detection timer\'s jitter (default 250)')
    .action(
      async (
        labfile: string | undefined,
        o: { name?: string; runtime: string; out?: string; only?: string; keep?: boolean; json?: boolean; junit?: string; verbose?: boolean; timeout: string; frr?: string; baseline?: string; outageToleranceMs?: string },
      ) => {
        const { testCommand } = await import('./commands/test.js');
        await testCommand({
          labfile,
          name: o.name,
          runtime: o.runtime as 'auto',
          out: o.out,
          only: o.only?.split(',').map((s) => s.trim()).filter(Boolean),
          keep: !!o.keep,
          json: !!o.json,
          junit: o.junit,
          verbose: !!o.verbose,
          timeoutSec: Number(o.timeout),
          ...(o.frr ? { frr: o.frr as '10' } : {}),
          baseline: o.baseline,
          outageToleranceMs: o.outageToleranceMs,
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

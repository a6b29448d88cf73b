#!/usr/bin/env node
/**
 * bgplab bench: how fast a lab comes up, how much it costs, how long traffic stops when
 * something breaks, and how far it scales. Run as root: `make bench` (or `make bench-quick`).
 *
 * Everything goes through the code `bgplab up` / `down` / `check` run (bringUp, downLab,
 * runFailover), so the figures are the tool's, not a re-implementation's. Per run:
 *   - up: validate+generate, deploy, sessions Established, every loopback route (phases of bringUp)
 *   - memory: RSS and PSS of each node's FRR daemons, from /proc, once converged and idle
 *   - CPU: the daemons' CPU during bring-up and at idle; bgplab's own CPU and its helpers'
 *     (ip, vtysh, the daemons' start-up before they detach)
 *   - down: downLab
 * Then the failover scenarios (the failover check's probe), and the sizes up to where it
 * breaks. Every figure is a median of several runs; ratios are against a baseline measured
 * in the same run (bare namespaces + veths; netns vs containerlab).
 *
 * Writes bench/results/latest.{json,md} (quick: quick-latest.*) and prints the table.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FRR_VERSIONS } from '../lab/model.js';
import { dockerAnswers, loadClabRuntime } from '../runtime/select.js';
import { run } from '../util/process.js';
import { brokeOnNeighbourTable, fabricLabText, linksOf, nodesOf, renameLabText, scaleSizes, sizeLabel, withFrrText } from './labs.js';
import { memAvailableKiB, neighbourTable } from './proc.js';
import { renderMarkdown } from './report.js';
import { checksBench, renderChecksMarkdown } from './checks.js';
import { bench, errText, log } from './context.js';
import { failoverSuite } from './failover-suite.js';
import { QuietGate } from './noise.js';
import { parseOptions } from './options.js';
import { bareBaseline, cliRuns, labOf, sizeRuns, writeLab } from './up-runs.js';
import type { BenchReport, SizeResult } from './types.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

// ---------------------------------------------------------------------------
// main

async function frrVersion(): Promise<string> {
  try {
    const r = await run('dpkg-query', ['-W', '-f', '${Version}', 'frr'], { check: false });
    return r.stdout.trim() || 'unknown';
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  bench.prefix = o.prefix;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    process.stderr.write('bench needs root (namespaces, FRR daemons): sudo make bench\n');
    process.exit(2);
  }
  // the bench prints its own progress: bringUp is called without an event handler
  const outDir = resolve(ROOT, o.out);
  await mkdir(outDir, { recursive: true });
  const work = await mkdtemp(join(tmpdir(), 'bgplab-bench-'));
  let docker = o.clab === 'off' ? false : await dockerAnswers(3000);
  if (o.clab === 'on' && !docker) throw new Error('--clab on, but Docker does not answer');
  let clabWhyNot = docker ? '' : 'Docker does not answer (or --clab off)';
  if (docker) {
    // loaded once, now: the module then stays in memory for every run of the bench
    try {
      await loadClabRuntime();
    } catch (e) {
      docker = false;
      clabWhyNot = errText(e);
    }
  }
  const report: BenchReport = {
    version: 1,
    startedAt: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      memGiB: Math.round(totalmem() / 2 ** 30),
      kernel: (await readFile('/proc/sys/kernel/osrelease', 'utf8')).trim(),
      frr: await frrVersion(),
      node: process.version,
      docker,
    },
    options: o,
    default: [],
    failover: [],
    scale: [],
    notes: [],
  };
  const save = async () => {
    const json = JSON.stringify(report, null, 2) + '\n';
    const md = renderMarkdown(report) + renderChecksMarkdown(report.checks);
    await writeFile(join(outDir, o.quick ? 'quick-latest.json' : 'latest.json'), json);
    await writeFile(join(outDir, o.quick ? 'quick-latest.md' : 'latest.md'), md);
    return md;
  };
  const gate = new QuietGate(o.quietWaitSec);
  process.on('SIGINT', () => {
    if (bench.interrupted) process.exit(130);
    bench.interrupted = true;
    log('bench.interrupted: finishing the current run, then writing what was measured (Ctrl-C again to exit now)');
  });
  try {
    // 1. the default lab, netns, then containerlab
    const baseText = await readFile(resolve(ROOT, o.lab), 'utf8');
    const def = await writeLab(work, `${bench.prefix}clos`, 'default lab', renameLabText(baseText, `${bench.prefix}clos`));
    const defLab = labOf(def);
    if (o.runDefault) {
      await gate.wait('the default lab');
      report.baseline = await bareBaseline(defLab, o.runs);
      log(`bare baseline: ${defLab.nodes.length} namespaces + ${defLab.links.length} veths in ${Math.round(report.baseline.createMs?.median ?? 0)} ms`);
      // both FRR versions side by side, in the same run (FRR 10: netns from the trixie rootfs, clab bgplab/frr:10)
      for (const frr of FRR_VERSIONS) {
        if (bench.interrupted) break;
        const spec = frr === '8.4' ? def : await writeLab(work, `${bench.prefix}10clos`, 'default lab', withFrrText(renameLabText(baseText, `${bench.prefix}10clos`), frr));
        const tagged = (r: SizeResult): SizeResult => ({ ...r, frr, label: `${r.label}, FRR ${frr}` });
        report.default.push(tagged(await sizeRuns(spec, 'netns', o.runs, { idleSec: o.idleSec, timeoutSec: 60, gate, stopOnFailure: false })));
        if (docker && !bench.interrupted) {
          report.default.push(tagged(await sizeRuns(spec, 'clab', o.runs, { idleSec: o.idleSec, timeoutSec: 120, gate, stopOnFailure: false })));
        }
      }
      if (!docker) report.notes.push(`containerlab runtime not measured: ${clabWhyNot}`);
      await save();
      if (o.cliRuns > 0 && !bench.interrupted) report.cli = await cliRuns(def, o.cliRuns);
      await save();
    }

    // 2. failover
    if (o.failover) {
      for (const frr of FRR_VERSIONS) if (!bench.interrupted) report.failover.push(...(await failoverSuite(baseText, work, o, gate, frr)));
    }
    await save();

    // 2b. the checks: a healthy `bgplab test`, false alarms, seeded faults (src/bench/checks.ts)
    if (o.checks && !bench.interrupted) {
      await gate.wait('the checks');
      const spec = await writeLab(work, `${bench.prefix}chk`, 'checks lab', renameLabText(baseText, `${bench.prefix}chk`));
      report.checks = await checksBench(spec.file, `${bench.prefix}chk`, { testRuns: o.quick ? 1 : 3, falseAlarmRuns: o.quick ? 2 : 10, log });
    }
    await save();

    // 3. scale: sizes until it breaks, and why
    if (o.scale) {
      const started = Date.now();
      let lastPss: number | undefined;
      /** links of the smallest fabric that broke: larger ones are skipped, sparser ones still run */
      let brokeAtLinks: number | undefined;
      for (const size of scaleSizes(Math.max(o.maxNodes, ...(o.sizes ?? [0])))) {
        if (bench.interrupted) break;
        const n = nodesOf(size);
        const links = linksOf(size);
        const beyond = n > 400;
        if (o.sizes && !o.sizes.includes(n)) continue;
        if (brokeAtLinks !== undefined && links >= brokeAtLinks) {
          report.notes.push(`${sizeLabel(size)} (${n} nodes, ${links} links) not run: a fabric with ${brokeAtLinks} links already broke`);
          continue;
        }
        if (beyond && Date.now() - started > o.timeBudgetMin * 60_000) {
          report.notes.push(`scaling stopped before ${n} nodes: time budget of ${o.timeBudgetMin} min used`);
          break;
        }
        // never push the shared machine into the OOM killer: project memory first
        const avail = await memAvailableKiB();
        if (lastPss !== undefined && lastPss * n * 1.5 > avail * 0.8) {
          report.notes.push(
            `scaling stopped before ${n} nodes: projected ${((lastPss * n * 1.5) / 2 ** 20).toFixed(1)} GiB (PSS per node × 1.5 for kernel state) > 80 % of the ${(avail / 2 ** 20).toFixed(1)} GiB available`,
          );
          break;
        }
        // each link needs an IPv6 neighbour entry at both ends, in one table for the whole machine
        const nb = await neighbourTable();
        const need = 2 * links;
        const budget = nb ? nb.gcThresh3 - nb.entries : undefined;
        const fits = budget === undefined || need <= budget;
        const name = `${bench.prefix}${n}`;
        const spec = await writeLab(work, name, sizeLabel(size), fabricLabText(name, size));
        // a fabric predicted not to fit gets one run and a shorter wait: it is there to show the break
        const timeoutSec = fits ? Math.max(120, n) : 90;
        const runs = !fits ? 1 : beyond ? o.beyondRuns : o.largeRuns;
        if (!fits) log(`${sizeLabel(size)}: needs ~${need} IPv6 neighbour entries, the kernel table has room for ${budget} (gc_thresh3 ${nb?.gcThresh3}): expected to break`);
        const r = await sizeRuns(spec, 'netns', runs, { idleSec: Math.max(o.idleSec, 10), timeoutSec, gate, stopOnFailure: true });
        if (nb) r.neighbour = { need, budget: budget!, gcThresh3: nb.gcThresh3 };
        report.scale.push(r);
        if (docker && n <= o.clabMaxNodes && fits && !bench.interrupted) {
          report.scale.push(await sizeRuns(spec, 'clab', runs, { idleSec: Math.max(o.idleSec, 10), timeoutSec: timeoutSec * 3, gate, stopOnFailure: true }));
        }
        await save();
        lastPss = r.summary['pssKiBPerNode']?.median ?? lastPss;
        const failed = r.samples.find((s) => !s.ok);
        if (failed) {
          const why =
            (failed.neighTableFulls ?? 0) > 0
              ? /neighbour table/.test(failed.error ?? '')
                ? ` (a ${links}-link fabric needs ~${need} entries; ${nb?.entries} were in use before it)`
                : `: the kernel's IPv6 neighbour table was full ${failed.neighTableFulls} times during the run (a ${links}-link fabric needs ~${need} entries; net.ipv6.neigh.default.gc_thresh3 = ${nb?.gcThresh3} for all namespaces of the machine, ${nb?.entries} already in use; raising it is a host sysctl bgplab does not touch)`
              : '';
          r.breaks = `${failed.error}${why}`;
          report.notes.push(`breaks at ${n} nodes (${sizeLabel(size)}, ${links} links): ${r.breaks}`);
          brokeAtLinks = Math.min(brokeAtLinks ?? Infinity, links);
          if (!brokeOnNeighbourTable(failed)) break; // something else broke: stop here
        }
      }
    }
  } finally {
    report.finishedAt = new Date().toISOString();
    const md = await save();
    await rm(work, { recursive: true, force: true });
    process.stdout.write('\n' + md);
    log(`results: ${join(o.out, o.quick ? 'quick-latest' : 'latest')}.{json,md}`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});


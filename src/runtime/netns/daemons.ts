/**
 * Starting a node's FRR daemons and watching them read their config: each daemon's argv (the
 * host's binaries, or a rootfs's in its chroot), start-up through a few `ip -batch`
 * processes (or one spawn per daemon), the log scan that says when every daemon has read
 * frr.conf and which lines none accepted, and FRR 10's `vtysh -b`. Errors carry the tail of
 * the failing daemon's output and log.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { BgplabError } from '../../util/errors.js';
import { allSettledOrThrow, chunk, sleep } from '../../util/pool.js';
import { run } from '../../util/process.js';
import { labStateDir, nodeStateDir } from '../state.js';
import { NetnsContext, type DaemonUser } from './context.js';
import { configErrors, daemonArgs, logTail, nodePaths, scanDaemonLog, type DaemonLogScan } from './frr.js';
import { BATCH_TOKEN_RE, batchShards } from './ip-batch.js';
import { FRR_DIR, type NodeRun } from './nodes.js';
import { isAlive, readPidFile } from './proc.js';
import { chrootPrefix, parseBootErrors, ROOTFS_FRR_DIR, ROOTFS_VTYSH } from './rootfs.js';

/** How long daemons may take to read their config after they started */
const CONFIG_READ_TIMEOUT_MS = 15_000;

/** Daemons the others connect to at start: started first, on every node, before the rest. */
export const isFirstDaemon = (d: string) => d === 'zebra' || d === 'mgmtd';

interface DaemonLine {
  r: NodeRun;
  daemon: string;
  argv: string[];
}

/** What starting a node's daemons needs (also from the lab state, for startRouting). */
export type DaemonTarget = Pick<NodeRun, 'lab' | 'ns' | 'dir' | 'daemons' | 'frr'> & { name: string };
export const targetOf = (r: NodeRun): DaemonTarget => ({ lab: r.lab, name: r.node.name, ns: r.ns, dir: r.dir, daemons: r.daemons, frr: r.frr });

/**
 * FRR 10: send the node's frr.conf to its (empty) daemons with `vtysh -b`, as frrinit.sh
 * does; a line vtysh rejected fails the deploy like a line no daemon accepted on 8.4.
 */
export async function bootConfig(t: DaemonTarget, source: string): Promise<void> {
  const res = await run('ip', ['netns', 'exec', t.ns, ...vtyshCommand(t, ['-b'])], { check: false, timeoutMs: 60_000 });
  const errors = parseBootErrors(res.stdout + '\n' + res.stderr);
  if (errors.length) {
    throw new BgplabError('E_FRR_CONFIG', `FRR rejected configuration lines on ${t.name}`, {
      details: errors.slice(0, 20).map((e) => `${t.name}: ${source}:${e.line}: ${e.text}   (${e.message}; vtysh -b, FRR 10)`),
      hint: 'fix the lab file (or the frr.conf) and run up again. Nothing was left behind.',
    });
  }
  if (res.exitCode !== 0) {
    throw new BgplabError('E_FRR_CONFIG', `node ${t.name}: vtysh -b failed (exit ${res.exitCode})`, {
      details: (res.stderr || res.stdout).trim().split('\n').slice(-10),
    });
  }
}

/** argv (after `ip netns exec NS`) of vtysh for one node: the host's, or the rootfs's in its chroot. */
export function vtyshCommand(t: Pick<DaemonTarget, 'lab' | 'dir' | 'frr'>, args: string[]): string[] {
  const base = ['--vty_socket', t.dir, '--config_dir', t.dir, ...args];
  return t.frr.root ? [...chrootPrefix(labStateDir(t.lab), t.frr.root, t.dir), ROOTFS_VTYSH, ...base] : ['vtysh', ...base];
}

/** argv (after `ip netns exec NS`) of one daemon of one node. */
export function daemonCommand(t: DaemonTarget, daemon: string, user: DaemonUser | null): string[] {
  const args = daemonArgs(daemon, nodePaths(t.dir), t.daemons, user ? undefined : { user: 'root', group: 'root' }, { readConfig: !t.frr.root });
  if (!t.frr.root) return [`${FRR_DIR}/${daemon}`, ...args];
  return [...chrootPrefix(labStateDir(t.lab), t.frr.root, t.dir, join(t.dir, `${daemon}.out`)), `${ROOTFS_FRR_DIR}/${daemon}`, ...args];
}

/**
 * Start daemons on many nodes through a few `ip -batch` processes, one line per daemon
 * (`netns exec NS /usr/lib/frr/DAEMON ARGS`): ip forks each and waits until it has
 * daemonized, as startDaemon does, but without a Node spawn per daemon. A node's
 * daemons stay in one batch, in order. A node whose arguments do not fit a batch line
 * (whitespace, quotes, #) is started the one-spawn-per-daemon way.
 */
export async function startDaemonsBatched(ctx: NetnsContext, lab: string, runs: NodeRun[], pick: (r: NodeRun) => string[]): Promise<void> {
  const batched: DaemonLine[][] = [];
  const direct: { r: NodeRun; daemons: string[] }[] = [];
  for (const r of runs) {
    const daemons = pick(r);
    if (!daemons.length) continue;
    const user = await ctx.daemonUser(r.frr);
    const lines = daemons.map((daemon) => ({
      r,
      daemon,
      argv: ['netns', 'exec', r.ns, ...daemonCommand(targetOf(r), daemon, user)],
    }));
    if (lines.every((l) => l.argv.every((a) => BATCH_TOKEN_RE.test(a)))) batched.push(lines);
    else direct.push({ r, daemons });
  }
  // every batch finishes before a failure is thrown: the cleanup that follows must not race
  // a batch still starting daemons
  await allSettledOrThrow([
    ...chunk(batched, batchShards(ctx.concurrency)).map((c) => runDaemonBatch(lab, c.flat())),
    ...direct.map(async ({ r, daemons }) => {
      for (const d of daemons) await startDaemon(ctx, targetOf(r), d);
    }),
  ]);
}

async function runDaemonBatch(lab: string, lines: DaemonLine[]): Promise<void> {
  if (!lines.length) return;
  const res = await run('ip', ['-batch', '-'], { check: false, input: lines.map((l) => l.argv.join(' ')).join('\n') + '\n', timeoutMs: 30_000 + 2_000 * lines.length });
  if (res.exitCode === 0) return;
  // ip stops at the first failing line and names it; what the daemon printed before
  // dying (an option error, say) comes just before that on the same stderr
  const m = /Command failed -:(\d+)/.exec(res.stderr);
  const bad = m ? lines[Number(m[1]) - 1] : undefined;
  if (!m || !bad) {
    throw new BgplabError('E_DAEMON_DIED', `starting FRR daemons failed: ${res.stderr.trim().split('\n')[0] ?? `exit ${res.exitCode}`}`, {
      details: res.stderr.trim().split('\n').slice(-10),
    });
  }
  const said = [res.stderr.slice(0, m.index).trim(), res.stdout.trim()].filter(Boolean).join('\n');
  const paths = nodePaths(bad.r.dir);
  await writeFile(join(bad.r.dir, `${bad.daemon}.out`), said + '\n', { flag: 'a' });
  throw new BgplabError('E_DAEMON_DIED', `node ${bad.r.node.name}: ${bad.daemon} failed to start`, {
    details: await daemonTail(lab, bad.r.node.name, bad.daemon),
    hint: `its log: ${paths.log(bad.daemon)} (removed with the lab)`,
  });
}

/** zebra (and mgmtd) first: the others connect to it at start; then the rest at once. */
export async function startDaemons(ctx: NetnsContext, t: DaemonTarget, which: string[]): Promise<void> {
  const first: string[] = which.filter(isFirstDaemon);
  const rest = which.filter((d) => !first.includes(d));
  for (const d of first) await startDaemon(ctx, t, d);
  await Promise.all(rest.map((d) => startDaemon(ctx, t, d)));
}

async function startDaemon(ctx: NetnsContext, t: DaemonTarget, daemon: string): Promise<void> {
  const { lab, name: node, ns, dir } = t;
  const paths = nodePaths(dir);
  const user = await ctx.daemonUser(t.frr);
  // the daemon's own stdout/stderr before it daemonizes (option errors, early crashes)
  const out = { file: join(dir, `${daemon}.out`), append: true } as const;
  const r = await execa('ip', ['netns', 'exec', ns, ...daemonCommand(t, daemon, user)], {
    reject: false,
    stdin: 'ignore',
    stdout: out,
    stderr: out,
    timeout: 30_000,
  });
  if (r.exitCode !== 0 || r.failed) {
    throw new BgplabError('E_DAEMON_DIED', `node ${node}: ${daemon} failed to start (exit ${r.exitCode ?? r.signal ?? '?'})`, {
      details: await daemonTail(lab, node, daemon),
      hint: `its log: ${paths.log(daemon)} (removed with the lab)`,
    });
  }
}

/** The tail of a daemon's startup output and log, for error messages. */
export async function daemonTail(lab: string, node: string, daemon: string, n = 12): Promise<string[]> {
  const dir = nodeStateDir(lab, node);
  const out = await readFile(join(dir, `${daemon}.out`), 'utf8').catch(() => '');
  const log = await readFile(join(dir, `${daemon}.log`), 'utf8').catch(() => '');
  // an option error prints the daemon's whole usage text after the one line that matters
  const usage = out.search(/^Usage/m);
  const outLines = usage >= 0 ? [...logTail(out.slice(0, usage), n), '(usage text omitted)'] : logTail(out, n);
  const lines = [...outLines, ...logTail(log, n)].slice(-n);
  return lines.length ? lines.map((l) => `${node}/${daemon}: ${l}`) : [`${node}/${daemon}: (no output)`];
}

/**
 * Poll the daemons' logs until every daemon has read its whole config (the end marker),
 * then fail on lines no daemon accepted, or on a daemon that died meanwhile.
 */
export async function awaitConfigRead(lab: string, runs: NodeRun[]): Promise<void> {
  type Pending = { r: NodeRun; daemon: string; scan?: DaemonLogScan };
  const all: Pending[] = runs.flatMap((r) => (r.node.frrFiles['frr.conf'] ? r.daemons.daemons.map((daemon) => ({ r, daemon })) : []));
  let pending = all;
  const deadline = Date.now() + CONFIG_READ_TIMEOUT_MS;
  for (;;) {
    await Promise.all(
      pending.map(async (p) => {
        const log = await readFile(nodePaths(p.r.dir).log(p.daemon), 'utf8').catch(() => '');
        p.scan = scanDaemonLog(log);
      }),
    );
    pending = pending.filter((p) => !p.scan?.done);
    if (!pending.length) break;
    // a daemon that died will never reach the marker
    for (const p of pending) {
      const pid = await readPidFile(nodePaths(p.r.dir).pid(p.daemon));
      if (pid !== undefined && !(await isAlive(pid))) {
        throw new BgplabError('E_DAEMON_DIED', `node ${p.r.node.name}: ${p.daemon} died at start`, {
          details: await daemonTail(lab, p.r.node.name, p.daemon),
        });
      }
    }
    if (Date.now() > deadline) {
      const p = pending[0]!;
      throw new BgplabError('E_DAEMON_STUCK', `node ${p.r.node.name}: ${p.daemon} did not finish reading its config in ${CONFIG_READ_TIMEOUT_MS / 1000} s`, {
        details: await daemonTail(lab, p.r.node.name, p.daemon),
      });
    }
    await sleep(15);
  }
  const details: string[] = [];
  for (const r of runs) {
    const scans: Record<string, DaemonLogScan> = {};
    for (const p of all) if (p.r === r && p.scan) scans[p.daemon] = p.scan;
    for (const err of configErrors(scans)) {
      const why = [...new Set(Object.values(err.messages))].join(' / ');
      details.push(`${r.node.name}: ${r.node.frrFiles['frr.conf']}:${err.line}: ${err.text}   (${why}; rejected by ${Object.keys(err.messages).join(', ')})`);
    }
  }
  if (details.length) {
    const nodes = [...new Set(details.map((d) => d.split(':')[0]))];
    throw new BgplabError('E_FRR_CONFIG', `FRR rejected configuration lines on ${nodes.join(', ')}: no running daemon accepted them`, {
      details: details.slice(0, 20).concat(details.length > 20 ? [`... and ${details.length - 20} more`] : []),
      hint: 'fix the lab file (or the frr.conf) and run up again; a line for a daemon that is not enabled in the daemons file also lands here. Nothing was left behind.',
    });
  }
  // daemons that died after reading their config
  for (const p of all) {
    const pid = await readPidFile(nodePaths(p.r.dir).pid(p.daemon));
    if (pid === undefined || !(await isAlive(pid))) {
      throw new BgplabError('E_DAEMON_DIED', `node ${p.r.node.name}: ${p.daemon} died at start`, {
        details: await daemonTail(lab, p.r.node.name, p.daemon),
      });
    }
  }
}

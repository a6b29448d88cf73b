/** bgplab capture [--lab LAB] NODE:IFNAME [-w FILE|-] [--filter EXPR] [--count N]: thin, app/capture.ts runs tcpdump in the node. */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import chalk from 'chalk';
import { capture } from '../app/capture.js';
import { labModel } from '../app/check.js';
import { withInterrupts } from '../app/signals.js';
import { runningLab } from '../runtime/select.js';
import { BgplabError } from '../util/errors.js';

export interface CaptureOptions {
  lab?: string;
  where: string;
  write?: string;
  filter?: string;
  count?: string;
}

export async function captureCommand(o: CaptureOptions): Promise<void> {
  let count: number | undefined;
  if (o.count !== undefined) {
    count = Number(o.count);
    if (!Number.isInteger(count) || count < 1) throw new BgplabError('E_USAGE', `--count ${o.count}: want a whole number >= 1`);
  }
  const { lab: name, runtime } = await runningLab(o.lab);
  const lab = await labModel(name, runtime);
  const toFile = o.write !== undefined && o.write !== '-';
  const file = toFile ? resolve(o.write!) : undefined;
  // to a temporary name, renamed when tcpdump ends: never a half-written pcap under FILE on an error
  const tmp = file ? `${file}.${process.pid}.part` : undefined;
  if (file) await mkdir(dirname(file), { recursive: true });
  const out = tmp ? createWriteStream(tmp) : process.stdout;
  const closed = tmp ? new Promise<void>((r, j) => out.on('close', r).on('error', j)) : Promise.resolve();
  try {
    if (!o.write) console.error(chalk.dim(`capturing on ${o.where} (decoded; -w FILE for a pcap, -w - to pipe into wireshark -k -i -); Ctrl-C stops`));
    const r = await withInterrupts((signal) => capture(runtime, lab, { where: o.where, pcap: o.write !== undefined, ...(o.filter ? { filter: o.filter } : {}), ...(count ? { count } : {}) }, { stdout: out, signal }), {
      what: 'stopping tcpdump',
      cleanup: () => 'nothing (tcpdump stops with bgplab)',
    });
    if (tmp) {
      out.end();
      await closed;
      await rename(tmp, file!);
    }
    const said = r.stderr.split('\n').filter((l) => /packets? (captured|received|dropped)/.test(l));
    if (file || !process.stdout.isTTY) console.error(chalk.dim([`${r.node}:${r.ifname}${file ? ` → ${file}` : ''}`, ...said].join('; ')));
  } catch (e) {
    if (tmp) {
      out.end();
      await closed.catch(() => undefined);
      await rm(tmp, { force: true });
    }
    throw e;
  }
}

/**
 * Show commands straight to a daemon's vty socket, without spawning vtysh.
 *
 * Why: a vtysh process costs ~20-40 ms of CPU (it starts, connects to every daemon of the
 * node, then runs the command); `up` polls every node once per round, so a 400-node lab
 * spent more CPU polling than converging. Over the socket the same query costs ~0.5 ms.
 *
 * The protocol is vtysh's own (lib/vty.c, vtysh_client_run): write the command line and a
 * NUL; the daemon writes the output followed by three NULs and the command's return code.
 * Only read-only show commands whose daemon is unambiguous are sent this way; anything
 * else, a non-zero return code, or a daemon that does not answer returns undefined, and
 * the caller runs real vtysh, so its messages ("bgpd is not running") stay the same.
 */
import { createConnection } from 'node:net';
import { join } from 'node:path';

/** The daemon that answers a show command, or undefined when vtysh must decide. */
export function daemonFor(command: string): string | undefined {
  const c = command.trim().replace(/\s+/g, ' ');
  if (/^show (ip |ipv6 )?bgp( |$)/.test(c)) return 'bgpd';
  if (/^show (ip|ipv6) (route|nht)( |$)/.test(c) || /^show interface( |$)/.test(c)) return 'zebra';
  if (/^show bfd( |$)/.test(c)) return 'bfdd';
  return undefined;
}

export interface VtyReply {
  output: string;
  /** the command's return code (0: CMD_SUCCESS) */
  status: number;
}

/** One command on one daemon's vty socket (`<dir>/<daemon>.vty`). Rejects on socket errors and timeout. */
export function vtyCommand(dir: string, daemon: string, command: string, timeoutMs = 30_000): Promise<VtyReply> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(join(dir, `${daemon}.vty`));
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`${daemon}: no answer in ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (e?: Error, r?: VtyReply) => {
      clearTimeout(timer);
      sock.destroy();
      if (e) reject(e);
      else resolve(r!);
    };
    sock.on('connect', () => sock.write(`${command}\0`));
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      size += d.length;
      if (size < 4) return;
      // the end marker arrives last; look at the tail only
      const tail = d.length >= 4 ? d.subarray(d.length - 4) : Buffer.concat(chunks).subarray(size - 4);
      if (tail[0] === 0 && tail[1] === 0 && tail[2] === 0) {
        const all = Buffer.concat(chunks, size);
        done(undefined, { output: all.subarray(0, size - 4).toString('utf8'), status: tail[3]! });
      }
    });
    sock.on('error', (e) => done(e));
    sock.on('close', () => done(new Error(`${daemon}: connection closed before the end of the reply`)));
  });
}

/**
 * The concatenated output of show commands, as `vtysh -c A -c B` prints it, or undefined
 * when any of them is not a plain show command, fails, or its daemon does not answer.
 */
export async function vtyShow(dir: string, commands: readonly string[], timeoutMs?: number): Promise<string | undefined> {
  const daemons = commands.map(daemonFor);
  if (!commands.length || daemons.some((d) => d === undefined)) return undefined;
  try {
    const replies = await Promise.all(commands.map((c, i) => vtyCommand(dir, daemons[i]!, c, timeoutMs)));
    if (replies.some((r) => r.status !== 0)) return undefined;
    return replies.map((r) => r.output).join('');
  } catch {
    return undefined;
  }
}

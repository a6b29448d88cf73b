/**
 * FRR from a root filesystem, for the netns runtime: how a node runs an FRR that is not
 * the host's (FRR 10 from the trixie image's rootfs, images/build-offline.sh FRR=10),
 * without Docker and without installing anything on the host.
 *
 * Every daemon (and vtysh) is started as
 *   ip netns exec NS /bin/sh <lab dir>/frr-chroot.sh ROOTFS NODEDIR /usr/lib/frr/DAEMON ARGS
 * `ip netns exec` already gives the process its own mount namespace (it unshares one to
 * mount the namespace's /sys, propagation slave), so the script's bind mounts never reach
 * the host and vanish with the process. Inside: /proc, /sys, /dev; /run/bgplab at the same
 * path (the daemons' explicit -i/--vty_socket/-z/--log paths work unchanged); and the node's
 * directory over the rootfs's /run/frr, because FRR 10 puts mgmtd's sockets in its
 * compiled-in run directory (lib/mgmt_defines.h: "%s/mgmtd_fe.sock", frr_runstatedir),
 * which --vty_socket does not move: without this every node would share one mgmtd socket.
 * The script also gives the program a UTS namespace named after the node, as containerlab
 * does: measured with 10.3, bgpd sent the HOST's name in its hostname capability (every
 * session showed "peer says it is vm") since 10's daemons never read `hostname` from
 * frr.conf themselves (8.4's do, with -f).
 * This is what FRR's topotests do (a mount namespace per router with private /etc/frr and
 * /var/run/frr). The script is a constant; lab values only ever arrive as its argv.
 *
 * Measured with Debian trixie's 10.3: mgmtd and staticd have no -f option at all ("invalid
 * option -- 'f'") and zebra no longer knows `interface` (the interface config moved to
 * mgmtd): a daemon cannot read the integrated frr.conf itself any more. The config is
 * applied as frrinit.sh does: daemons start empty, then `vtysh -b` sends each its part
 * (0.17 s for a node here) and reports rejected lines as "line N: % Unknown command[..]: TEXT".
 */
import { readFile, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import type { FrrVersion } from '../../lab/model.js';
import { BgplabError } from '../../util/errors.js';
import { exists } from '../../util/fs.js';

/** Where images/build-offline.sh FRR=10 keeps the unpacked rootfs (a symlink to the hashed tree). */
export const FRR10_ROOTFS = process.env['BGPLAB_FRR10_ROOTFS'] ?? '/var/cache/bgplab/frr10-rootfs';
/** The topology label naming a node's FRR release line (render/clab.ts writes it). */
export const FRR_LABEL = 'bgplab.frr';
export const CHROOT_SCRIPT_NAME = 'frr-chroot.sh';
/** Paths inside the rootfs */
export const ROOTFS_FRR_DIR = '/usr/lib/frr';
export const ROOTFS_VTYSH = '/usr/bin/vtysh';

export const CHROOT_SCRIPT = `#!/bin/sh
# bgplab: run an FRR program from a root filesystem (see src/runtime/netns/rootfs.ts).
# usage: frr-chroot.sh ROOTFS NODEDIR OUT PROGRAM ARGS...   (under ip netns exec: a private mount namespace)
# OUT: a file for the program's stdin-less stdout and stderr (daemons), or - to keep them (vtysh)
set -eu
# its own UTS namespace named after the node (NODEDIR's last part), as a container has
[ -n "\${BGPLAB_UTS:-}" ] || BGPLAB_UTS=1 exec unshare --uts -- /bin/sh "$0" "$@"
root=$1 node=$2 out=$3
shift 3
hostname "\${node##*/}"
mount --rbind /proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --rbind /dev "$root/dev"
mount --bind /run/bgplab "$root/run/bgplab"
mount --bind "$node" "$root/run/frr"
if [ "$out" = - ]; then exec chroot "$root" "$@"; fi
exec chroot "$root" "$@" </dev/null >>"$out" 2>&1
`;

/** A node's FRR: the host's (no root) or a rootfs's. */
export interface FrrInstall {
  version: FrrVersion | 'host';
  /** the resolved rootfs; undefined: the host's FRR */
  root?: string;
}

/** The FRR install for a node's `bgplab.frr` label: FRR 10 from the rootfs, anything else the host's. */
export async function resolveInstall(label: string | undefined): Promise<FrrInstall> {
  if (label !== '10') return { version: 'host' };
  let root: string;
  try {
    root = await realpath(FRR10_ROOTFS);
  } catch {
    throw new BgplabError('E_FRR_MISSING', `FRR 10 for the netns runtime is not built: ${FRR10_ROOTFS} does not exist`, {
      hint: 'make images (or: FRR=10 bash images/build-offline.sh) builds it from Debian trixie; the host keeps its FRR 8.4',
    });
  }
  for (const p of [`${ROOTFS_FRR_DIR}/zebra`, `${ROOTFS_FRR_DIR}/bgpd`, `${ROOTFS_FRR_DIR}/mgmtd`, ROOTFS_VTYSH, '/run/bgplab', '/run/frr']) {
    if (!(await exists(join(root, p)))) {
      throw new BgplabError('E_FRR_MISSING', `FRR 10 rootfs ${root} lacks ${p}`, { hint: 'rebuild it: FORCE=1 FRR=10 bash images/build-offline.sh' });
    }
  }
  return { version: '10', root };
}

/**
 * argv prefix (after `ip netns exec NS`) that runs a rootfs program for one node. `out`: where
 * a daemon's stdout and stderr go. Measured with 10.3: a `-d` daemon keeps the stdio it was
 * started with until `vtysh -b` has sent its config (it detaches then, lib/libfrr.c), so a
 * caller reading its stdout pipe (ip -batch under bgplab) waited forever: daemons write to
 * their `<daemon>.out` file instead, which the error messages read.
 */
export function chrootPrefix(labDir: string, root: string, nodeDir: string, out = '-'): string[] {
  return ['/bin/sh', join(labDir, CHROOT_SCRIPT_NAME), root, nodeDir, out];
}

/** The frr user and group of a root filesystem ('/' for the host's; trixie's rootfs has 997/996, the bookworm host 102/106 here). */
export async function rootfsUser(root: string): Promise<{ user: string; group: string; uid: number; gid: number } | null> {
  const pw = (await readFile(join(root, 'etc/passwd'), 'utf8').catch(() => '')).split('\n').find((l) => l.startsWith('frr:'));
  const gr = (await readFile(join(root, 'etc/group'), 'utf8').catch(() => '')).split('\n').find((l) => l.startsWith('frr:'));
  return pw && gr ? { user: 'frr', group: 'frr', uid: Number(pw.split(':')[2]), gid: Number(gr.split(':')[2]) } : null;
}

export interface BootError {
  line: number;
  text: string;
  message: string;
}

const BOOT_ERROR_RE = /^line (\d+): % (.+?)(?:\[\d+\])?: (.*)$/;

/**
 * Lines `vtysh -b` rejected, once each (every daemon it sends the config to prints the same
 * line). Pure.
 */
export function parseBootErrors(output: string): BootError[] {
  const byLine = new Map<number, BootError>();
  for (const raw of output.split('\n')) {
    const m = BOOT_ERROR_RE.exec(raw.trim());
    if (!m) continue;
    const line = Number(m[1]);
    if (!byLine.has(line)) byLine.set(line, { line, message: m[2]!, text: m[3]!.trim() });
  }
  return [...byLine.values()].sort((a, b) => a.line - b.line);
}

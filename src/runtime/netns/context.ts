/**
 * What the parts of one NetnsRuntime share: how many per-node operations run at once, and
 * the frr user of each FRR install, read once. The runtime owns it and passes it to the
 * parts that start daemons and wire the namespaces; nothing here is module-level, so two
 * runtimes never share a cache.
 */
import { rootfsUser, type FrrInstall } from './rootfs.js';

export type DaemonUser = { user: string; group: string; uid: number; gid: number };

export class NetnsContext {
  private readonly users = new Map<string, Promise<DaemonUser | null>>();

  /** concurrency: max concurrent per-node operations */
  constructor(readonly concurrency: number) {}

  /**
   * The frr user of the install (daemons drop privileges to it): the host's /etc/passwd, or
   * the rootfs's (whose uids differ); null → run daemons as root. One read per install,
   * shared by concurrent callers (the nodes' files are written in parallel).
   */
  daemonUser(frr: FrrInstall = { version: 'host' }): Promise<DaemonUser | null> {
    const root = frr.root ?? '/';
    let p = this.users.get(root);
    if (!p) this.users.set(root, (p = rootfsUser(root)));
    return p;
  }
}

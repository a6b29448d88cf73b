/**
 * FRR in a network namespace, without watchfrr or frrinit: which daemons to start (the
 * bound `daemons` file), their argv (private config, pid, vty and zserv paths per node),
 * and reading their logs for configuration lines no daemon accepted. Pure.
 *
 * Measured with Debian's frr 8.4: each daemon started with `-f frr.conf` reads the
 * integrated config itself, applies its own lines and logs
 * "No such command on config line N: ..." for the others' lines. A line that EVERY
 * started daemon rejected is a real error (a typo, a line for a daemon that is not
 * enabled, a semantic error such as an unknown peer-group). Daemons keep running with a
 * broken config, so this is the only way to notice it without a second vtysh pass.
 */

/** frrcommon.sh's order: zebra first (mgmtd second on FRR >= 9), watchfrr never. */
export const FRR_DAEMONS = [
  'zebra',
  'mgmtd',
  'bgpd',
  'ripd',
  'ripngd',
  'ospfd',
  'ospf6d',
  'isisd',
  'babeld',
  'pimd',
  'pim6d',
  'ldpd',
  'nhrpd',
  'eigrpd',
  'sharpd',
  'pbrd',
  'staticd',
  'bfdd',
  'fabricd',
  'vrrpd',
  'pathd',
] as const;

/** Started whatever the daemons file says, as frrcommon.sh does. */
const ALWAYS = new Set(['zebra', 'mgmtd']);
/**
 * frrcommon.sh starts staticd even when the file says staticd=no; here an explicit "no"
 * is honoured (absent or empty: started, as there). bgplab renders no static routes, and an
 * idle staticd cost 17-23 ms CPU to start and 2.2 MiB PSS per node, measured on FRR 8.4.
 */
const UNLESS_NO = new Set(['staticd']);

/**
 * Appended to the node's copy of frr.conf. Every daemon rejects it, so when it shows up in
 * a daemon's log ("No such command on config line N: bgplab-config-end") that daemon
 * has read its whole configuration.
 */
export const CONFIG_END_MARKER = 'bgplab-config-end';

/** Lines only vtysh understands; daemons reject them but they are not errors. */
const VTYSH_ONLY = [/^service integrated-vtysh-config\b/, /^username\s/, /^end$/, new RegExp(`^${CONFIG_END_MARKER}$`)];

export interface DaemonsFile {
  /** daemons to start, in start order (zebra first) */
  daemons: string[];
  /** extra argv per daemon from `<daemon>_options="..."`, split on whitespace */
  options: Record<string, string[]>;
  /** `frr_profile=` (passed as -F) */
  profile?: string;
}

function unquote(v: string): string {
  const t = v.trim();
  if ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'"))) return t.slice(1, -1);
  return t;
}

/**
 * Parse /etc/frr/daemons (shell variable syntax, read without a shell).
 * `available` filters to daemons whose binary exists (mgmtd only exists on FRR >= 9).
 */
export function parseDaemonsFile(text: string | undefined, available?: (daemon: string) => boolean): DaemonsFile {
  const vars = new Map<string, string>();
  for (const raw of (text ?? '').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) vars.set(m[1]!, unquote(m[2]!));
  }
  const daemons: string[] = [];
  const options: Record<string, string[]> = {};
  for (const d of FRR_DAEMONS) {
    const v = vars.get(d);
    const on = ALWAYS.has(d) || (UNLESS_NO.has(d) ? v !== 'no' && v !== '0' : v !== undefined && v !== '' && v !== 'no' && v !== '0');
    if (!on || (available && !available(d))) continue;
    daemons.push(d);
    const opts = vars.get(`${d}_options`);
    options[d] = opts ? opts.split(/\s+/).filter(Boolean) : [];
  }
  const profile = vars.get('frr_profile');
  return { daemons, options, ...(profile ? { profile } : {}) };
}

export interface NodePaths {
  /** the node's private directory: config copies, pid files, vty sockets, logs */
  dir: string;
  conf: string;
  zserv: string;
  pid(daemon: string): string;
  log(daemon: string): string;
}

export function nodePaths(dir: string): NodePaths {
  return {
    dir,
    conf: `${dir}/frr.conf`,
    zserv: `${dir}/zserv.api`,
    pid: (d) => `${dir}/${d}.pid`,
    log: (d) => `${dir}/${d}.log`,
  };
}

/**
 * argv (after the binary) of one daemon. Our path options come after the daemons file's
 * options so that they win (getopt: last one wins); `-d` daemonizes once the daemon is
 * ready to accept vty and zserv connections (the parent exits non-zero if it died first).
 */
export function daemonArgs(
  daemon: string,
  paths: NodePaths,
  file: DaemonsFile,
  user?: { user: string; group: string },
  opts: { readConfig?: boolean } = {},
): string[] {
  const args = [...(file.options[daemon] ?? [])];
  args.push('-d');
  if (file.profile) args.push('-F', file.profile);
  // readConfig false: FRR 10, whose config arrives through `vtysh -b` (see rootfs.ts)
  if (opts.readConfig !== false) args.push('-f', paths.conf);
  args.push('-i', paths.pid(daemon), '--vty_socket', paths.dir, '-z', paths.zserv, '--log', `file:${paths.log(daemon)}`);
  if (user) args.push('-u', user.user, '-g', user.group);
  return args;
}

/** frr.conf as the node's daemons read it: the original plus the end marker. */
export function withEndMarker(conf: string): string {
  return `${conf.endsWith('\n') || conf === '' ? conf : conf + '\n'}!\n! appended by bgplab: every daemon rejects this line; seeing it in a log means that daemon read its whole config\n${CONFIG_END_MARKER}\n`;
}

export interface DaemonLogScan {
  /** the daemon reached the end marker */
  done: boolean;
  /** config line numbers the daemon rejected → its message (e.g. "No such command") */
  rejected: Map<number, { message: string; text: string }>;
}

const CONFIG_LINE_RE = /\] (.+?) on config line (\d+): (.*)$/;

export function scanDaemonLog(log: string): DaemonLogScan {
  const rejected = new Map<number, { message: string; text: string }>();
  let done = false;
  for (const line of log.split('\n')) {
    const m = CONFIG_LINE_RE.exec(line);
    if (!m) continue;
    const text = m[3]!.trim();
    if (text === CONFIG_END_MARKER) {
      done = true;
      continue;
    }
    rejected.set(Number(m[2]), { message: m[1]!, text });
  }
  return { done, rejected };
}

export interface ConfigError {
  line: number;
  text: string;
  /** each daemon's complaint */
  messages: Record<string, string>;
}

/** Lines rejected by every daemon that read the config (vtysh-only lines excepted). */
export function configErrors(scans: Record<string, DaemonLogScan>): ConfigError[] {
  const names = Object.keys(scans);
  if (names.length === 0) return [];
  const first = scans[names[0]!]!;
  const out: ConfigError[] = [];
  for (const [line, r] of first.rejected) {
    if (VTYSH_ONLY.some((re) => re.test(r.text))) continue;
    if (!names.every((n) => scans[n]!.rejected.has(line))) continue;
    const messages: Record<string, string> = {};
    for (const n of names) messages[n] = scans[n]!.rejected.get(line)!.message;
    out.push({ line, text: r.text, messages });
  }
  return out.sort((a, b) => a.line - b.line);
}

/** Last n non-empty lines, without the per-line config noise of the other daemons' commands. */
export function logTail(log: string, n = 12): string[] {
  return log
    .split('\n')
    .filter((l) => l.trim() && !/No such command on config line/.test(l))
    .slice(-n);
}

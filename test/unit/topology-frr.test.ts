import { describe, expect, it } from 'vitest';
import {
  CONFIG_END_MARKER,
  configErrors,
  daemonArgs,
  logTail,
  nodePaths,
  parseDaemonsFile,
  scanDaemonLog,
  withEndMarker,
} from '../../src/runtime/netns/frr.js';

describe('parseDaemonsFile', () => {
  it('starts zebra first, staticd unless it says no, honours yes/no and per-daemon options', () => {
    const d = parseDaemonsFile(
      `# comment
bgpd=yes
ospfd=no
bfdd=yes
staticd=no
zebra_options="  -A 127.0.0.1 -s 90000000"
bgpd_options='   -A 127.0.0.1'
frr_profile=datacenter
`,
      (x) => x !== 'mgmtd',
    );
    expect(d.daemons).toEqual(['zebra', 'bgpd', 'bfdd']);
    // absent or empty: started, as frrcommon.sh does
    expect(parseDaemonsFile('bgpd=yes\n', (x) => x !== 'mgmtd').daemons).toEqual(['zebra', 'bgpd', 'staticd']);
    expect(parseDaemonsFile('staticd=\n', (x) => x !== 'mgmtd').daemons).toEqual(['zebra', 'staticd']);
    expect(d.options['zebra']).toEqual(['-A', '127.0.0.1', '-s', '90000000']);
    expect(d.options['bgpd']).toEqual(['-A', '127.0.0.1']);
    expect(d.profile).toBe('datacenter');
  });

  it('without a daemons file runs zebra and staticd (and mgmtd where it exists)', () => {
    expect(parseDaemonsFile(undefined, (x) => x !== 'mgmtd').daemons).toEqual(['zebra', 'staticd']);
    expect(parseDaemonsFile(undefined).daemons).toEqual(['zebra', 'mgmtd', 'staticd']);
  });
});

describe('daemonArgs', () => {
  it('puts private paths after the daemons-file options so they win', () => {
    const p = nodePaths('/run/bgplab/lab/n1');
    const args = daemonArgs('bgpd', p, { daemons: ['zebra', 'bgpd'], options: { bgpd: ['-A', '127.0.0.1', '-f', '/etc/frr/frr.conf'] } });
    expect(args.slice(0, 4)).toEqual(['-A', '127.0.0.1', '-f', '/etc/frr/frr.conf']);
    const rest = args.slice(4);
    expect(rest).toContain('-d');
    expect(rest.slice(rest.indexOf('-f'), rest.indexOf('-f') + 2)).toEqual(['-f', '/run/bgplab/lab/n1/frr.conf']);
    expect(rest).toEqual(expect.arrayContaining(['--vty_socket', '/run/bgplab/lab/n1', '-z', '/run/bgplab/lab/n1/zserv.api']));
    expect(rest).toEqual(expect.arrayContaining(['-i', '/run/bgplab/lab/n1/bgpd.pid', '--log', 'file:/run/bgplab/lab/n1/bgpd.log']));
    expect(rest).not.toContain('-u');
    expect(daemonArgs('zebra', p, { daemons: [], options: {} }, { user: 'root', group: 'root' }).slice(-4)).toEqual(['-u', 'root', '-g', 'root']);
  });
});

// log lines as Debian's frr 8.4 writes them (measured)
const line = (d: string, n: number, text: string, msg = 'No such command') =>
  `2026/11/27 16:31:48 ${d}: [SHWNK-NWT5S][EC 100663304] ${msg} on config line ${n}: ${text}`;

describe('config errors from daemon logs', () => {
  const conf = 'frr defaults datacenter\nservice integrated-vtysh-config\ninterface lo\n ip address 10.0.0.1/32\nrouter bgp 65001\n neighbor X remote-as externall\n';
  const end = withEndMarker(conf).split('\n').indexOf(CONFIG_END_MARKER) + 1;

  it('appends the end marker as the last line', () => {
    expect(withEndMarker(conf).trimEnd().split('\n').pop()).toBe(CONFIG_END_MARKER);
    expect(withEndMarker('x').startsWith('x\n')).toBe(true);
  });

  it('a line is an error only when every daemon rejected it; vtysh-only lines are not errors', () => {
    const zebra = scanDaemonLog(
      [line('ZEBRA', 2, 'service integrated-vtysh-config'), line('ZEBRA', 5, 'router bgp 65001'), line('ZEBRA', 6, ' neighbor X remote-as externall'), line('ZEBRA', end, CONFIG_END_MARKER)].join('\n'),
    );
    const bgpd = scanDaemonLog(
      [line('BGP', 2, 'service integrated-vtysh-config'), line('BGP', 4, ' ip address 10.0.0.1/32'), line('BGP', 6, ' neighbor X remote-as externall', 'Command incomplete')].join('\n'),
    );
    expect(zebra.done).toBe(true);
    expect(bgpd.done).toBe(false);
    const errs = configErrors({ zebra, bgpd });
    expect(errs).toEqual([{ line: 6, text: 'neighbor X remote-as externall', messages: { zebra: 'No such command', bgpd: 'Command incomplete' } }]);
  });

  it('a clean config has no errors', () => {
    const zebra = scanDaemonLog(line('ZEBRA', 5, 'router bgp 65001'));
    const bgpd = scanDaemonLog(line('BGP', 4, ' ip address 10.0.0.1/32'));
    expect(configErrors({ zebra, bgpd })).toEqual([]);
    expect(configErrors({})).toEqual([]);
  });

  it('logTail drops the other daemons\' config noise', () => {
    const log = [line('BGP', 3, 'x'), '2026/11/27 BGP: [X] bgpd 8.4.4 starting', '', 'fatal: boom'].join('\n');
    expect(logTail(log)).toEqual(['2026/11/27 BGP: [X] bgpd 8.4.4 starting', 'fatal: boom']);
  });
});

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTopology, splitCommand } from '../../src/clab/topology.js';
import { BgplabError } from '../../src/util/errors.js';

const FILE = '/labs/x/t.clab.yml';

function problems(text: string): string[] {
  try {
    parseTopology(text, FILE);
  } catch (e) {
    if (e instanceof BgplabError) return e.details;
    throw e;
  }
  return [];
}

describe('parseTopology', () => {
  it('reads the mini fixture: nodes, FRR binds relative to the file, sysctls, exec argv, brief links', async () => {
    const file = resolve('test/fixtures/mini/mini.clab.yml');
    const plan = parseTopology(await readFile(file, 'utf8'), file);
    expect(plan.name).toBe('mini');
    expect(plan.nodes.map((n) => n.name)).toEqual(['l1', 's1']);
    const s1 = plan.nodes.find((n) => n.name === 's1')!;
    expect(s1.frrFiles['frr.conf']).toBe(resolve('test/fixtures/mini/nodes/s1/frr.conf'));
    expect(Object.keys(s1.frrFiles).sort()).toEqual(['daemons', 'frr.conf', 'vtysh.conf']);
    expect(s1.sysctls).toContainEqual(['net.ipv6.conf.default.accept_dad', '0']);
    expect(s1.exec[0]).toEqual(['ip', 'address', 'add', '192.0.2.10/32', 'dev', 'lo']);
    expect(s1.labels['bgplab.role']).toBe('server');
    expect(plan.links).toEqual([{ a: { node: 'l1', ifname: 'eth1' }, b: { node: 's1', ifname: 'eth1' } }]);
    expect(s1.interfaces).toEqual(['eth1']);
  });

  it('merges defaults, kinds and groups under the node, like containerlab', () => {
    const plan = parseTopology(
      `name: inh
topology:
  defaults:
    kind: linux
    sysctls: { net.ipv4.ip_forward: 1, net.ipv6.conf.all.forwarding: 1 }
    binds: [ common/daemons:/etc/frr/daemons ]
  kinds:
    linux:
      image: frr:8
      binds: [ common/vtysh.conf:/etc/frr/vtysh.conf ]
  groups:
    servers:
      exec: [ "ip addr add 192.0.2.1/32 dev lo" ]
  nodes:
    aa: { binds: [ a/frr.conf:/etc/frr/frr.conf, /abs/daemons:/etc/frr/daemons ], sysctls: { net.ipv4.ip_forward: 0 } }
    bb: { group: servers, binds: [ b/frr.conf:/etc/frr/frr.conf ] }
  links:
    - type: veth
      endpoints: [ { node: aa, interface: eth1 }, { node: bb, interface: eth1 } ]
      mtu: 1500
`,
      FILE,
    );
    const [a, b] = plan.nodes;
    expect(a!.image).toBe('frr:8');
    expect(a!.frrFiles).toEqual({ daemons: '/abs/daemons', 'vtysh.conf': '/labs/x/common/vtysh.conf', 'frr.conf': '/labs/x/a/frr.conf' });
    expect(a!.sysctls).toEqual([
      ['net.ipv4.ip_forward', '0'],
      ['net.ipv6.conf.all.forwarding', '1'],
    ]);
    expect(a!.exec).toEqual([]);
    expect(b!.exec).toEqual([['ip', 'addr', 'add', '192.0.2.1/32', 'dev', 'lo']]);
    expect(plan.links[0]).toEqual({ a: { node: 'aa', ifname: 'eth1' }, b: { node: 'bb', ifname: 'eth1' }, mtu: 1500 });
  });

  it('lists every problem at once: unknown node, long ifname, eth0, reused interface, host links, other kinds, bad names', () => {
    const p = problems(`name: "bad name"
topology:
  nodes:
    aa: { kind: linux }
    bb: { kind: nokia_srlinux }
    x: { kind: linux }
    -c: { kind: linux }
  links:
    - endpoints: ["aa:eth1", "zz:eth1"]
    - endpoints: ["aa:averyveryverylongname", "bb:eth1"]
    - endpoints: ["aa:eth0", "bb:eth2"]
    - endpoints: ["aa:eth3", "bb:eth3"]
    - endpoints: ["aa:eth3", "bb:eth4"]
    - endpoints: ["host:veth9", "aa:eth5"]
    - type: macvlan
      endpoints: ["aa:eth6", "bb:eth6"]
    - endpoints: ["aa:eth7"]
`);
    const text = p.join('\n');
    expect(text).toMatch(/name "bad name"/);
    expect(text).toMatch(/node bb: kind "nokia_srlinux" is not supported/);
    expect(text).toMatch(/node -c: name must match/);
    // containerlab's own rule: at least two characters
    expect(text).toMatch(/node x: name must match/);
    expect(text).toMatch(/link 1: endpoint "zz:eth1" names an unknown node/);
    expect(text).toMatch(/link 2: interface name "averyveryverylongname"/);
    expect(text).toMatch(/link 3: aa:eth0 is containerlab's management interface/);
    expect(text).toMatch(/link 5: aa:eth3 is used by two links/);
    expect(text).toMatch(/link 6: host: endpoints touch the host/);
    expect(text).toMatch(/link 7: link type "macvlan" is not supported/);
    expect(text).toMatch(/link 8: endpoints must list exactly two ends/);
    expect(p).toHaveLength(11);
  });

  it('refuses non-namespaced sysctls and binds into /etc/frr subdirectories', () => {
    const p = problems(`name: s
topology:
  nodes:
    aa: { kind: linux, sysctls: { kernel.panic: 1 }, binds: [ "x:/etc/frr/sub/y", "nocolon" ] }
`);
    expect(p.join('\n')).toMatch(/sysctl "kernel.panic" is not a namespaced net.\* sysctl/);
    expect(p.join('\n')).toMatch(/only files directly in \/etc\/frr\//);
    expect(p.join('\n')).toMatch(/bind "nocolon" is not "source:target\[:mode\]"/);
  });

  it('rejects text that is not a topology', () => {
    expect(() => parseTopology('- a\n- b\n', FILE)).toThrow(/must be a YAML mapping/);
    expect(() => parseTopology('name: x\n', FILE)).toThrow(/missing "topology:"/);
    expect(() => parseTopology('name: [\n', FILE)).toThrow(/not valid YAML/);
  });
});

describe('splitCommand', () => {
  it('splits on any whitespace and never interprets shell syntax', () => {
    expect(splitCommand('  ip  addr\tadd 10.0.0.1/32 dev lo ')).toEqual(['ip', 'addr', 'add', '10.0.0.1/32', 'dev', 'lo']);
    expect(splitCommand('echo $(reboot); rm -rf /')).toEqual(['echo', '$(reboot);', 'rm', '-rf', '/']);
  });
});

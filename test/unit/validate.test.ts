import { describe, expect, it } from 'vitest';
import { loadLabText, formatProblem } from '../../src/lab/load.js';

/** Load text and return the formatted problems (file "t.yml"). */
function problems(text: string): string[] {
  const r = loadLabText(text, 't.yml');
  return r.problems.map(formatProblem);
}

const base = `name: t
fabric:
  spines: 2
  leaves: 4
  servers: 4
`;

describe('lab validation: each mistake is reported with file:line:col', () => {
  const cases: { what: string; text: string; expect: RegExp }[] = [
    { what: 'YAML syntax', text: 'name: t\nfabric: [\n', expect: /^t\.yml:3:1: YAML: / },
    { what: 'duplicate key', text: 'name: t\nname: u\nfabric: {spines: 1, leaves: 1}\n', expect: /^t\.yml:2:1: YAML: .*[Uu]nique|^t\.yml:2:1: YAML: .*[Dd]uplicate/ },
    { what: 'unknown top-level key', text: base + 'spine_count: 3\n', expect: /^t\.yml:6:1: spine_count: unknown key "spine_count" \(hint: allowed here: name, fabric/ },
    { what: 'unknown nested key', text: base + 'nodes:\n  server1:\n    anounce: [192.0.2.1/32]\n', expect: /^t\.yml:8:5: nodes\.server1\.anounce: unknown key "anounce" \(hint: allowed here: role, asn, loopback, announce/ },
    { what: 'wrong type', text: 'name: t\nfabric:\n  spines: two\n  leaves: 2\n', expect: /^t\.yml:3:11: fabric\.spines: .*number/ },
    { what: 'missing name', text: 'fabric: {spines: 1, leaves: 2}\n', expect: /^t\.yml:1:1: name: missing required field "name"/ },
    { what: 'bad lab name', text: 'name: My_Lab\nfabric: {spines: 1, leaves: 2}\n', expect: /^t\.yml:1:7: name: use lowercase letters/ },
    { what: 'lab name too long', text: 'name: abcdefghijklmnopqrstuvwxyz\nfabric: {spines: 1, leaves: 2}\n', expect: /^t\.yml:1:7: name: at most 20 characters/ },
    { what: 'unknown node in a link', text: base + 'links:\n  - [leaf1:eth9, spine7:eth9]\n', expect: /^t\.yml:7:18: links\[0\]\[1\]: unknown node "spine7" in link \(hint: known nodes: spine1, spine2\)/ },
    { what: 'interface used twice (explicit vs fabric)', text: base + 'nodes:\n  border1: {role: border}\nlinks:\n  - [border1:eth1, spine1:eth1]\n', expect: /^t\.yml:9:20: links\[0\]\[1\]: interface spine1:eth1 is used by two links .*hint: pick a free interface, e\.g\. spine1:eth5/ },
    { what: 'interface used twice (two explicit links)', text: 'name: t\nnodes:\n  a: {role: leaf}\n  b: {role: spine}\n  c: {role: spine}\nlinks:\n  - [a:eth1, b:eth1]\n  - [a:eth1, c:eth1]\n', expect: /^t\.yml:8:6: links\[1\]\[0\]: interface a:eth1 is used by two links \(also at links\[0\]\[0\]\)/ },
    { what: 'interface name over 15 characters', text: base + 'nodes:\n  x: {role: border}\nlinks:\n  - [x:ethernet12345678, spine1:eth7]\n', expect: /^t\.yml:9:6: links\[0\]\[0\]: interface name "ethernet12345678" is 16 characters; Linux allows 15/ },
    { what: 'reserved interface', text: base + 'nodes:\n  x: {role: border}\nlinks:\n  - [x:eth0, spine1:eth7]\n', expect: /^t\.yml:9:6: links\[0\]\[0\]: interface "eth0" is reserved/ },
    { what: 'malformed endpoint', text: base + 'links:\n  - [leaf1, spine1:eth9]\n', expect: /^t\.yml:7:6: links\[0\]\[0\]: expected "node:interface"/ },
    { what: 'duplicate ASN between leaves', text: base + 'nodes:\n  leaf2: {asn: 65101}\n', expect: /^t\.yml:7:16: nodes\.leaf2\.asn: ASN 65101 of "leaf2" \(leaf\) is also used by "leaf1"/ },
    { what: 'duplicate ASN between servers', text: base + 'nodes:\n  server3: {asn: 4200000001}\n', expect: /nodes\.server3\.asn: ASN 4200000001 .*servers need their own private ASN/ },
    { what: 'ASN out of range', text: base + 'asn:\n  leaf: 4294967295\n', expect: /^t\.yml:7:9: asn\.leaf: / },
    { what: 'loopback pool too small', text: base + 'loopbacks:\n  pool: 10.0.0.0/24\n', expect: /^t\.yml:7:9: loopbacks\.pool: loopback pool 10\.0\.0\.0\/24 is too small/ },
    { what: 'loopback block too small for the servers', text: base + 'loopbacks:\n  block: 30\n', expect: /^t\.yml:7:10: loopbacks\.block: loopback block \/30 holds 2 addresses but there are 4 .* nodes/ },
    { what: 'duplicate loopback', text: base + 'nodes:\n  leaf1: {loopback: 10.0.1.1}\n', expect: /nodes\.leaf1\.loopback: loopback 10\.0\.1\.1 of "leaf1" is already used by "spine1"|nodes\.leaf1\.loopback: .*already used/ },
    { what: 'server wired twice to the same leaf', text: 'name: t\nnodes:\n  s: {role: spine}\n  l1: {role: leaf}\n  h: {role: server}\nlinks:\n  - [l1:eth1, s:eth1]\n  - [h:eth1, l1:eth2]\n  - [h:eth2, l1:eth3]\n', expect: /^t\.yml:9:5: links\[2\]: server "h" is wired twice to "l1"/ },
    { what: 'odd leaves with dual-homed servers', text: 'name: t\nfabric: {spines: 2, leaves: 3, servers: 2}\n', expect: /^t\.yml:2:29: fabric\.leaves: leaves must be even/ },
    { what: 'node without a role', text: base + 'nodes:\n  fw1: {asn: 65999}\n', expect: /^t\.yml:7:3: nodes\.fw1: node "fw1" needs a role/ },
    { what: 'announce with host bits', text: base + 'nodes:\n  server1: {announce: [10.9.9.1/24]}\n', expect: /nodes\.server1\.announce\[0\]: "10\.9\.9\.1\/24" has host bits set: did you mean 10\.9\.9\.0\/24\?/ },
    { what: 'announce inside the loopback pool', text: base + 'nodes:\n  server1: {announce: [10.0.3.99/32]}\n', expect: /overlaps the loopback pool/ },
    { what: 'container name too long', text: 'name: abcdefghijklmnopqrst\nnodes:\n  averyveryveryveryverylongnodename-with-many-characters1: {role: leaf}\n  s: {role: spine}\nlinks:\n  - [averyveryveryveryverylongnodename-with-many-characters1:eth1, s:eth1]\n', expect: /^t\.yml:3:3: nodes\.averyvery.*container\/namespace name .* over 63/ },
    { what: 'check names an unknown node', text: base + 'checks:\n  traceroute:\n    - {from: server1, to: server9}\n', expect: /^t\.yml:8:27: checks\.traceroute\[0\]\.to: unknown node "server9"/ },
    { what: 'failover target not a link endpoint', text: base + 'checks:\n  failover:\n    - {kind: link-down, target: "leaf1:eth9"}\n', expect: /checks\.failover\[0\]\.target: "leaf1:eth9" is not a link endpoint/ },
    { what: 'pods without super-spines', text: 'name: t\nfabric: {pods: 2, spines: 2, leaves: 2}\n', expect: /fabric\.pods: a 2-pod fabric needs super-spines/ },
    { what: 'two servers linked together', text: 'name: t\nnodes:\n  a: {role: server}\n  b: {role: server}\nlinks:\n  - [a:eth1, b:eth1]\n', expect: /links\[0\]: link joins two servers/ },
  ];
  for (const c of cases) {
    it(c.what, () => {
      const ps = problems(c.text);
      expect(ps.some((p) => c.expect.test(p)), `got:\n${ps.join('\n')}`).toBe(true);
    });
  }

  it('reports every mistake of a file at once, in source order of kind', () => {
    const text = `name: Bad_Lab
fabric:
  spines: 2
  leaves: 4
  servers: 4
  colour: blue
nodes:
  border1: {role: border, asn: 65000}
  server1: {announce: [192.0.2.7/24]}
links:
  - [border1:eth1, spine9:eth1]
  - [border1:averyveryverylongname0, leaf2:eth1]
`;
    const ps = problems(text);
    const want = [
      /t\.yml:1:7: name: /,
      /t\.yml:6:3: fabric\.colour: unknown key/,
      /t\.yml:11:20: links\[0\]\[1\]: unknown node "spine9"/,
      /t\.yml:12:6: links\[1\]\[0\]: interface name "averyveryverylongname0"/,
      /t\.yml:12:38: links\[1\]\[1\]: interface leaf2:eth1 is used by two links/,
      /t\.yml:9:24: nodes\.server1\.announce\[0\]: .*host bits/,
      /t\.yml:8:32: nodes\.border1\.asn: ASN 65000 of "border1"/,
    ];
    for (const w of want) expect(ps.some((p) => w.test(p)), `missing ${w}\ngot:\n${ps.join('\n')}`).toBe(true);
    expect(ps.length).toBe(want.length);
  });

  it('accepts every shipped lab', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const labs = readdirSync('labs').filter((f) => f.endsWith('.yml'));
    expect(labs.length).toBeGreaterThanOrEqual(4);
    for (const f of labs) {
      const r = loadLabText(readFileSync(`labs/${f}`, 'utf8'), f);
      expect(r.problems.map(formatProblem), f).toEqual([]);
    }
  });
});

describe('--name: one lab file, many instances', () => {
  it('replaces the name before validation, so the model and every derived name carry it', () => {
    const r = loadLabText(base, 't.yml', [], { name: 'st7' });
    expect(r.problems).toEqual([]);
    expect(r.lab?.name).toBe('st7');
  });
  it('a name over the limit of clab-<lab>-<node> is found by the rules, with the new name', () => {
    const text = 'name: t\nnodes:\n  averyveryveryverylongnodenamethatgoeson-and-on-and-on: {role: leaf}\n';
    expect(loadLabText(text, 't.yml').problems.map(formatProblem).join()).not.toMatch(/characters, over 63/);
    expect(loadLabText(text, 't.yml', [], { name: 'abcdefghijklmnopqrst' }).problems.map(formatProblem).join()).toMatch(/clab-abcdefghijklmnopqrst-.* over 63/);
  });
  it('a bad name is refused as the option it came from', () => {
    expect(() => loadLabText(base, 't.yml', [], { name: 'Bad_Name' })).toThrow(/--name "Bad_Name": use lowercase letters/);
    expect(() => loadLabText(base, 't.yml', [], { name: 'x'.repeat(21) })).toThrow(/at most 20 characters/);
  });
});

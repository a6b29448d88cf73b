import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadLabText, formatProblem } from '../../src/lab/load.js';
import type { Lab } from '../../src/lab/model.js';
import { labJsonSchema } from '../../src/lab/schema.js';
import { renderLab } from '../../src/render/index.js';

const LABS = readdirSync('labs').filter((f) => f.endsWith('.yml'));
function shipped(f: string): Lab {
  const r = loadLabText(readFileSync(`labs/${f}`, 'utf8'), `labs/${f}`);
  if (!r.lab) throw new Error(r.problems.map(formatProblem).join('\n'));
  delete r.lab.source; // absolute path: not part of the golden output
  return r.lab;
}

describe('golden files: the default lab renders exactly as reviewed', () => {
  // Regenerating is explicit: UPDATE_GOLDEN=1 npx vitest run test/unit/render.test.ts
  const files = renderLab(shipped('clos.yml'));
  const dir = 'test/golden/clos';
  const update = !!process.env.UPDATE_GOLDEN;
  const onDisk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? onDisk(join(d, e.name)) : [join(d, e.name)]));
  if (update) rmSync(dir, { recursive: true, force: true });
  for (const [rel, text] of files) {
    it(rel, () => {
      const p = join(dir, rel);
      if (update) {
        mkdirSync(dirname(p), { recursive: true });
        writeFileSync(p, text);
      }
      expect(existsSync(p), `${p} is missing: review the change, then UPDATE_GOLDEN=1`).toBe(true);
      expect(text).toBe(readFileSync(p, 'utf8'));
    });
  }
  it('no golden file is left that the renderer no longer writes', () => {
    const rendered = new Set([...files.keys()].map((rel) => join(dir, rel)));
    expect(onDisk(dir).filter((p) => !rendered.has(p))).toEqual([]);
  });
});

describe('every emitted topology validates against containerlab\'s schema', () => {
  const schema = JSON.parse(readFileSync('test/fixtures/containerlab/clab.schema.json', 'utf8'));
  const ajv = new Ajv({ strict: false, allErrors: true });
  const validate = ajv.compile(schema);
  for (const f of LABS) {
    it(f, () => {
      const lab = shipped(f);
      const topo = parse(renderLab(lab).get(`${lab.name}.clab.yml`)!);
      const ok = validate(topo);
      expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 1)).toEqual([]);
      expect(ok).toBe(true);
      // what the schema does not check (shared/containerlab/README.md)
      // each node as containerlab sees it: topology.defaults merged under the node's own fields
      const defaults = (topo.topology.defaults ?? {}) as Record<string, unknown>;
      for (const [name, own] of Object.entries<Record<string, unknown>>(topo.topology.nodes)) {
        const n = { ...defaults, ...own };
        expect(`clab-${lab.name}-${name}`).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9-._]+$/);
        expect(n['privileged']).toBe(false);
        expect(n['kind']).toBe('linux');
        expect((n['labels'] as Record<string, string>)['bgplab.role']).toBeTruthy();
      }
      for (const l of topo.topology.links) {
        expect(Object.keys(l)).toEqual(['endpoints']); // brief form only (clabernetes)
        for (const ep of l.endpoints) {
          expect(ep).toMatch(/^[a-z][a-z0-9-]*:[a-zA-Z][a-zA-Z0-9_.-]*$/);
          expect(ep.split(':')[1].length).toBeLessThanOrEqual(15);
          expect(ep.split(':')[1]).not.toBe('eth0');
        }
      }
    });
  }

  it('the schema check can fail: a privileged, malformed node is rejected', () => {
    const lab = shipped('minimal.yml');
    const topo = parse(renderLab(lab).get(`${lab.name}.clab.yml`)!);
    topo.topology.nodes.spine1.privileged = 'yes';
    topo.topology.defaults['cap-add'] = 'NET_ADMIN';
    expect(validate(topo)).toBe(false);
  });
});

describe('lab file JSON Schema', () => {
  it('labs/bgplab.schema.json is in sync with the runtime schema (run `node dist/cli.js schema > labs/bgplab.schema.json`)', () => {
    const committed = JSON.parse(readFileSync('labs/bgplab.schema.json', 'utf8'));
    expect(committed).toEqual(labJsonSchema());
  });

  it('accepts every shipped lab and rejects an unknown key', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(labJsonSchema());
    for (const f of LABS) expect(validate(parse(readFileSync(`labs/${f}`, 'utf8'))), `${f}: ${JSON.stringify(validate.errors)}`).toBe(true);
    expect(validate({ name: 'x', fabric: { spines: 1, leaves: 2, colour: 'blue' } })).toBe(false);
  });
});

describe('no transit, both halves', () => {
  const lab = shipped('clos.yml');
  const files = renderLab(lab);
  it('a server sends only its own prefixes', () => {
    const conf = files.get('nodes/server1/frr.conf')!;
    expect(conf).toContain('ip prefix-list OWN seq 5 permit 10.0.3.1/32');
    expect(conf).toContain('ip prefix-list OWN seq 10 permit 192.0.2.10/32');
    expect(conf).toContain('neighbor TOR route-map TO-FABRIC out');
    expect(conf).not.toMatch(/redistribute/);
  });
  it("a leaf accepts from each server only that server's prefixes", () => {
    const conf = files.get('nodes/leaf3/frr.conf')!;
    expect(conf).toMatch(/ip prefix-list FROM-server4 seq 5 permit 10\.0\.3\.4\/32/);
    expect(conf).toMatch(/ip prefix-list FROM-server4 seq 10 permit 198\.51\.100\.0\/24/);
    const inMaps = conf.match(/neighbor (\S+) route-map FROM-(\S+) in/g) ?? [];
    expect(inMaps.sort()).toEqual(['neighbor eth3 route-map FROM-server3 in', 'neighbor eth4 route-map FROM-server4 in']);
  });
  it('transit_filters: false drops both halves (the unsafe workshop demo)', () => {
    const r = loadLabText('name: t\nfabric: {spines: 1, leaves: 2, servers: 1}\noptions: {transit_filters: false}\n', 't.yml');
    const f = renderLab(r.lab!);
    expect(f.get('nodes/server1/frr.conf')).not.toMatch(/route-map/);
    expect(f.get('nodes/leaf1/frr.conf')).not.toMatch(/route-map/);
    expect(f.get('nodes/leaf1/frr.conf')).toMatch(/UNSAFE/);
  });
  it('only loopbacks and announced prefixes are advertised', () => {
    for (const [rel, text] of files) {
      if (!rel.endsWith('frr.conf')) continue;
      const nets = [...text.matchAll(/^  network (\S+)$/gm)].map((m) => m[1]);
      const name = rel.split('/')[1]!;
      const n = lab.nodes.find((x) => x.name === name)!;
      expect(nets).toEqual([`${n.loopback}/32`, ...n.announce]);
    }
  });
});

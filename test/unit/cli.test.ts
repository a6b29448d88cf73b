/** The CLI's contract: user errors are listed with file:line:col and a non-zero exit, never a stack. */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { tmpDir } from './tmp.js';

const cli = (args: string[]) => execa('node', ['dist/cli.js', ...args], { reject: false, all: true, env: { FORCE_COLOR: '0' } });

beforeAll(async () => {
  // always the current sources: a dist/ left from an older checkout must not be what is tested
  await execa('npx', ['tsc', '-p', 'tsconfig.json']);
}, 120_000);

describe('bgplab validate / generate', () => {
  it('lists every mistake with file:line:col, exits 1, prints no stack', async () => {
    const r = await cli(['validate', 'test/fixtures/bad/many-mistakes.yml']);
    expect(r.exitCode).toBe(1);
    const lines = String(r.all).split('\n').filter((l) => /many-mistakes\.yml:\d+:\d+:/.test(l));
    expect(lines.length).toBeGreaterThanOrEqual(8);
    expect(String(r.all)).toMatch(/^error .*problems in the lab file/m);
    expect(String(r.all)).not.toMatch(/^\s+at .*\.js:\d+/m);
  });

  it('a missing lab file is a user error with a hint', async () => {
    const r = await cli(['generate', 'labs/nope.yml']);
    expect(r.exitCode).toBe(1);
    expect(String(r.all)).toMatch(/cannot read lab file labs\/nope\.yml: no such file/);
    expect(String(r.all)).toMatch(/hint/);
  });

  it('generate writes the topology and per-node configs and lists them', async () => {
    const out = tmpDir('bgplab-gen-');
    const r = await cli(['generate', 'labs/minimal.yml', '-o', out]);
    expect(r.exitCode, String(r.all)).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['.bgplab-written', 'bgplab.json', 'minimal.clab.yml', 'nodes']);
    expect(readdirSync(join(out, 'nodes')).sort()).toEqual(['leaf1', 'leaf2', 'server1', 'spine1']);
    expect(readFileSync(join(out, 'nodes/server1/frr.conf'), 'utf8')).toMatch(/^frr version 8.4\nfrr defaults datacenter/);
    expect(String(r.all)).toMatch(/^\s+\S*minimal\.clab\.yml$/m);
  });

  it('a bad lab writes nothing', async () => {
    const out = tmpDir('bgplab-gen-');
    const r = await cli(['generate', 'test/fixtures/bad/many-mistakes.yml', '-o', out]);
    expect(r.exitCode).toBe(1);
    expect(readdirSync(out)).toEqual([]);
  });

  it('generate -o on /proc is refused at once, without a stack', async () => {
    const r = await cli(['generate', 'labs/minimal.yml', '-o', '/proc/self/bgplab-out']);
    expect(r.exitCode).toBe(1);
    expect(String(r.all)).toMatch(/^error cannot write the output directory \/proc\/self\/bgplab-out: \/proc\/self is on proc/m);
    expect(String(r.all)).not.toMatch(/^\s+at .*\.js:\d+/m);
  }, 10_000);

  it('a 5 MB lab file is answered in seconds (before: no answer in 15 minutes)', async () => {
    const dir = tmpDir('bgplab-big-');
    const f = join(dir, 'big.yml');
    writeFileSync(f, 'name: t\nnodes:\n' + Array.from({ length: 160_000 }, (_, i) => `  n${i}: {role: leaf, asn: 65001}\n`).join(''));
    const t0 = Date.now();
    const r = await cli(['validate', f]);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(r.exitCode).toBe(1);
    expect(String(r.all)).toMatch(/big\.yml:1:1: the lab file has \d+ bytes \(\d\.\d\d MiB\), over the 1 MiB/);
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('an unknown command is rejected with usage help', async () => {
    const r = await cli(['frobnicate']);
    expect(r.exitCode).not.toBe(0);
    expect(String(r.all)).toMatch(/unknown command/);
  });
});

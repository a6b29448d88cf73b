/** generate -o DIR: all or nothing, never removes a file bgplab did not write, refuses what is no directory. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MANIFEST, writeFilesAtomically } from '../../src/render/write.js';
import { isBgplabError } from '../../src/util/errors.js';

const root = mkdtempSync(join(tmpdir(), 'bgplab-write-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `d${++n}`);
const files = (o: Record<string, string>) => new Map(Object.entries(o));

async function message(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (isBgplabError(e)) return e.message;
    throw e;
  }
  return 'no error';
}

/** every file under dir, relative, sorted */
function tree(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

describe('writeFilesAtomically', () => {
  it('creates a missing directory (and its parents) with the umask mode, and lists what it wrote', async () => {
    const d = join(fresh(), 'a', 'b');
    const written = await writeFilesAtomically(d, files({ 'x.yml': 'x\n', 'nodes/n1/frr.conf': 'c\n' }));
    expect(written).toEqual([join(d, 'x.yml'), join(d, 'nodes/n1/frr.conf')]);
    expect(tree(d)).toEqual([MANIFEST, 'nodes/n1/frr.conf', 'x.yml']);
    expect(statSync(d).mode & 0o077).not.toBe(0); // not mkdtemp's 0700
    expect(readdirSync(join(d, '..'))).toEqual(['b']); // no temporary directory left
  });

  it('keeps a user file inside nodes/ and removes only files of its previous write', async () => {
    const d = fresh();
    await writeFilesAtomically(d, files({ 'old.clab.yml': 'o', 'nodes/n1/frr.conf': '1', 'nodes/n2/frr.conf': '2' }));
    writeFileSync(join(d, 'nodes/n2/notes.txt'), 'mine');
    writeFileSync(join(d, 'nodes/mine.txt'), 'mine');
    await writeFilesAtomically(d, files({ 'new.clab.yml': 'n', 'nodes/n1/frr.conf': '1b' }));
    expect(tree(d)).toEqual([MANIFEST, 'new.clab.yml', 'nodes/mine.txt', 'nodes/n1/frr.conf', 'nodes/n2/notes.txt']);
    expect(readFileSync(join(d, 'nodes/n1/frr.conf'), 'utf8')).toBe('1b');
  });

  it('removes the directories its stale files leave empty', async () => {
    const d = fresh();
    await writeFilesAtomically(d, files({ 'nodes/n1/frr.conf': '1', 'nodes/n2/frr.conf': '2' }));
    await writeFilesAtomically(d, files({ 'nodes/n1/frr.conf': '1' }));
    expect(existsSync(join(d, 'nodes/n2'))).toBe(false);
  });

  it('a manifest naming paths outside the directory removes nothing there', async () => {
    const d = fresh();
    mkdirSync(d);
    const outside = join(root, 'precious.txt');
    writeFileSync(outside, 'keep');
    writeFileSync(join(d, MANIFEST), JSON.stringify({ files: ['../precious.txt', '/etc/hostname', 'nodes/../../precious.txt'] }));
    await writeFilesAtomically(d, files({ 'a.yml': 'a' }));
    expect(readFileSync(outside, 'utf8')).toBe('keep');
  });

  it('a conflict changes nothing: no file is replaced before every destination is checked', async () => {
    const d = fresh();
    await writeFilesAtomically(d, files({ 'a.yml': 'old', 'nodes/n1/frr.conf': 'old' }));
    mkdirSync(join(d, 'nodes/n2/frr.conf'), { recursive: true }); // a directory where a file goes
    const m = await message(writeFilesAtomically(d, files({ 'a.yml': 'new', 'nodes/n1/frr.conf': 'new', 'nodes/n2/frr.conf': 'new' })));
    expect(m).toBe(`cannot write the output directory ${d}: nodes/n2/frr.conf is a directory there, where bgplab writes a file`);
    expect(readFileSync(join(d, 'a.yml'), 'utf8')).toBe('old');
    expect(readFileSync(join(d, 'nodes/n1/frr.conf'), 'utf8')).toBe('old');
    expect(readdirSync(root).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('refuses a file as the directory', async () => {
    const f = join(root, 'afile');
    writeFileSync(f, 'x');
    expect(await message(writeFilesAtomically(f, files({ 'a.yml': 'a' })))).toBe(`cannot write the output directory ${f}: it is a file`);
    expect(readFileSync(f, 'utf8')).toBe('x');
  });

  it('refuses /proc and /sys paths at once (mkdir -p there spun at full CPU)', async () => {
    const t0 = performance.now();
    expect(await message(writeFilesAtomically('/proc/self/bgplab-out', files({ 'a.yml': 'a' })))).toBe(
      'cannot write the output directory /proc/self/bgplab-out: /proc/self is on proc, a kernel file system that holds no files',
    );
    expect(await message(writeFilesAtomically('/sys/kernel/x/y', files({ 'a.yml': 'a' })))).toBe(
      'cannot write the output directory /sys/kernel/x/y: /sys/kernel is on sysfs, a kernel file system that holds no files',
    );
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

/**
 * Writing the rendered files into an output directory, safely:
 *  - only what bgplab wrote is ever removed: a manifest (MANIFEST) lists the files of the
 *    last write, and a file of the previous write that the new one lacks is the only thing
 *    deleted (a user's file in DIR/nodes/ stays, where the old writer removed nodes/ whole);
 *  - all-or-nothing: every file is written into a temporary directory beside DIR first, and
 *    only when all are written are they renamed into place (a rename within one file system
 *    replaces a file atomically); on any failure DIR is as it was;
 *  - a path that is not a directory, or lies on a kernel pseudo file system (/proc, /sys:
 *    mkdir -p there spun at full CPU), is refused with a plain message before anything is
 *    written. No recursive mkdir of node's: parents are created one by one, bounded.
 */
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readFile, rename, rm, rmdir, stat, statfs, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import { BgplabError } from '../util/errors.js';

export const MANIFEST = '.bgplab-written';

/** statfs f_type of file systems that hold no user files (linux/magic.h). */
const PSEUDO_FS: Record<number, string> = {
  0x9fa0: 'proc',
  0x62656572: 'sysfs',
  0x1cd1: 'devpts',
  0x27e0eb: 'cgroup',
  0x63677270: 'cgroup2',
  0x64626720: 'debugfs',
  0x74726163: 'tracefs',
  0x73636673: 'securityfs',
  0xcafe4a11: 'bpf',
  0x6165676c: 'pstore',
  0x62656570: 'configfs',
  0xde5e81e4: 'efivarfs',
  0x65735543: 'fusectl',
};

const err = (dir: string, why: string, hint?: string, cause?: unknown) =>
  new BgplabError('E_OUT_DIR', `cannot write the output directory ${dir}: ${why}`, { hint, cause });

/**
 * Write `files` (relative path -> text) into dir; returns the absolute paths written, in
 * order. `add`: files beside the previous write's (another target into the same DIR):
 * nothing is removed, and the manifest lists both.
 */
export async function writeFilesAtomically(dir: string, files: Map<string, string>, opts: { add?: boolean } = {}): Promise<string[]> {
  const target = resolve(dir);
  const rels = [...files.keys()];
  for (const r of rels) if (!safeRel(r) || r === MANIFEST) throw new Error(`refusing to write outside the output directory: ${r}`);
  const existing = await statOrUndefined(target);
  if (existing && !existing.isDirectory()) {
    throw err(dir, `it is ${existing.isFile() ? 'a file' : 'not a directory'}`, 'give a directory (it is created when missing), e.g. out/mylab');
  }
  const parent = dirname(target);
  await refusePseudoFs(dir, existing ? target : parent);
  await mkdirParents(dir, parent);

  // mkdir, not mkdtemp: the directory may become DIR itself, so it gets the umask's mode, not 0700
  const tmp = join(parent, `.${basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(tmp).catch((e: unknown) => {
    throw err(dir, `cannot create a temporary directory beside it (${(e as NodeJS.ErrnoException).code ?? String(e)})`, 'check that its parent directory is writable', e);
  });
  try {
    for (const [rel, text] of files) {
      const p = join(tmp, rel);
      await mkdir(dirname(p), { recursive: true }); // inside our own fresh directory: bounded
      await writeFile(p, text);
    }
    await writeFile(join(tmp, MANIFEST), JSON.stringify({ files: rels }, null, 1) + '\n');
    if (!existing) {
      // a new directory: one rename puts all of it in place, unless another writer (a second
      // `up` of the same name at the same moment) created it meanwhile: then file by file below
      const placed = await rename(tmp, target).then(
        () => true,
        (e: NodeJS.ErrnoException) => {
          if (e.code === 'ENOTEMPTY' || e.code === 'EEXIST') return false;
          throw e;
        },
      );
      if (placed) return rels.map((r) => join(target, r));
    }
    const before = await readManifest(target);
    // every destination checked before the first rename: a conflict changes nothing
    const dirs = new Set<string>();
    for (const rel of [...rels, MANIFEST]) {
      const st = await lstatOrUndefined(join(target, rel));
      if (st?.isDirectory()) throw err(dir, `${rel} is a directory there, where bgplab writes a file`, `move ${join(dir, rel)} away`);
      for (let d = dirname(rel); d !== '.' && !dirs.has(d); d = dirname(d)) {
        dirs.add(d);
        const ds = await lstatOrUndefined(join(target, d));
        if (ds && !ds.isDirectory()) throw err(dir, `${d} is a file there, where bgplab needs a directory`, `move ${join(dir, d)} away`);
      }
    }
    for (const rel of [...rels, MANIFEST]) {
      await mkdirIn(target, dirname(rel));
      await rename(join(tmp, rel), join(target, rel));
    }
    const now = new Set(rels);
    if (opts.add) {
      await writeFile(join(target, MANIFEST), JSON.stringify({ files: [...before.filter((r) => !now.has(r)), ...rels] }, null, 1) + '\n');
      return rels.map((r) => join(target, r));
    }
    // files of the previous write that this one does not have: regular files only
    for (const rel of before) {
      if (now.has(rel)) continue;
      const p = join(target, rel);
      const st = await lstatOrUndefined(p);
      if (!st?.isFile()) continue;
      await unlink(p);
      await removeEmptyParents(target, dirname(rel));
    }
    return rels.map((r) => join(target, r));
  } catch (e) {
    if (e instanceof BgplabError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw err(dir, code ? `${code} (${(e as Error).message})` : String(e), 'fix the cause and run again (the files are written to a temporary directory first)', e);
  } finally {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** A relative path that stays inside its directory. */
function safeRel(r: string): boolean {
  if (!r || isAbsolute(r)) return false;
  const n = normalize(r);
  return n === r && n !== '..' && !n.startsWith(`..${sep}`) && !n.split(sep).includes('..');
}

/** The files the last write listed, those that are safe relative paths only (the manifest is in a user's directory). */
async function readManifest(target: string): Promise<string[]> {
  try {
    const j = JSON.parse(await readFile(join(target, MANIFEST), 'utf8')) as { files?: unknown };
    return Array.isArray(j.files) ? j.files.filter((f): f is string => typeof f === 'string' && safeRel(f) && f !== MANIFEST) : [];
  } catch {
    return [];
  }
}

async function refusePseudoFs(dir: string, existingPath: string): Promise<void> {
  // the nearest existing ancestor tells the file system the directory would be on
  let p = existingPath;
  for (let i = 0; i < 4096; i++) {
    const st = await statOrUndefined(p);
    if (st) break;
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  const fs = await statfs(p).catch(() => undefined);
  const kind = fs ? PSEUDO_FS[Number(fs.type)] : undefined;
  if (kind) throw err(dir, `${p} is on ${kind}, a kernel file system that holds no files`, 'write into a normal directory, e.g. out/mylab');
}

/** mkdir -p of the parent, one level at a time (a bounded number of steps). */
async function mkdirParents(dir: string, parent: string): Promise<void> {
  const missing: string[] = [];
  let p = parent;
  for (let i = 0; i < 4096; i++) {
    const st = await statOrUndefined(p);
    if (st) {
      if (!st.isDirectory()) throw err(dir, `${p} is not a directory`, 'give a path whose parents are directories');
      break;
    }
    missing.push(p);
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  for (const m of missing.reverse()) {
    await mkdir(m).catch((e: unknown) => {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return;
      throw err(dir, `cannot create ${m} (${(e as NodeJS.ErrnoException).code ?? String(e)})`, 'check the permissions of its parent', e);
    });
  }
}

/** Create the directories of a relative path inside target, one by one. */
async function mkdirIn(target: string, relDir: string): Promise<void> {
  if (relDir === '.' || relDir === '') return;
  let p = target;
  for (const part of relDir.split(sep)) {
    p = join(p, part);
    const st = await lstatOrUndefined(p);
    if (st?.isDirectory()) continue;
    if (st) throw err(target, `${relative(target, p)} is a file there, where bgplab needs a directory`, `move ${p} away`);
    await mkdir(p);
  }
}

async function removeEmptyParents(target: string, relDir: string): Promise<void> {
  let r = relDir;
  while (r && r !== '.') {
    const ok = await rmdir(join(target, r)).then(
      () => true,
      () => false, // not empty (a user's file), or gone: stop
    );
    if (!ok) return;
    r = dirname(r);
  }
}

async function statOrUndefined(p: string) {
  return stat(p).catch(() => undefined);
}

async function lstatOrUndefined(p: string) {
  return lstat(p).catch(() => undefined);
}

/** Small file-system questions asked in several places. */
import { access, readdir, rename, rm, writeFile } from 'node:fs/promises';

/** The entries of a directory, or [] when it does not exist (or cannot be read). */
export async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

export async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

let tmpSeq = 0;

/**
 * Write a file whole or not at all: into a temporary file beside it (unique per process
 * and call), then renamed over it (atomic within one file system). A crash or an error
 * leaves the old file, never half of the new one. The directory must exist.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.${++tmpSeq}.tmp`;
  try {
    await writeFile(tmp, text);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}

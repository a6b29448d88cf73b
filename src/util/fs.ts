/** Small file-system questions asked in several places. */
import { access, readdir } from 'node:fs/promises';

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

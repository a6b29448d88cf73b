/**
 * Live-test helpers for pictures: render a file in Debian's chromium, headless, into a
 * PNG (a fresh profile each time, nothing fetched), and count the blobs of given colours
 * in it (pngjs decodes; 4-connected flood fill).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { PNG } from 'pngjs';

export const CHROMIUM = '/usr/bin/chromium';

export async function screenshot(file: string, width: number, height: number): Promise<PNG> {
  const profile = await mkdtemp(join(tmpdir(), 'ws-chromium-'));
  const png = join(profile, 'shot.png');
  try {
    await execa(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${profile}`,
        `--screenshot=${png}`,
        `--window-size=${width},${height}`,
        `file://${file}`,
      ],
      { timeout: 60_000 },
    );
    return PNG.sync.read(await readFile(png));
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

const hex = (h: string) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));

/** Distinct colours in the image (blank: 1). */
export function colourCount(img: PNG): number {
  const seen = new Set<number>();
  for (let i = 0; i < img.data.length; i += 4) seen.add((img.data[i]! << 16) | (img.data[i + 1]! << 8) | img.data[i + 2]!);
  return seen.size;
}

/** Connected areas (of at least minArea px) whose pixels are exactly one of `colours`, per colour. */
export function blobs(img: PNG, colours: readonly string[], minArea = 200): Map<string, number> {
  const want = new Map(colours.map((c) => [hex(c).join(','), c]));
  const { width: w, height: h, data } = img;
  const seen = new Uint8Array(w * h);
  const out = new Map(colours.map((c) => [c, 0]));
  const key = (p: number) => `${data[p * 4]},${data[p * 4 + 1]},${data[p * 4 + 2]}`;
  for (let p = 0; p < w * h; p++) {
    if (seen[p]) continue;
    const c = want.get(key(p));
    if (!c) continue;
    const k = key(p);
    let area = 0;
    const stack = [p];
    seen[p] = 1;
    while (stack.length) {
      const q = stack.pop()!;
      area++;
      const x = q % w;
      for (const r of [q - w, q + w, x > 0 ? q - 1 : -1, x < w - 1 ? q + 1 : -1]) {
        if (r < 0 || r >= w * h || seen[r] || key(r) !== k) continue;
        seen[r] = 1;
        stack.push(r);
      }
    }
    if (area >= minArea) out.set(c, out.get(c)! + 1);
  }
  return out;
}

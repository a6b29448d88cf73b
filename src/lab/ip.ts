/** Small IPv4/IPv6 helpers (no dependency): parse, format, prefix arithmetic. */

export interface Cidr {
  family: 4 | 6;
  /** network address as a bigint */
  addr: bigint;
  len: number;
}

export function parseIPv4(s: string): bigint | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  let v = 0n;
  for (let i = 1; i <= 4; i++) {
    const o = Number(m[i]);
    if (o > 255 || (m[i]!.length > 1 && m[i]!.startsWith('0'))) return undefined;
    v = (v << 8n) | BigInt(o);
  }
  return v;
}

export function formatIPv4(v: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 255n)).join('.');
}

export function parseIPv6(s: string): bigint | undefined {
  if (!/^[0-9a-fA-F:]+$/.test(s) || s.includes(':::')) return undefined;
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  if (halves.length === 1 && head.length !== 8) return undefined;
  if (head.length + tail.length > (halves.length === 2 ? 7 : 8)) return undefined;
  const groups = [...head, ...Array(8 - head.length - tail.length).fill('0'), ...tail];
  let v = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  return v;
}

export function formatIPv6(v: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  // RFC 5952: compress the longest run (>= 2) of zero groups
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** Parse "a.b.c.d/len" or "x::y/len". `strict`: host bits must be zero. */
export function parseCidr(s: string, strict = true): Cidr | { error: string } {
  const slash = s.indexOf('/');
  if (slash < 0) return { error: `"${s}" has no prefix length (e.g. ${s.includes(':') ? `${s}/128` : `${s}/32`})` };
  const a = s.slice(0, slash);
  const lenStr = s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lenStr)) return { error: `"${s}": bad prefix length` };
  const len = Number(lenStr);
  const family: 4 | 6 = a.includes(':') ? 6 : 4;
  const bits = family === 4 ? 32 : 128;
  const addr = family === 4 ? parseIPv4(a) : parseIPv6(a);
  if (addr === undefined) return { error: `"${a}" is not a valid IPv${family} address` };
  if (len > bits) return { error: `"${s}": prefix length over ${bits}` };
  const host = (1n << BigInt(bits - len)) - 1n;
  if (strict && (addr & host) !== 0n) {
    const net = addr & ~host & ((1n << BigInt(bits)) - 1n);
    return { error: `"${s}" has host bits set: did you mean ${formatAddr(family, net)}/${len}?` };
  }
  return { family, addr, len };
}

export function formatAddr(family: 4 | 6, v: bigint): string {
  return family === 4 ? formatIPv4(v) : formatIPv6(v);
}

export function formatCidr(c: Cidr): string {
  return `${formatAddr(c.family, c.addr)}/${c.len}`;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const bits = a.family === 4 ? 32 : 128;
  const len = Math.min(a.len, b.len);
  const shift = BigInt(bits - len);
  return a.addr >> shift === b.addr >> shift;
}

export function contains(outer: Cidr, addr: bigint, family: 4 | 6): boolean {
  return overlaps(outer, { family, addr, len: family === 4 ? 32 : 128 });
}

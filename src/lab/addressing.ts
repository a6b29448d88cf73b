/** Loopback pools: the IPv4 role blocks and the IPv6 pool, checked and carved. Pure. */
import type { LabFile } from './schema.js';
import type { LabNode, Role } from './model.js';
import { type Cidr, formatCidr, overlaps, parseCidr, parseIPv4 } from './ip.js';
import { notUnicast } from './rules.js';
import type { DraftNode, FieldPath } from './draft.js';

export const DEFAULT_POOL = '10.0.0.0/16';
/** Loopback role blocks: the block index inside the pool tells the role. */
export const ROLE_BLOCK: Record<Role, number> = { spine: 1, leaf: 2, server: 3, 'super-spine': 4, border: 5, router: 6 };

export interface Pool {
  cidr: Cidr;
  base: bigint;
  blockSize: bigint;
}

export function resolvePool(spec: LabFile, drafts: Map<string, DraftNode>, push: (p: FieldPath, m: string, h?: string) => void): Pool | undefined {
  const poolStr = spec.loopbacks?.pool ?? DEFAULT_POOL;
  const c = parseCidr(poolStr);
  const ppath: FieldPath = spec.loopbacks?.pool ? ['loopbacks', 'pool'] : [];
  if ('error' in c) {
    push(ppath, `loopback pool: ${c.error}`);
    return undefined;
  }
  if (c.family !== 4) {
    push(ppath, `loopback pool ${poolStr} must be IPv4`, 'IPv6 loopbacks go in loopbacks.ipv6_pool');
    return undefined;
  }
  const badPool = notUnicast(c);
  if (badPool) {
    push(ppath, `loopback pool ${poolStr} is not usable unicast space: it overlaps ${badPool}`, 'use a private pool such as 10.0.0.0/16');
    return undefined;
  }
  // the largest role decides the block size: its nodes are numbered 1..n inside the block
  const counts = new Map<Role, number>();
  for (const d of drafts.values()) if (d.role) counts.set(d.role, Math.max(counts.get(d.role) ?? 0, d.index));
  const most = Math.max(1, ...counts.values());
  const needBits = Math.ceil(Math.log2(most + 2)); // + network and broadcast
  const block = spec.loopbacks?.block ?? Math.min(24, 32 - needBits);
  const blockSize = 1n << BigInt(32 - block);
  const bpath: FieldPath = spec.loopbacks?.block ? ['loopbacks', 'block'] : ppath;
  if (BigInt(most + 2) > blockSize) {
    const [role] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
    push(bpath, `loopback block /${block} holds ${blockSize - 2n} addresses but there are ${most} ${role} nodes`, `use loopbacks.block: ${32 - needBits} or smaller`);
    return undefined;
  }
  const blocksNeeded = BigInt(Math.max(...Object.values(ROLE_BLOCK)) + 1);
  if (block < c.len || blocksNeeded * blockSize > 1n << BigInt(32 - c.len)) {
    const needLen = 32 - (32 - block) - Math.ceil(Math.log2(Number(blocksNeeded)));
    push(ppath, `loopback pool ${poolStr} is too small: it needs ${blocksNeeded} role blocks of /${block}`, `use a pool of /${needLen} or larger, e.g. 10.0.0.0/${Math.min(16, needLen)}`);
    return undefined;
  }
  return { cidr: c, base: c.addr, blockSize };
}

export function resolvePool6(spec: LabFile, push: (p: FieldPath, m: string, h?: string) => void): Cidr | undefined {
  const s = spec.loopbacks?.ipv6_pool;
  if (s === undefined) return undefined;
  const c = parseCidr(s);
  if ('error' in c) {
    push(['loopbacks', 'ipv6_pool'], `ipv6_pool: ${c.error}`);
    return undefined;
  }
  if (c.family !== 6 || c.len > 96) {
    push(['loopbacks', 'ipv6_pool'], `ipv6_pool ${s} must be an IPv6 prefix of /96 or shorter`, 'e.g. fd00:0:0:1::/64');
    return undefined;
  }
  const bad = notUnicast(c);
  if (bad) {
    push(['loopbacks', 'ipv6_pool'], `ipv6_pool ${s} is not usable unicast space: it overlaps ${bad}`, 'use a unique local pool such as fd00:0:0:1::/64');
    return undefined;
  }
  return c;
}

/** What `default+loopbacks` lets through to servers besides the default: the pools, and loopbacks set outside them. */
export function loopbackPrefixes(nodes: LabNode[], pool: Cidr | undefined, pool6: Cidr | undefined): string[] {
  const out: string[] = [];
  if (pool) out.push(formatCidr(pool));
  if (pool6) out.push(formatCidr(pool6));
  for (const n of nodes) {
    const a = parseIPv4(n.loopback);
    if (a !== undefined && !(pool && overlaps({ family: 4, addr: a, len: 32 }, pool))) out.push(`${n.loopback}/32`);
  }
  return out;
}

/** Reader of `traceroute -n -q 1` output (Debian traceroute 2.1). Pure. */

export interface TracerouteHop {
  ttl: number;
  /** answering address, or null for '*' */
  address: string | null;
  /** annotations such as !H, !N */
  flags: string[];
}

/** Lines look like ` 2  10.0.1.1  0.045 ms` or ` 3  *`. */
export function parseTraceroute(out: string): TracerouteHop[] {
  const hops: TracerouteHop[] = [];
  for (const line of out.split('\n')) {
    const m = /^\s*(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const tokens = m[2]!.trim().split(/\s+/);
    const first = tokens[0] ?? '*';
    const address = first === '*' || !/^[0-9a-fA-F.:]+$/.test(first) ? null : first;
    const flags = tokens.filter((t) => /^![A-Za-z0-9<>]*$/.test(t));
    hops.push({ ttl: Number(m[1]), address, flags });
  }
  return hops;
}

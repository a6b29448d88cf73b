/** Reader of bfdd's `show bfd peers json`. Pure. */
import { isObj } from '../util/obj.js';

export interface BfdPeer {
  /** the peer address (an IPv6 link-local on unnumbered links) */
  peer: string;
  interface?: string;
  /** up, down, init, shutdown */
  status: string;
  uptimeS?: number;
  downtimeS?: number;
  detectMultiplier?: number;
  receiveIntervalMs?: number;
  transmitIntervalMs?: number;
}

export function bfdPeers(doc: unknown): BfdPeer[] {
  if (!Array.isArray(doc)) return [];
  return doc.filter(isObj).map((p) => {
    const num = (k: string) => (typeof p[k] === 'number' ? (p[k] as number) : undefined);
    const out: BfdPeer = { peer: String(p['peer'] ?? ''), status: String(p['status'] ?? 'unknown') };
    if (typeof p['interface'] === 'string') out.interface = p['interface'];
    const fields: [keyof BfdPeer, string][] = [
      ['uptimeS', 'uptime'],
      ['downtimeS', 'downtime'],
      ['detectMultiplier', 'detect-multiplier'],
      ['receiveIntervalMs', 'receive-interval'],
      ['transmitIntervalMs', 'transmit-interval'],
    ];
    for (const [to, from] of fields) {
      const v = num(from);
      if (v !== undefined) (out as unknown as Record<string, number>)[to] = v;
    }
    return out;
  });
}

export const bfdUp = (p: BfdPeer) => p.status === 'up';

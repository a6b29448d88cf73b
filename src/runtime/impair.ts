/**
 * Link impairment, shared by both runtimes: netem where the kernel has it, else loss by
 * an nftables ingress drop on the link's other end. Pure helpers; the runtimes run them in
 * a namespace (netns) or a container (clab).
 */
import { BgplabError } from '../util/errors.js';
import type { Impairment } from './runtime.js';

/** Throws on an impairment outside loss 0..100 % and delay >= 0 ms. */
export function checkImpairment(imp: Impairment): { loss: number; delay: number } {
  const loss = imp.lossPct ?? 0;
  const delay = imp.delayMs ?? 0;
  if (!(loss >= 0 && loss <= 100) || !(delay >= 0)) {
    throw new BgplabError('E_USAGE', `bad impairment ${JSON.stringify(imp)}: loss 0..100 %, delay >= 0 ms`);
  }
  return { loss, delay };
}

/** The impairment as `tc` argv (netem). */
export function netemArgv(ifname: string, imp: Impairment): string[] {
  const argv = ['tc', 'qdisc', 'replace', 'dev', ifname, 'root', 'netem', 'limit', '100000'];
  if ((imp.delayMs ?? 0) > 0) argv.push('delay', `${imp.delayMs}ms`);
  if ((imp.lossPct ?? 0) > 0) argv.push('loss', `${imp.lossPct}%`);
  return argv;
}

/**
 * After a failed netem: throws unless the failure is "no netem in this kernel" and the
 * impairment is loss only, which the caller then applies through nftLossScript.
 */
export function requireNftFallback(node: string, ifname: string, stderr: string, delay: number): void {
  if (!/qdisc kind is unknown|Unknown qdisc|No such file/i.test(stderr)) {
    throw new BgplabError('E_IMPAIR', `tc netem on ${node}:${ifname} failed`, { details: stderr.trim().split('\n') });
  }
  if (delay > 0) {
    throw new BgplabError('E_UNSUPPORTED', `cannot add delay on ${node}:${ifname}: this kernel has no netem qdisc (CONFIG_NET_SCH_NETEM)`, {
      hint: 'loss (0-100 %) still works here, through nftables; delay needs sch_netem',
    });
  }
}

/** nftables table holding the loss applied to what arrives on peerIfname (named like the netns runtime's). */
export const nftTable = (peerIfname: string) => `bgplab_from_${peerIfname.replace(/[^A-Za-z0-9_]/g, '_')}`;

/**
 * An nftables netdev INGRESS table on the receiving end (peerIfname) dropping lossPct % of
 * what arrives there, i.e. of what the impaired end sends; replaces any previous one.
 * Ingress on the peer, not egress on the sender: measured by the netns runtime's author on
 * this kernel (6.18), `numgen random` drops in a netdev egress chain are counted but the
 * packets still arrive, and inet postrouting drops give the sender EPERM (errors, not loss).
 */
export function nftLossScript(peerIfname: string, lossPct: number): string {
  const table = nftTable(peerIfname);
  const rule = lossPct >= 100 ? 'drop' : lossPct > 0 ? `numgen random mod 100 < ${Math.round(lossPct)} drop` : '';
  return [
    `table netdev ${table}`,
    `delete table netdev ${table}`,
    `table netdev ${table} {`,
    `  chain ingress {`,
    `    type filter hook ingress device "${peerIfname}" priority 0; policy accept;`,
    ...(rule ? [`    ${rule}`] : []),
    `  }`,
    `}`,
    '',
  ].join('\n');
}


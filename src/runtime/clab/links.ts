/**
 * A node's fabric interfaces in a containerlab lab: finding one (or the user error that
 * names the node's interfaces), taking its link down and up, and impairing what it sends,
 * with where the link leads from the lab state or the topology the containers were made from.
 */
import { IFNAME_RE, loadTopology } from '../../clab/topology.js';
import { BgplabError } from '../../util/errors.js';
import { readState } from '../state.js';
import { checkImpairment, netemArgv, nftLossScript, nftTable, requireNftFallback } from '../impair.js';
import { linksOf } from '../lifecycle.js';
import type { Impairment } from '../runtime.js';
import { containerExec, labContainers, LABEL_TOPO, mustExec, nodeContainer, type LabContainer } from './docker.js';

/** The node's container, once it has interface ifname; else E_IFACE_MISSING naming its fabric interfaces. */
async function requireInterface(lab: string, node: string, ifname: string): Promise<LabContainer> {
  const c = await nodeContainer(lab, node);
  if (!IFNAME_RE.test(ifname)) throw new BgplabError('E_IFACE_MISSING', `"${ifname}" is not an interface name`);
  const r = await containerExec(c.id, ['ip', 'link', 'show', 'dev', ifname]);
  if (r.exitCode !== 0) {
    const st = await readState(lab);
    const ifs = st?.nodes.find((n) => n.name === node)?.interfaces ?? [];
    throw new BgplabError('E_IFACE_MISSING', `node ${node} has no interface ${ifname}`, {
      hint: ifs.length ? `its fabric interfaces: ${ifs.join(', ')}` : `see: bgplab exec ${node} -- ip link`,
    });
  }
  return c;
}

/** ip link set dev IFNAME down/up inside the node's container. */
export async function setLink(lab: string, node: string, ifname: string, up: boolean): Promise<void> {
  const c = await requireInterface(lab, node, ifname);
  await mustExec(c, ['ip', 'link', 'set', 'dev', ifname, up ? 'up' : 'down'], `ip link set ${ifname} ${up ? 'up' : 'down'}`, 'E_LINK');
}

/** The other end of node:ifname: from the lab state, else from the topology the containers were made from. */
async function peerOf(lab: string, node: string, ifname: string): Promise<{ peer: string; peerIfname: string } | undefined> {
  const st = await readState(lab);
  const fromState = st?.nodes.find((n) => n.name === node)?.links?.find((l) => l.ifname === ifname);
  if (fromState) return fromState;
  const topo = (await labContainers(lab)).find((c) => c.labels[LABEL_TOPO])?.labels[LABEL_TOPO];
  if (!topo) return undefined;
  const plan = await loadTopology(topo).catch(() => undefined);
  return plan ? linksOf(plan, node).find((l) => l.ifname === ifname) : undefined;
}

/**
 * Impair what node:ifname sends: netem on its egress, inside the container. Kernels
 * without sch_netem (CONFIG_NET_SCH_NETEM unset, as on these CI VMs) get loss from an
 * nftables netdev ingress chain on the veth PEER instead (silent drops, like netem's) —
 * the same fallback as the netns runtime. Delay then cannot be emulated: E_UNSUPPORTED.
 * null removes both kinds.
 */
export async function impairLink(lab: string, node: string, ifname: string, impairment: Impairment | null): Promise<void> {
  const c = await requireInterface(lab, node, ifname);
  const peer = await peerOf(lab, node, ifname);
  if (impairment === null) {
    await containerExec(c.id, ['tc', 'qdisc', 'del', 'dev', ifname, 'root']);
    if (peer) {
      const pc = await nodeContainer(lab, peer.peer);
      await containerExec(pc.id, ['nft', 'delete', 'table', 'netdev', nftTable(peer.peerIfname)]);
    }
    return;
  }
  const { loss, delay } = checkImpairment(impairment);
  const r = await containerExec(c.id, netemArgv(ifname, impairment), { timeoutMs: 30_000 });
  if (r.exitCode === 0) return;
  requireNftFallback(node, ifname, r.stderr, delay);
  if (!peer) {
    throw new BgplabError('E_IMPAIR', `cannot impair ${node}:${ifname}: no netem qdisc, and neither the lab state nor the topology says where the link leads`);
  }
  const pc = await nodeContainer(lab, peer.peer);
  await mustExec(pc, ['nft', '-f', '-'], `nft ingress drop on ${peer.peerIfname}`, 'E_IMPAIR', nftLossScript(peer.peerIfname, loss));
}

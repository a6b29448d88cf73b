/**
 * `bgplab capture NODE:IFNAME`: tcpdump inside the node through Runtime.execStream. The
 * pcap stream (tcpdump -w -) comes out of the node and is written on this side, so -w
 * FILE is a host file on both runtimes and `-w -` pipes into wireshark. Default filter:
 * none (everything on the link: BGP, ND/RA, BFD, probes).
 */
import type { Lab } from '../lab/model.js';
import { parseElement } from '../faults/element.js';
import type { Runtime, StreamResult } from '../runtime/runtime.js';
import { BgplabError } from '../util/errors.js';

export interface CaptureRequest {
  /** node:ifname */
  where: string;
  /** pcap to the stream; else tcpdump's decoded text */
  pcap: boolean;
  /** a tcpdump filter expression, passed to tcpdump as one argument (never through a shell) */
  filter?: string;
  count?: number;
}

/** tcpdump's argv for a request: -U (packet-buffered) so a pcap reader sees each packet as it comes. */
export function tcpdumpArgv(ifname: string, r: Pick<CaptureRequest, 'pcap' | 'filter' | 'count'>): string[] {
  const argv = ['tcpdump', '-i', ifname, '-n', '-U'];
  if (r.pcap) argv.push('-w', '-');
  else argv.push('-l', '-vv');
  if (r.count !== undefined) argv.push('-c', String(r.count));
  if (r.filter?.trim()) argv.push('--', r.filter.trim());
  return argv;
}

export async function capture(runtime: Runtime, lab: Lab, r: CaptureRequest, o: { stdout: NodeJS.WritableStream; signal?: AbortSignal }): Promise<StreamResult & { node: string; ifname: string }> {
  const t = parseElement(lab, r.where);
  if (t.kind !== 'link' || r.where.includes('--')) {
    throw new BgplabError('E_USAGE', `capture on one interface: NODE:IFNAME, not "${r.where}"`, { hint: `e.g. bgplab capture ${lab.links[0] ? `${lab.links[0].a.node}:${lab.links[0].a.ifname}` : 'leaf1:eth1'}` });
  }
  const res = await runtime.execStream(lab.name, t.a.node, tcpdumpArgv(t.a.ifname, r), { stdout: o.stdout, ...(o.signal ? { signal: o.signal } : {}) });
  if (/not found|No such file/.test(res.stderr) && res.exitCode === 127) {
    throw new BgplabError('E_TOOL_MISSING', `tcpdump is not installed in node ${t.a.node}`, { hint: 'netns: apt-get install -y tcpdump (make setup); containerlab: the node image needs tcpdump (images/build-offline.sh includes it)' });
  }
  if (!res.stopped && res.exitCode !== 0 && /is not up/.test(res.stderr)) {
    throw new BgplabError('E_COMMAND_FAILED', `cannot capture on ${t.a.node}:${t.a.ifname}: the interface is administratively down`, {
      hint: `a link-down fault sets the named end down: capture on the other end (${t.b.node}:${t.b.ifname}), or fail the link from that end`,
      details: res.stderr.trim().split('\n').slice(-3),
    });
  }
  if (!res.stopped && res.exitCode !== 0) {
    throw new BgplabError('E_COMMAND_FAILED', `tcpdump on ${t.a.node}:${t.a.ifname} exited with ${res.exitCode}`, { details: res.stderr.trim().split('\n').slice(-6) });
  }
  return { ...res, node: t.a.node, ifname: t.a.ifname };
}

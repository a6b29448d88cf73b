/**
 * Single faults a person seeds into the running default lab by hand (vtysh, ip, nft,
 * kill), for the root-cause live test and the benchmark: each with the node a report must
 * name. Out of band on purpose: not through src/faults, which a check would know about.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Runtime } from '../runtime/runtime.js';
import { nodeStateDir } from '../runtime/state.js';

export interface SeededFault {
  name: string;
  /** the node the first failure line must name */
  node: string;
  seed(rt: Runtime, lab: string): Promise<void>;
}

async function must(p: Promise<{ exitCode: number; stderr: string }>): Promise<void> {
  const r = await p;
  if (r.exitCode !== 0) throw new Error(r.stderr.trim());
}

/** The default lab's (labs/clos.yml) names and ASNs. */
export const SEEDED_FAULTS: SeededFault[] = [
  {
    name: 'a wrong ASN on one session (Bad Peer AS)',
    node: 'spine1',
    seed: async (rt, lab) => void (await rt.vtysh(lab, 'spine1', ['conf t', 'router bgp 65000', 'no neighbor eth1 interface peer-group FABRIC', 'neighbor eth1 interface remote-as 65999'])),
  },
  { name: 'a link down', node: 'leaf1', seed: (rt, lab) => rt.setLink(lab, 'leaf1', 'eth1', false) },
  {
    // netns only: the pid file of the node's own bgpd (a kill -9, no clean stop)
    name: 'bgpd killed',
    node: 'leaf2',
    seed: async (_rt, lab) => void process.kill(Number((await readFile(join(nodeStateDir(lab, 'leaf2'), 'bgpd.pid'), 'utf8')).trim()), 'SIGKILL'),
  },
  {
    name: 'a blackholed link (traffic dropped, carrier and sessions up)',
    node: 'leaf3',
    seed: (rt, lab) =>
      must(rt.exec(lab, 'leaf3', ['nft', '-f', '-'], { input: 'table netdev rcdrop {\n chain in {\n  type filter hook ingress device "eth1" priority -500;\n  drop\n }\n}\n' })),
  },
  {
    name: 'a missing ECMP member (an AS-path prepend on one uplink)',
    node: 'leaf1',
    seed: async (rt, lab) =>
      void (await rt.vtysh(lab, 'leaf1', [
        'conf t', 'route-map RCPRE permit 10', 'set as-path prepend 65111', 'exit', 'router bgp 65101', 'address-family ipv4 unicast', 'neighbor eth2 route-map RCPRE in', 'end', 'clear bgp ipv4 unicast eth2 soft in',
      ])),
  },
  {
    name: "a kernel route overriding FRR's",
    node: 'leaf1',
    seed: (rt, lab) => must(rt.exec(lab, 'leaf1', ['ip', 'route', 'add', 'blackhole', '10.0.3.3/32', 'metric', '5'])),
  },
];

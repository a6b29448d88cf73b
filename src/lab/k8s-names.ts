/**
 * Names a lab must have to run on Kubernetes (the clabernetes target). Pure rules, run only
 * when that target is asked for (`generate`/`validate --target clabernetes`): the lab file's
 * own NAME_RE (lowercase, digits, dashes, a letter first) is nearly a DNS-1123 label already,
 * but allows a trailing dash, which the API server refuses in every name derived from it.
 *
 * Names clabernetes v0.6.0 derives (read in its controllers/topology/*.go):
 *   Deployment + expose Service `<lab>-<node>` (naming: prefixed), fabric Service
 *   `<lab>-<node>-vx` (a Service name: DNS-1035 label, at most 63, built with Sprintf, not
 *   shortened), and in each launcher pod a host-side veth `<node>-<ifname>` that the VXLAN
 *   tunnel is attached to. bgplab adds the Namespace `c9s-<lab>` (clabverter's default) and
 *   the ConfigMaps `<lab>-<node>-files` (clabverter's names).
 */
import type { LabProblem } from './expand.js';
import type { Lab } from './model.js';
import { IFNAME_MAX } from './schema.js';

/** RFC 1123 label as Kubernetes checks it (apimachinery IsDNS1123Label). */
export const DNS1123_LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** RFC 1123 subdomain (IsDNS1123Subdomain): dot-separated labels, at most 253. */
export const DNS1123_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const DNS1123_LABEL_MAX = 63;
export const DNS1123_SUBDOMAIN_MAX = 253;

export function isDns1123Label(s: string): boolean {
  return s.length <= DNS1123_LABEL_MAX && DNS1123_LABEL_RE.test(s);
}

export function isDns1123Subdomain(s: string): boolean {
  return s.length <= DNS1123_SUBDOMAIN_MAX && DNS1123_SUBDOMAIN_RE.test(s);
}

/** The longest name clabernetes builds from lab + node without shortening it. */
const fabricServiceName = (lab: string, node: string) => `${lab}-${node}-vx`;
export const namespaceName = (lab: string) => `c9s-${lab}`;

/** Problems that make the lab impossible to apply on a cluster (errors). */
export function k8sNameProblems(lab: Lab): LabProblem[] {
  const out: LabProblem[] = [];
  const hint = 'Kubernetes names (DNS-1123): lowercase letters, digits and dashes, starting and ending with a letter or digit';
  if (!isDns1123Label(lab.name) || !isDns1123Label(namespaceName(lab.name))) {
    out.push({ path: ['name'], message: `lab name "${lab.name}" is not a valid Kubernetes name (namespace ${namespaceName(lab.name)})`, hint });
  }
  for (const n of lab.nodes) {
    if (!isDns1123Label(n.name)) {
      out.push({ path: ['nodes', n.name], atKey: true, message: `node name "${n.name}" is not a valid Kubernetes name`, hint });
    } else if (!isDns1123Label(fabricServiceName(lab.name, n.name))) {
      out.push({
        path: ['nodes', n.name],
        atKey: true,
        message: `clabernetes names a Service "${fabricServiceName(lab.name, n.name)}": longer than ${DNS1123_LABEL_MAX} characters`,
        hint: 'shorten the lab or node name',
      });
    }
  }
  return out;
}

/**
 * Risks that may not stop the lab but that cannot be verified without a cluster (warnings):
 * the launcher's host-side interface `<node>-<ifname>` longer than Linux IFNAMSIZ-1 (15).
 * containerlab then keeps the long name only as an altname, and clabernetes looks the
 * interface up by that name to attach the VXLAN tunnel; the shipped pods lab hits this
 * ("superspine1-eth1" is 16 characters).
 */
export function k8sNameWarnings(lab: Lab): string[] {
  const long = new Set<string>();
  for (const l of lab.links) for (const e of [l.a, l.b]) if (`${e.node}-${e.ifname}`.length > IFNAME_MAX) long.add(`${e.node}-${e.ifname}`);
  if (long.size === 0) return [];
  const some = [...long].slice(0, 3).join(', ');
  return [
    `${long.size} launcher-side interface name${long.size === 1 ? '' : 's'} (<node>-<interface>) longer than ${IFNAME_MAX} characters (${some}${long.size > 3 ? ', ...' : ''}): ` +
      'clabernetes attaches its VXLAN tunnels to them by name, which Linux may refuse; shorter node names avoid it',
  ];
}

export const TARGETS = ['containerlab', 'clabernetes'] as const;
export type Target = (typeof TARGETS)[number];

/** The extra rules a target's names need (none for containerlab: the lab file's own rules). */
export function rulesForTarget(target: Target = 'containerlab'): ((lab: Lab) => LabProblem[])[] {
  return target === 'clabernetes' ? [k8sNameProblems] : [];
}

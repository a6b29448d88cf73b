/**
 * FRR's own parser must accept every generated frr.conf, with each version's own
 * `vtysh --dryrun`: 8.4 is the host's (Debian bookworm), 10 the trixie rootfs's
 * (images/build-offline.sh FRR=10), run chrooted in a private mount namespace with the
 * config directory bound at /tmp. Live in the sense that it runs the real FRR binaries;
 * 8.4 needs no root, 10 needs root (chroot) and the rootfs.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { loadLabText, formatProblem } from '../../src/lab/load.js';
import { FRR_VERSIONS, type FrrVersion } from '../../src/lab/model.js';
import { renderLab } from '../../src/render/index.js';
import { FRR10_ROOTFS } from '../../src/runtime/netns/rootfs.js';
import { tmpDir } from '../unit/tmp.js';

const tmp = tmpDir('bgplab-parse-');
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** A constant script; the paths are its argv. The bind lives in unshare's namespace only. */
const CHROOT_DRYRUN = 'mount --bind "$1" "$2/tmp" && exec chroot "$2" /usr/bin/vtysh --dryrun -f "/tmp/$3"';

async function dryrun(version: FrrVersion, text: string, name: string) {
  const p = join(tmp, name);
  writeFileSync(p, text);
  const r =
    version === '8.4'
      ? await execa('vtysh', ['--dryrun', '-f', p], { reject: false, all: true })
      : await execa('unshare', ['--mount', '--propagation', 'private', '/bin/sh', '-c', CHROOT_DRYRUN, 'sh', tmp, FRR10_ROOTFS, name], { reject: false, all: true });
  return { code: r.exitCode, out: String(r.all ?? '') };
}

const labs = readdirSync('labs').filter((f) => f.endsWith('.yml'));
const extra = {
  'ipv6-transit-off.yml': 'name: v6\nfabric: {spines: 2, leaves: 2, servers: 2}\nloopbacks: {ipv6_pool: "fd00:0:0:1::/64"}\noptions: {transit_filters: false}\ntimers: {keepalive: 1, hold: 3}\nnodes:\n  server1: {announce: ["2001:db8:1::/64", 192.0.2.1/32]}\n',
  'ipv6-filters.yml': 'name: v6f\nfabric: {spines: 2, leaves: 2, servers: 2}\nloopbacks: {ipv6_pool: "fd00:0:0:1::/64"}\nbfd: {interval_ms: 100, multiplier: 3}\nnodes:\n  server1: {announce: ["2001:db8:1::/64"]}\n',
};

for (const version of FRR_VERSIONS) {
  // FRR 10's parser runs chrooted: root only (CI runs as root, and `make test` builds the rootfs)
  describe.skipIf(version === '10' && !isRoot)(`FRR ${version}'s parser accepts every generated frr.conf`, () => {
    const sources: [string, string][] = [
      ...labs.map((f) => [f, readFileSync(`labs/${f}`, 'utf8')] as [string, string]),
      ...Object.entries(extra),
    ];
    for (const [f, text] of sources) {
      it(f, async () => {
        const r = loadLabText(text, f, [], { frr: version });
        expect(r.problems.map(formatProblem)).toEqual([]);
        expect(r.lab!.frr).toBe(version);
        for (const [rel, conf] of renderLab(r.lab!)) {
          if (!rel.endsWith('frr.conf')) continue;
          const res = await dryrun(version, conf, `${version}-${r.lab!.name}-${rel.replaceAll('/', '_')}`);
          expect(res, rel).toEqual({ code: 0, out: '' });
        }
      });
    }

    it('the parser check can fail: a broken line is rejected', async () => {
      const r = loadLabText(readFileSync('labs/minimal.yml', 'utf8'), 'minimal.yml', [], { frr: version });
      const conf = renderLab(r.lab!).get('nodes/leaf1/frr.conf')!.replace('neighbor FABRIC peer-group', 'neighbor FABRIC peer-grup');
      const res = await dryrun(version, conf, `${version}-broken.conf`);
      expect(res.code).not.toBe(0);
      expect(res.out).toMatch(/Unknown command|peer-grup/);
    });

    it(`the FRR that parsed is ${version}`, async () => {
      // vtysh has no --version; zebra of the same install prints "zebra version X"
      const v =
        version === '8.4'
          ? await execa('/usr/lib/frr/zebra', ['--version'], { reject: false })
          : await execa('chroot', [FRR10_ROOTFS, '/usr/lib/frr/zebra', '--version'], { reject: false });
      expect(v.stdout).toMatch(new RegExp(`version ${version.replace('.', '\\.')}`));
    });
  });
}

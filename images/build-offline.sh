#!/usr/bin/env bash
# Build the bgplab FRR node image without any container registry:
#   debootstrap Debian (+ its frr and tools) -> rootfs tarball -> `docker import`.
#
# FRR=8.4 (default): Debian bookworm's frr 8.4 -> bgplab/frr:latest
# FRR=10:            Debian trixie's frr 10.3  -> bgplab/frr:10, and the rootfs is also kept
#                    unpacked in $CACHE_DIR/frr10-rootfs (a symlink to the hashed directory):
#                    the netns runtime runs FRR 10 from there without Docker (the host keeps
#                    bookworm's 8.4; FRR 10 is never installed on the host).
#
# Same tag and same contract as images/Dockerfile (see images/entrypoint.sh).
#
# Caching (a speed-up only; a fresh machine builds from scratch):
#  - the image carries a label bgplab.inputs=<hash of this script, entrypoint, packages>;
#    when an image with that tag and label exists, nothing is done;
#  - the finished rootfs tarball is kept as $CACHE_DIR/frr-rootfs-<hash>.tar.gz, so a
#    missing image (docker data wiped, a new dockerd) is re-imported in seconds.
# FORCE=1 rebuilds everything.
#
# Everything happens in a private mount namespace (unshare -m), so the /proc and /sys
# mounts debootstrap and apt need vanish with it even when the build fails midway.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
FRR=${FRR:-8.4}
case "$FRR" in
  8.4) def_suite=bookworm def_tag=bgplab/frr:latest def_rootfs=0 ;;
  10)  def_suite=trixie   def_tag=bgplab/frr:10     def_rootfs=1 ;;
  *) echo "FRR=$FRR: unknown version (8.4 or 10)" >&2; exit 2 ;;
esac
TAG=${TAG:-$def_tag}
SUITE=${SUITE:-$def_suite}
# keep the rootfs unpacked for the netns runtime (FRR 10 only: 8.4 is the host's own frr)
KEEP_ROOTFS=${KEEP_ROOTFS:-$def_rootfs}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${SECURITY_MIRROR:-http://deb.debian.org/debian-security}
CACHE_DIR=${CACHE_DIR:-/var/cache/bgplab}
# frr: the routing suite; iproute2: ip + tc (netem); iputils-ping, traceroute: reachability
# and path checks; procps: ps/pgrep for daemon health; python3-minimal: the failover probe;
# nftables: loss on kernels without sch_netem (bgplab falls back to an nft egress drop);
# tcpdump: for people poking around in a workshop.
PACKAGES=${PACKAGES:-frr,iproute2,iputils-ping,traceroute,procps,python3-minimal,nftables,tcpdump,ca-certificates}

inputs_hash() {
  { cat "$HERE/build-offline.sh" "$HERE/entrypoint.sh"; echo "$SUITE $MIRROR $SECURITY_MIRROR $PACKAGES"; } |
    sha256sum | cut -c1-16
}
HASH=$(inputs_hash)
TARBALL="$CACHE_DIR/frr-rootfs-$SUITE-$HASH.tar.gz"
ROOTFS_DIR="$CACHE_DIR/frr-rootfs-$SUITE-$HASH"
ROOTFS_LINK="$CACHE_DIR/frr${FRR%%.*}-rootfs"

# Unpack the tarball into $ROOTFS_DIR (once) and point $ROOTFS_LINK at it. The link is
# replaced atomically (rename), so a netns lab starting meanwhile sees the old or the new
# tree, never half of one; older unpacked trees are removed unless a process still runs
# chrooted in them (a running FRR 10 netns node).
keep_rootfs() {
  [ "$KEEP_ROOTFS" = 1 ] || return 0
  if [ ! -e "$ROOTFS_DIR/.bgplab-complete" ]; then
    rm -rf --one-file-system "$ROOTFS_DIR.tmp"
    mkdir -p "$ROOTFS_DIR.tmp"
    tar -C "$ROOTFS_DIR.tmp" --numeric-owner -xzf "$TARBALL"
    : >"$ROOTFS_DIR.tmp/.bgplab-complete"
    rm -rf --one-file-system "$ROOTFS_DIR"
    mv "$ROOTFS_DIR.tmp" "$ROOTFS_DIR"
  fi
  ln -sfn "$(basename "$ROOTFS_DIR")" "$ROOTFS_LINK.tmp"
  mv -T "$ROOTFS_LINK.tmp" "$ROOTFS_LINK"
  for old in "$CACHE_DIR"/frr-rootfs-"$SUITE"-*; do
    [ -d "$old" ] && [ "$old" != "$ROOTFS_DIR" ] || continue
    # a running FRR 10 netns node is chrooted there (its mounts live in its own namespace)
    if find /proc -maxdepth 2 -name root -lname "$old*" 2>/dev/null | grep -q .; then echo "images: keeping $old (a lab still runs from it)"; continue; fi
    rm -rf --one-file-system "$old"
  done
  echo "images: FRR $FRR rootfs for the netns runtime: $ROOTFS_LINK -> $(basename "$ROOTFS_DIR")"
}

command -v docker >/dev/null || { echo "docker is not installed (make docker)" >&2; exit 1; }
docker info >/dev/null 2>&1 || { echo "dockerd does not answer (make docker starts it)" >&2; exit 1; }

if [ "${FORCE:-0}" != 1 ]; then
  have=$(docker image inspect --format '{{ index .Config.Labels "bgplab.inputs" }}' "$TAG" 2>/dev/null || true)
  if [ "$have" = "$HASH" ] && { [ "$KEEP_ROOTFS" != 1 ] || [ -e "$ROOTFS_DIR/.bgplab-complete" ]; }; then
    echo "images: $TAG is up to date (inputs $HASH)"
    exit 0
  fi
fi

t0=$(date +%s)
if [ "${FORCE:-0}" = 1 ] || [ ! -s "$TARBALL" ]; then
  command -v debootstrap >/dev/null || { echo "debootstrap is not installed: apt-get install -y debootstrap" >&2; exit 1; }
  mkdir -p "$CACHE_DIR"
  work=$(mktemp -d /var/tmp/bgplab-rootfs.XXXXXX)
  trap 'rm -rf --one-file-system "$work"' EXIT
  echo "images: debootstrap $SUITE into $work (packages: $PACKAGES)"
  # The inner script runs in its own mount namespace: its mounts never reach the host.
  unshare --mount --propagation private -- bash -euo pipefail -s "$work/root" "$SUITE" "$MIRROR" "$SECURITY_MIRROR" "$PACKAGES" "$HERE/entrypoint.sh" <<'INNER'
root=$1 suite=$2 mirror=$3 secmirror=$4 packages=$5 entry=$6
# The packages go in with apt, not debootstrap --include: bookworm's debootstrap (1.0.128)
# installs included packages in one dpkg call, and for trixie that fails on a pre-dependency
# (systemd pre-depends on libsystemd-shared, pulled in through frr -> logrotate -> cron),
# measured: "pre-dependency problem - not installing systemd". apt orders them correctly.
debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$root.debootstrap.log" 2>&1 || {
  tail -n 30 "$root.debootstrap.log" >&2; tail -n 30 "$root/debootstrap/debootstrap.log" >&2 2>/dev/null || true; exit 1; }
# Security and point-release updates (debootstrap installs only the base suite).
cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
deb $secmirror $suite-security main
EOF
# Never start services inside the chroot.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"; chmod +x "$root/usr/sbin/policy-rc.d"
mount -t proc proc "$root/proc"
cp /etc/resolv.conf "$root/etc/resolv.conf"
chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive bash -euo pipefail -c '
  apt-get update -qq
  apt-get -y -qq -o Dpkg::Options::=--force-confold upgrade
  apt-get -y -qq -o Dpkg::Options::=--force-confold install --no-install-recommends $(echo "$0" | tr , " ")
  apt-get clean
  rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/* /usr/share/info/* /var/cache/debconf/*-old
' "$packages" >"$root.apt.log" 2>&1 || { tail -n 30 "$root.apt.log" >&2; exit 1; }
umount "$root/proc"
rm -f "$root/usr/sbin/policy-rc.d" "$root/etc/resolv.conf"
: >"$root/etc/resolv.conf"
install -m 0755 "$entry" "$root/usr/lib/frr/bgplab-entrypoint.sh"
# the mount point of /run/bgplab for the netns runtime's chroot (see src/runtime/netns/rootfs.ts)
mkdir -p "$root/run/bgplab"
# A default daemons file so a container started without binds still runs zebra+bgpd.
sed -i -e 's/^bgpd=no/bgpd=yes/' "$root/etc/frr/daemons"
INNER
  echo "images: packing rootfs -> $TARBALL"
  tar -C "$work/root" --numeric-owner -czf "$TARBALL.tmp" .
  mv "$TARBALL.tmp" "$TARBALL"
  # Older tarballs of this image are dead weight.
  find "$CACHE_DIR" -maxdepth 1 -name "frr-rootfs-$SUITE-*.tar.gz" ! -name "$(basename "$TARBALL")" -delete
else
  echo "images: using cached rootfs $TARBALL"
fi

keep_rootfs
echo "images: docker import -> $TAG"
docker import \
  --change 'ENTRYPOINT ["/usr/lib/frr/bgplab-entrypoint.sh"]' \
  --change 'ENV PATH=/usr/lib/frr:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "LABEL bgplab.inputs=$HASH bgplab.flavour=offline-debian-$SUITE" \
  --message "bgplab FRR node ($SUITE, offline build)" \
  "$TARBALL" "$TAG" >/dev/null
# the previous build, now untagged, is dead weight
docker image prune -f --filter label=bgplab.inputs >/dev/null || true
frr_version=$(docker run --rm --network none --entrypoint /usr/lib/frr/zebra "$TAG" --version 2>/dev/null | head -n1 || true)
echo "images: built $TAG ($frr_version) in $(( $(date +%s) - t0 ))s"

#!/usr/bin/env bash
# Start dockerd in the background if no daemon answers (there is no systemd on these machines).
# Idempotent: does nothing when `docker info` already works.
#
# What this dockerd is allowed to change on the host, and nothing more:
#   --bridge=none                 no docker0 bridge, so no host interface, address or route
#   --iptables=false              no NAT/filter rules in the host's iptables
#   --ip-forward=false            leaves the host's net.ipv4.ip_forward alone
#   --ip-masq=false               (implied by the above; explicit for readers)
# bgplab's containers use network mode "none" plus veth links created inside their own
# network namespaces, so they need no Docker network at all.
# It writes only its own state: /var/lib/docker (images, containers), /var/run/docker*,
# /run/containerd (its managed containerd), and the log file below.
set -euo pipefail

LOG=${BGPLAB_DOCKERD_LOG:-/var/log/bgplab-dockerd.log}
WAIT_S=${BGPLAB_DOCKERD_WAIT:-60}

if docker info >/dev/null 2>&1; then
  echo "dockerd: already running ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))"
  exit 0
fi
command -v dockerd >/dev/null || { echo "dockerd is not installed: apt-get install -y docker.io (or: make docker)" >&2; exit 1; }

# overlay2 needs a filesystem that supports it under /var/lib/docker; vfs always works (slower, bigger).
driver=${BGPLAB_DOCKER_STORAGE:-}
if [ -z "$driver" ]; then
  if grep -qw overlay /proc/filesystems; then driver=overlay2; else driver=vfs; fi
fi

start() {
  echo "dockerd: starting (storage driver $1), log: $LOG"
  # setsid: the daemon must outlive the make/CI step that started it
  setsid dockerd \
    --bridge=none --iptables=false --ip-forward=false --ip-masq=false \
    --storage-driver="$1" \
    >>"$LOG" 2>&1 </dev/null &
  local pid=$!
  for _ in $(seq 1 "$WAIT_S"); do
    if docker info >/dev/null 2>&1; then echo "dockerd: up (pid $pid)"; return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then echo "dockerd: exited early (see $LOG)" >&2; return 1; fi
    sleep 1
  done
  echo "dockerd: no answer after ${WAIT_S}s (see $LOG)" >&2
  kill "$pid" 2>/dev/null || true
  return 1
}

if ! start "$driver"; then
  tail -n 20 "$LOG" >&2 || true
  if [ "$driver" != vfs ]; then
    echo "dockerd: retrying with the vfs storage driver" >&2
    start vfs || { tail -n 20 "$LOG" >&2; exit 1; }
  else
    exit 1
  fi
fi

#!/bin/sh
# bgplab node entrypoint (PID 1 of every FRR node container, both image flavours).
#
# Contract:
#  - /etc/frr is bound from the lab's artifacts (frr.conf, daemons, vtysh.conf); the bound
#    `daemons` file alone decides which daemons run (frrinit.sh / watchfrr read it).
#  - The fabric interfaces (eth1..) appear only after the container started (containerlab,
#    or bgplab's docker deployer, adds the veths afterwards). That is fine for FRR: zebra
#    learns interfaces from netlink as they come, and `neighbor ethN interface` sessions
#    start once ethN exists. So FRR is started at once; nothing waits for links.
#  - PID 1 stays alive even when FRR is stopped on purpose (bgplab's "stop routing" runs
#    `frrinit.sh stop` inside the container: the node, its namespace and links remain).
#  - SIGTERM (docker stop / containerlab destroy) stops FRR and exits 0 within a second.
set -u

FRRINIT=/usr/lib/frr/frrinit.sh

stop() {
  "$FRRINIT" stop >/dev/null 2>&1 || true
  exit 0
}
trap stop TERM INT

# Files FRR expects that a bind-only /etc/frr may lack.
[ -f /etc/frr/vtysh.conf ] || : >/etc/frr/vtysh.conf 2>/dev/null || true
for d in /var/run/frr /var/log/frr /var/tmp/frr; do
  mkdir -p "$d" && chown frr:frr "$d" 2>/dev/null || true
done

if [ "${BGPLAB_NO_FRR:-}" = "1" ]; then
  echo "bgplab-entrypoint: BGPLAB_NO_FRR=1, not starting FRR"
else
  "$FRRINIT" start || echo "bgplab-entrypoint: frrinit.sh start failed (exit $?); the container stays up for inspection" >&2
fi

# Keep PID 1 alive; `wait` returns at once on a signal so the trap runs promptly.
# (A shell as PID 1 also reaps the orphaned children daemons leave behind.)
while :; do
  sleep 3600 &
  wait $!
done

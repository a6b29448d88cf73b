#!/bin/sh
# bgplab node entrypoint (PID 1 of every FRR node container, both image flavours).
#
# Contract:
#  - /etc/frr is bound from the lab's artifacts (frr.conf, daemons, vtysh.conf); the bound
#    `daemons` file alone decides which daemons run (frrinit.sh / watchfrr read it).
#  - The fabric interfaces (eth1..) appear only after the container started (containerlab,
#    or bgplab's docker deployer, adds the veths afterwards). FRR is started once every
#    interface frr.conf peers on (`neighbor ethN interface`) exists and is up, or after
#    BGPLAB_LINK_WAIT seconds (default 30) whatever the links do. Why wait: measured with
#    FRR 8.4, a veth whose link-local address appeared while zebra was starting was
#    missing from zebra's view for good (the kernel had it; `show interface` did not), so
#    zebra sent no router advertisements there and the neighbor stayed "Waiting for Peer
#    IPv6 LLA" forever: 2 of ~20 deploys here. Starting after the links exist is what the netns
#    runtime does anyway. A node whose links never come still starts (just later).
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

# the interfaces frr.conf peers on; wait (bounded) until each exists and is up
wanted=$(sed -n 's/^[[:space:]]*neighbor[[:space:]][[:space:]]*\([^[:space:]][^[:space:]]*\)[[:space:]][[:space:]]*interface.*/\1/p' /etc/frr/frr.conf 2>/dev/null | sort -u)
limit=$(( ${BGPLAB_LINK_WAIT:-30} * 10 ))
i=0
while [ -n "$wanted" ] && [ $i -lt $limit ]; do
  missing=""
  for w in $wanted; do
    [ "$(cat "/sys/class/net/$w/operstate" 2>/dev/null)" = up ] || missing="$missing $w"
  done
  [ -z "$missing" ] && break
  sleep 0.1
  i=$((i + 1))
done
if [ -n "$wanted" ]; then
  if [ -z "${missing:-}" ]; then echo "bgplab-entrypoint: links up after $((i * 100)) ms:" $wanted
  else echo "bgplab-entrypoint: starting FRR without$missing (not up after ${BGPLAB_LINK_WAIT:-30} s)"; fi
fi

if [ "${BGPLAB_NO_FRR:-}" = "1" ]; then
  echo "bgplab-entrypoint: BGPLAB_NO_FRR=1, not starting FRR"
else
  "$FRRINIT" start || echo "bgplab-entrypoint: frrinit.sh start failed (exit $?); the container stays up for inspection" >&2
  # FRR >= 9 (mgmtd): apply the config once more after watchfrr has every daemon Up.
  # Measured with trixie's 10.3 on a loaded machine: in 4 of 4 deploys of the default lab
  # one node lost mgmtd's part of frr.conf (`interface lo` + its address, some interfaces'
  # RA settings) to the `vtysh -b` watchfrr runs while daemons are still connecting, so
  # that node never announced its loopback; a second `vtysh -b` restored it (1 of 1 by
  # hand; with this, 2 of 2 deploys converged). Re-applying the same config changes nothing
  # where the first pass worked.
  if [ -x /usr/lib/frr/mgmtd ]; then
    # Then check that the kernel has what mgmtd owns (the `interface lo` addresses) and apply
    # again until it does. Measured with two 10.3 labs starting at once on this 2-CPU machine
    # (8 lab deploys, 4 rounds of two): watchfrr restarted a daemon during start-up (staticd or
    # mgmtd itself), and then either mgmtd aborted in the second pass (mgmt_txn.c:2284
    # assertion txn->commit_cfg_req, crashlog in /var/tmp/frr/mgmtd.PID/) and came back
    # with no configuration, or it kept a CONFIG transaction open for good (`show mgmt
    # transaction all`) and `vtysh -b` hung: either way the node's loopback was gone. Restarting
    # mgmtd alone is not enough (zebra did not reconnect to the new mgmtd: `show mgmt
    # backend-adapter all` listed staticd only, and 7 more passes changed nothing). So each
    # pass is bounded, and a hung pass, or a second one that still leaves lo without its
    # addresses, restarts FRR as a whole (frrinit.sh stop + start) before the next pass.
    lo_addrs=$(awk '/^interface lo$/ { f = 1; next } /^[^ ]/ { f = 0 } f && ($1 == "ip" || $1 == "ipv6") && $2 == "address" { print $3 }' /etc/frr/frr.conf 2>/dev/null)
    # until watchfrr has every daemon Up and is not reading the configuration (30 s at most)
    wait_stable() {
      i=0
      while [ $i -lt 300 ]; do
        st=$(timeout 5 vtysh -c 'show watchfrr' 2>/dev/null) || st=""
        if [ -n "$st" ] && printf '%s\n' "$st" | grep -q 'Reading Configuration: no' && ! printf '%s\n' "$st" | grep -Eq '^ +[a-z0-9]+ +(Down|Init|Restarting|Unresponsive)'; then
          return 0
        fi
        sleep 0.1
        i=$((i + 1))
      done
    }
    pass=0
    restart=0
    while [ $pass -lt 8 ]; do
      wait_stable
      if [ $pass -gt 0 ]; then
        missing=""
        for a in $lo_addrs; do ip -o addr show dev lo | grep -q " $a " || missing="$missing $a"; done
        [ -z "$missing" ] && break
        echo "bgplab-entrypoint: lo lacks$missing after pass $pass" >&2
        if [ $restart = 1 ] || [ $pass -ge 2 ]; then
          echo "bgplab-entrypoint: restarting FRR, then applying the config again" >&2
          "$FRRINIT" stop >/dev/null 2>&1
          "$FRRINIT" start >/dev/null 2>&1
          restart=0
          wait_stable
        fi
      fi
      pass=$((pass + 1))
      if timeout 15 vtysh -b >/dev/null 2>&1; then
        echo "bgplab-entrypoint: config applied again (pass $pass, after $((i * 100)) ms; FRR with mgmtd)"
      else
        rc=$?
        echo "bgplab-entrypoint: vtysh -b pass $pass failed (exit $rc)" >&2
        [ $rc = 124 ] && restart=1
      fi
      sleep 0.5
    done
  fi
fi

# Keep PID 1 alive; `wait` returns at once on a signal so the trap runs promptly.
# (A shell as PID 1 also reaps the orphaned children daemons leave behind.)
while :; do
  sleep 3600 &
  wait $!
done

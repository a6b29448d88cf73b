#!/usr/bin/env bash
# Build clabverter (clabernetes' containerlab -> Kubernetes converter, cmd/clabverter) from its
# Go module, for the parity test of `bgplab generate --target clabernetes`
# (test/unit/clabernetes-clabverter.test.ts). Not installed system-wide: only the test runs it.
#
# Built like containerlab, as a throwaway module (images/go-throwaway-module.sh says why);
# the dependency versions are clabernetes' own go.mod's (MVS; v0.6.0 has no replace directives).
#
# Idempotent: does nothing when $OUT exists and reports that version. The Go module and build
# caches make a rebuild fast (measured on this 2-CPU machine: cold ~3-4 min, warm seconds).
set -euo pipefail

CLABVERTER_VERSION=${CLABVERTER_VERSION:-v0.6.0}
CACHE=${CACHE:-/var/cache/bgplab}
OUT=${OUT:-$CACHE/clabverter-$CLABVERTER_VERSION}
BUILD_DIR=${BUILD_DIR:-$CACHE/clabverter-build}
MODULE=github.com/srl-labs/clabernetes

want=${CLABVERTER_VERSION#v}
if [ -x "$OUT" ] && "$OUT" --version 2>/dev/null | grep -qF "$want"; then
  echo "clabverter: $want already built ($OUT)"
  exit 0
fi

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=images/go-throwaway-module.sh
. "$HERE/go-throwaway-module.sh"
t0=$(date +%s)
go_throwaway_module clabverter "$MODULE/cmd/clabverter@$CLABVERTER_VERSION" "$BUILD_DIR"
echo "clabverter: building (CGO_ENABLED=0)"
go build -trimpath -o clabverter \
  -ldflags "-s -w -X $MODULE/constants.Version=$want" \
  "$MODULE/cmd/clabverter"
mkdir -p "$(dirname "$OUT")"
install -m 0755 clabverter "$OUT"
echo "clabverter: built $OUT ($want) in $(( $(date +%s) - t0 ))s"

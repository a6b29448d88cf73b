#!/usr/bin/env bash
# Build containerlab from its Go module and install it as /usr/local/bin/containerlab.
#
# Built as a throwaway module (images/go-throwaway-module.sh says why `go install` is not used).
#
# Patches: images/containerlab-*.patch are applied to the module source before building
# (the binary then reports version "$CLAB_VERSION+bgplab"). Today one: containerlab fails
# every deploy on a kernel without loadable-module support (no /proc/modules:
# "Open /proc/modules: no such file or directory"), which is what these machines run.
#
# Idempotent: does nothing when the installed binary already reports that version.
# The Go module and build caches (~/go/pkg/mod, ~/.cache/go-build) make a rebuild fast,
# but nothing depends on them.
set -euo pipefail

CLAB_VERSION=${CLAB_VERSION:-v0.79.0}
PREFIX=${PREFIX:-/usr/local/bin}
BUILD_DIR=${BUILD_DIR:-/var/cache/bgplab/containerlab-build}

HERE=$(cd "$(dirname "$0")" && pwd)
patches=("$HERE"/containerlab-*.patch)
[ -e "${patches[0]}" ] || patches=()
# the version string says whether (and with which patches) it was built
pver=${CLAB_VERSION#v}
if [ ${#patches[@]} -gt 0 ]; then
  pver="$pver+bgplab.$(cat "${patches[@]}" | sha256sum | cut -c1-8)"
fi

have=$("$PREFIX/containerlab" version 2>/dev/null | sed -n 's/^ *version: *//p' || true)
if [ "$have" = "$pver" ]; then
  echo "containerlab: $pver already installed ($PREFIX/containerlab)"
  exit 0
fi

# shellcheck source=images/go-throwaway-module.sh
. "$HERE/go-throwaway-module.sh"
t0=$(date +%s)
go_throwaway_module containerlab "github.com/srl-labs/containerlab@$CLAB_VERSION" "$BUILD_DIR"
if [ ${#patches[@]} -gt 0 ]; then
  src=$(go list -m -f '{{.Dir}}' "github.com/srl-labs/containerlab")
  cp -r "$src" ./containerlab-src && chmod -R u+w ./containerlab-src
  for p in "${patches[@]}"; do
    echo "containerlab: applying $(basename "$p")"
    patch -d ./containerlab-src -p1 --forward --quiet <"$p"
  done
  go mod edit -replace github.com/srl-labs/containerlab=./containerlab-src
fi
echo "containerlab: building (CGO_ENABLED=0)"
ver=$pver
go build -trimpath -o containerlab \
  -ldflags "-s -w -X github.com/srl-labs/containerlab/cmd.Version=$ver -X github.com/srl-labs/containerlab/cmd.commit=$CLAB_VERSION -X github.com/srl-labs/containerlab/cmd.date=module-proxy-build" \
  github.com/srl-labs/containerlab
install -m 0755 containerlab "$PREFIX/containerlab"
echo "containerlab: installed $PREFIX/containerlab $pver in $(( $(date +%s) - t0 ))s"

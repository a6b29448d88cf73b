# Sourced by the install-*.sh scripts that build a Go program from its module.
#
# Why not `go install pkg@vX`: on these machines the Go module proxy serves a version itself
# (.info/.mod/.zip) but answers 403 to the module's version list (@v/list), and
# `go install pkg@version` reads that list to look for deprecations:
#   go: github.com/srl-labs/containerlab@v0.79.0: loading deprecation for github.com/srl-labs/containerlab:
#   module github.com/srl-labs/containerlab: reading https://proxy.golang.org/github.com/srl-labs/containerlab/@v/list: 403 Forbidden
# A throwaway main module that requires the exact version and builds the package needs no
# list, and gives the same dependency versions (the program's own go.mod, via MVS) as long
# as it has no replace directives.

# go_throwaway_module NAME PACKAGE@VERSION DIR: a fresh main module in DIR (the new working
# directory) requiring PACKAGE@VERSION, with CGO off; exits when Go is missing.
go_throwaway_module() {
  local name=$1 req=$2 dir=$3
  command -v go >/dev/null || [ -x /usr/local/go/bin/go ] || {
    echo "$name: Go is needed to build it (see the Go version in its go.mod)" >&2
    exit 1
  }
  export PATH=$PATH:/usr/local/go/bin
  export CGO_ENABLED=0 GOFLAGS=-buildvcs=false
  rm -rf "$dir" && mkdir -p "$dir" && cd "$dir"
  go mod init "bgplab.local/$name-build" >/dev/null 2>&1
  echo "$name: fetching $req and its dependencies"
  go get "$req"
}

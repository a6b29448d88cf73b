# bgplab — every install step lives here, so a fresh machine (and CI) needs nothing by hand.
SHELL := /bin/bash
.DEFAULT_GOAL := help
APT_PACKAGES := frr iproute2 iputils-ping traceroute
# netns runtime: packet loss through nftables where the kernel has no sch_netem
APT_PACKAGES += nftables
# workshop: bgplab capture (tcpdump in the node), the graph tests (headless chromium renders
# the SVG; graphviz's dot parses the dot output)
APT_PACKAGES += tcpdump chromium graphviz
export DEBIAN_FRONTEND := noninteractive

help:
	@echo "make up     install what is missing, build, and bring the default lab up (bgplab up)"
	@echo "make down   take the default lab down"
	@echo "make test   install what is missing, build, run unit and live tests (needs root)"
	@echo "make bench  benchmarks (needs root): up/down times, memory, CPU, failover outage, scale; bench/results/"
	@echo "make bench-quick  the default lab only, 3 runs (about a minute)"
	@echo "make bench-class  a class: 10 default labs at once, then 30 after bgplab host tune (always reverted)"
	@echo "make docker        install docker.io and start dockerd (no systemd needed; idempotent)"
	@echo "make images        build the FRR node images bgplab/frr:latest (8.4) and bgplab/frr:10 offline (debootstrap + docker import; cached)"
	@echo "make containerlab  build containerlab $(CLAB_VERSION) from its Go module into /usr/local/bin (cached)"
	@echo "make test-clab     the default lab on containerlab: bgplab test --runtime clab"
	@echo "make clabverter    build clabernetes' clabverter $(CLABVERTER_VERSION) (Go module) for the parity test (cached)"
	@echo "make bench-generate  time generating the clabernetes resources of a 2,000-node fabric (no root)"

# --- installs ---------------------------------------------------------------
.stamp-apt: Makefile
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; fi
	@touch $@

node_modules/.stamp: package.json package-lock.json
	npm ci --no-fund --no-audit --loglevel=error
	@touch $@

setup: .stamp-apt node_modules/.stamp

build: node_modules/.stamp
	npx tsc -p tsconfig.json

# --- run --------------------------------------------------------------------
up: setup build
	node dist/cli.js up $(LAB)

down: build
	node dist/cli.js down $(LAB)

generate: build
	node dist/cli.js generate $(LAB)

# --- containers: Docker, the node image, containerlab (the clab runtime) ----
CLAB_VERSION ?= v0.79.0

# docker.io from Debian; dockerd started by hand (no systemd), with no bridge, no iptables
# rules and no ip_forward change on the host (see images/start-dockerd.sh).
docker:
	@dpkg -s docker.io >/dev/null 2>&1 || { echo "installing: docker.io"; apt-get update -qq && apt-get install -y -qq --no-install-recommends docker.io; }
	@bash images/start-dockerd.sh

# No registry is reachable: debootstrap Debian + its frr, then docker import. Skipped when
# the image's inputs are unchanged; the rootfs tarball is cached in /var/cache/bgplab/.
# Two images: bgplab/frr:latest (bookworm, FRR 8.4) and bgplab/frr:10 (trixie, FRR 10.3;
# its rootfs also unpacked in /var/cache/bgplab/frr10-rootfs for the netns runtime).
# Measured cold here: 111 s for the trixie one.
images: docker
	@dpkg -s debootstrap >/dev/null 2>&1 || { echo "installing: debootstrap"; apt-get update -qq && apt-get install -y -qq --no-install-recommends debootstrap; }
	@bash images/build-offline.sh
	@FRR=10 bash images/build-offline.sh

# containerlab from the Go module proxy (go install itself is refused, see the script).
containerlab:
	@command -v patch >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends patch; }
	@CLAB_VERSION=$(CLAB_VERSION) bash images/install-containerlab.sh

clab-setup: docker images containerlab

# clabverter (clabernetes' converter) for test/unit/clabernetes-clabverter.test.ts: built like
# containerlab; ~4 min cold on 2 CPUs, nothing when the cached binary has the version.
CLABVERTER_VERSION ?= v0.6.0
CLABVERTER := /var/cache/bgplab/clabverter-$(CLABVERTER_VERSION)
clabverter:
	@CLABVERTER_VERSION=$(CLABVERTER_VERSION) OUT=$(CLABVERTER) bash images/install-clabverter.sh

test-clab: setup build clab-setup
	node dist/cli.js test --runtime clab $(LAB)

# --- tests ------------------------------------------------------------------
test: setup build clab-setup clabverter
	npx tsc -p tsconfig.test.json
	CLABVERTER=$(CLABVERTER) npx vitest run
	# the default lab on real containerlab, every check, then destroy
	node dist/cli.js test --runtime clab
	# the default lab on FRR 10 (trixie's 10.3) on netns, every check (~1.5 min here); FRR 10 on
	# containerlab is covered by the Runtime contract (test/live/frr10-contract.test.ts)
	node dist/cli.js test --frr 10 --runtime netns

unit: node_modules/.stamp
	npx vitest run test/unit

.PHONY: help setup build up down generate test unit docker images containerlab clab-setup test-clab clabverter

# --- benchmarks -------------------------------------------------------------
# Needs root. Writes bench/results/latest.{json,md} (quick: quick-latest.*) and prints the table.
# Options: make bench BENCH_ARGS="--max-nodes 600 --clab off" (node dist/bench/main.js --help)
bench: setup build
	node dist/bench/main.js $(BENCH_ARGS)

bench-quick: setup build
	node dist/bench/main.js --quick $(BENCH_ARGS)

# Generation time of the clabernetes resources (no root, brings nothing up): bench/results/generate-latest.*
bench-generate: build
	node dist/bench/generate.js $(BENCH_ARGS)

# A workshop on one machine: N default labs at once, each its own `bgplab up --name` process.
# 10 on the untuned host, then 30 after `bgplab host tune` (reverted at the end, even on failure).
# bench/results/class-<N>.{json,md}. CLASS_ARGS="--prefix st" names the labs st1..stN.
bench-class: setup build
	node dist/bench/class.js --labs 10 $(CLASS_ARGS)
	node dist/bench/class.js --labs 30 --tune $(CLASS_ARGS)

.PHONY: bench bench-quick bench-generate bench-class

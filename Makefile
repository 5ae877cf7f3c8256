# netmod: the two commands a fresh Debian machine needs.
#   make test   install packages, build, run every test (ctest)
#   make demo   arrives with the demo issue; see README.md
# Other targets: deps, build, bench, clean.

BUILD ?= build
JOBS ?= $(shell nproc)

# Every Debian package the project needs: build, tests and benchmarks.
DEBS := cmake g++ make pkg-config \
        nlohmann-json3-dev libcli11-dev libsqlite3-dev libmnl-dev libnftables-dev \
        libgtest-dev libgmock-dev libbenchmark-dev \
        iproute2 nftables util-linux procps iputils-ping netcat-openbsd jq iperf3 sqlite3 \
        containernetworking-plugins hyperfine podman runc busybox-static

.PHONY: deps build test bench demo clean

deps:
	@missing=""; \
	for p in $(DEBS); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "make deps: run as root to install:$$missing" >&2; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD) -j$(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j2

bench: build
	bench/run.sh $(BUILD)

demo:
	@echo "make demo: the demo (star probes on a simulated two-agent cluster) arrives with its own issue."
	@echo "Until then, 'make test' builds netmod and runs every test; README.md shows the CLI."
	@exit 1

clean:
	rm -rf $(BUILD)

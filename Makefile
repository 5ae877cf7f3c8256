# netmod: the two commands a fresh Debian machine needs.
#   make test   install packages, build (default and Release), run every test
#   make demo   the seed's star demo on a simulated two-agent cluster (as root)
# Other targets: deps, build, build-release, install, uninstall, fuzz,
# bench, clean.

BUILD ?= build
BUILD_RELEASE ?= build-release
JOBS ?= $(shell nproc)

# Where `make install` puts things (DESTDIR prefixes all of them).
PREFIX ?= /usr/local
SYSCONFDIR ?= /etc
SYSTEMDDIR ?= /lib/systemd/system
# The CNI plugin directory: Debian's runtimes look in /usr/lib/cni, most
# others in /opt/cni/bin.
CNI_BIN_DIR ?= $(if $(wildcard /usr/lib/cni),/usr/lib/cni,/opt/cni/bin)

# How long `make fuzz` runs each fuzz target, in seconds.
FUZZ_SECONDS ?= 60

# Every Debian package the project needs: build, tests and benchmarks.
DEBS := cmake g++ make pkg-config \
        nlohmann-json3-dev libcli11-dev libsqlite3-dev libmnl-dev libnftables-dev \
        libgtest-dev libgmock-dev libbenchmark-dev libcurl4-openssl-dev \
        iproute2 nftables iptables util-linux procps iputils-ping netcat-openbsd jq curl iperf3 sqlite3 \
        containernetworking-plugins hyperfine bc podman runc busybox-static \
        etcd-server etcd-client openssl bind9-dnsutils chromium

# What `make fuzz` needs besides: clang and its libFuzzer runtime.
FUZZ_DEBS := clang libclang-rt-14-dev

# The project's own builds treat warnings as errors; a packager's plain
# cmake build does not (NETMOD_WERROR is off by default).
CMAKE_FLAGS := -DNETMOD_WERROR=ON

.PHONY: deps fuzz-deps install-debs build build-release test install install-files uninstall fuzz bench demo clean

deps:
	@$(MAKE) -s install-debs PACKAGES="$(DEBS)"

fuzz-deps:
	@$(MAKE) -s install-debs PACKAGES="$(DEBS) $(FUZZ_DEBS)"

# Installs the Debian packages PACKAGES that are missing (idempotent).
install-debs:
	@missing=""; \
	for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "make deps: run as root to install:$$missing" >&2; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j$(JOBS)

# What a packager builds: optimised, no debug information. Built and its
# unit tests run by `make test`, so a warning that only -O3 shows fails CI.
build-release: deps
	cmake -S . -B $(BUILD_RELEASE) -DCMAKE_BUILD_TYPE=Release -DNETMOD_BENCH=OFF $(CMAKE_FLAGS)
	cmake --build $(BUILD_RELEASE) -j$(JOBS)

test: build build-release
	cd $(BUILD_RELEASE) && ctest --output-on-failure -j$(JOBS) -L unit
	cd $(BUILD) && ctest --output-on-failure -j2

install: build install-files

# Installs what $(BUILD) holds, without building (tests use it with a
# scratch DESTDIR).
install-files:
	@test -x $(BUILD)/netmod || { echo "make install: no $(BUILD)/netmod; run make build first" >&2; exit 1; }
	install -D -m 0755 $(BUILD)/netmod $(DESTDIR)$(PREFIX)/bin/netmod
	install -d $(DESTDIR)$(CNI_BIN_DIR)
	ln -sfn $(PREFIX)/bin/netmod $(DESTDIR)$(CNI_BIN_DIR)/netmod
	install -D -m 0644 etc/netmod.conf.example $(DESTDIR)$(SYSCONFDIR)/netmod/netmod.conf.example
	install -d $(DESTDIR)$(SYSTEMDDIR)
	sed 's|@PREFIX@|$(PREFIX)|g' etc/netmod-agent.service > $(DESTDIR)$(SYSTEMDDIR)/netmod-agent.service
	chmod 0644 $(DESTDIR)$(SYSTEMDDIR)/netmod-agent.service

# Removes exactly what install-files put there (the CNI link only if it
# still points at this installation); a netmod.conf of the user's stays.
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/netmod
	if [ "$$(readlink $(DESTDIR)$(CNI_BIN_DIR)/netmod 2>/dev/null)" = "$(PREFIX)/bin/netmod" ]; then \
	  rm -f $(DESTDIR)$(CNI_BIN_DIR)/netmod; fi
	rm -f $(DESTDIR)$(SYSCONFDIR)/netmod/netmod.conf.example
	rm -f $(DESTDIR)$(SYSTEMDDIR)/netmod-agent.service
	-rmdir $(DESTDIR)$(SYSCONFDIR)/netmod 2>/dev/null

fuzz: fuzz-deps
	bash fuzz/run.sh $(FUZZ_SECONDS)

bench: build
	bench/run.sh $(BUILD)

# The seed's demo on two simulated agents (demo/demo.sh; as root).
# ARGS=--keep keeps the last scenario running until Ctrl-C.
ARGS ?=
demo: build
	demo/demo.sh --netmod $(BUILD)/netmod $(ARGS)

clean:
	rm -rf $(BUILD) $(BUILD_RELEASE) build-fuzz

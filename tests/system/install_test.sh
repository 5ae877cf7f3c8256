#!/usr/bin/env bash
# `make install` and `make uninstall` in a scratch DESTDIR: the binary, the
# CNI link, the example config, the agent's systemd unit; uninstall removes exactly those.
set -uo pipefail
SRC=$1 BUILD=$2
dest=$(mktemp -d /tmp/netmod-install-XXXXXX)
trap 'rm -rf "$dest"' EXIT
fails=0
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then echo "ok   - $what"; else echo "FAIL - $what"; fails=$((fails + 1)); fi; }

vars=(BUILD="$BUILD" DESTDIR="$dest" PREFIX=/usr CNI_BIN_DIR=/opt/cni/bin SYSCONFDIR=/etc)
check "make install-files" make -s -C "$SRC" install-files "${vars[@]}"
check "the binary is installed and runs" "$dest/usr/bin/netmod" version
check "the CNI bin dir has a link to it" test "$(readlink "$dest/opt/cni/bin/netmod")" = /usr/bin/netmod
check "an example config is installed" jq -e .datastore "$dest/etc/netmod/netmod.conf.example"
check "the agent's systemd unit is installed, naming the binary" \
  grep -qx "ExecStart=/usr/bin/netmod agent" "$dest/lib/systemd/system/netmod-agent.service"

# A config of the user's survives uninstall.
echo '{}' > "$dest/etc/netmod/netmod.conf"
check "make uninstall" make -s -C "$SRC" uninstall "${vars[@]}"
check "uninstall leaves the user's config" test -f "$dest/etc/netmod/netmod.conf"
rm "$dest/etc/netmod/netmod.conf"
check "uninstall leaves nothing else" test -z "$(find "$dest" -type f -o -type l)"

# A CNI link that is not ours is left alone.
mkdir -p "$dest/opt/cni/bin" && ln -s /somewhere/else "$dest/opt/cni/bin/netmod"
make -s -C "$SRC" uninstall "${vars[@]}" >/dev/null 2>&1
check "uninstall keeps a CNI link it did not make" test -L "$dest/opt/cni/bin/netmod"
[ "$fails" = 0 ]

#!/usr/bin/env bash
# Podman (Debian's, CNI network backend) running containers on netmod
# networks: each container gets its own address, containers in the same
# netgroup reach each other, different netgroups do not, and `podman rm`
# leaves nothing behind. Podman itself runs inside the simulated host's
# namespace (so the CNI plugin's "host" is that namespace, never the
# machine's), with its storage, config and CNI dirs in this test's work
# dir; the containers' root filesystem is Debian's busybox-static.
. "$(dirname "$0")/lib.sh"

for tool in podman runc; do
  command -v "$tool" >/dev/null || { echo "skipped: $tool is not installed"; exit 77; }
done
BUSYBOX=$(command -v busybox) || { echo "skipped: busybox is not installed"; exit 77; }

add_host hP 198.18.0.1
PM="$WORK/podman"
mkdir -p "$PM/bin" "$PM/net.d" "$PM/rootfs/bin"
ln -s "$NETMOD" "$PM/bin/netmod"
cp "$BUSYBOX" "$PM/rootfs/bin/busybox"
for g in g1:77 g2:78; do
  printf '{"cniVersion": "1.0.0", "name": "nm-%s", "plugins": [{"type": "netmod", "netgroups": ["%s"], "datastore": {"path": "%s/store.db"}, "hostname": "hP", "ipam": {"type": "netmod", "ipv4_pools": ["10.%s.0.0/16"]}}]}\n' \
    "${g%:*}" "${g%:*}" "$WORK" "${g#*:}" > "$PM/net.d/nm-${g%:*}.conflist"
done
# runc with cgroupfs and explicit limits: what works in a machine whose
# cgroups are in hybrid mode (crun refuses it) and whose limits may not be
# raised.
cat > "$PM/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[network]
network_backend = "cni"
cni_plugin_dirs = ["$PM/bin"]
network_config_dir = "$PM/net.d"
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
EOF
# nsenter, not `ip netns exec`: that remounts /sys, and runc needs the
# machine's cgroup mounts under it.
podman_on() {
  CONTAINERS_CONF="$PM/containers.conf" nsenter --net="/run/netns/${HOST_NS[hP]}" \
    podman --root "$PM/storage" --runroot "$PM/run" "$@"
}
remove_containers() { podman_on rm -f -t 0 c1 c2 c3 c4 >/dev/null 2>&1; }
trap 'remove_containers; teardown' EXIT

run_container() {  # NAME NETWORK
  podman_on run -d --name "$1" --network "$2" --rootfs "$PM/rootfs" /bin/busybox sleep 600 >/dev/null
}
address_of() { podman_on exec "$1" /bin/busybox ip -4 -o addr show dev "${2:-eth0}" | awk '{print $4}' | cut -d/ -f1; }

check "podman runs c1 on netgroup g1" run_container c1 nm-g1
check "podman runs c2 on netgroup g1" run_container c2 nm-g1
check "podman runs c3 on netgroup g2" run_container c3 nm-g2
A1=$(address_of c1); A2=$(address_of c2); A3=$(address_of c3)
echo "# c1=$A1 c2=$A2 c3=$A3"
check "each container has its own address from its network's pool" bash -c \
  "[[ '$A1' == 10.77.* && '$A2' == 10.77.* && '$A3' == 10.78.* ]] && [ \$(printf '%s\n' $A1 $A2 $A3 | sort -u | wc -l) = 3 ]"
check "c1 reaches c2 (same netgroup)" podman_on exec c1 /bin/busybox ping -c1 -W1 "$A2"
check "c2 reaches c1 (same netgroup)" podman_on exec c2 /bin/busybox ping -c1 -W1 "$A1"
check_not "c1 cannot reach c3 (other netgroup)" podman_on exec c1 /bin/busybox ping -c1 -W1 "$A3"
check_not "c3 cannot reach c2 (other netgroup)" podman_on exec c3 /bin/busybox ping -c1 -W1 "$A2"
check "netmod lists the three endpoints" bash -c \
  "[ \$(ip netns exec ${HOST_NS[hP]} $NETMOD --config $WORK/hP.conf endpoints --json | jq length) = 3 ]"

# One container on both networks (podman run --network a,b): the first
# attachment (Podman picks the order and the names eth0, eth1) keeps the
# default route, the second routes to its own network's pool.
check "podman runs c4 on nm-g1 and nm-g2" run_container c4 nm-g1,nm-g2
addrs4=$(podman_on exec c4 /bin/busybox ip -4 -o addr show | awk '{print $4}' | cut -d/ -f1)
A4=$(echo "$addrs4" | grep '^10\.77\.'); B4=$(echo "$addrs4" | grep '^10\.78\.')
echo "# c4: g1=$A4 g2=$B4"
check "c4 has an address of each network" bash -c "[[ '$A4' == 10.77.* && '$B4' == 10.78.* ]]"
check "c4 reaches c1 (g1)" podman_on exec c4 /bin/busybox ping -c1 -W1 "$A1"
check "c4 reaches c3 (g2)" podman_on exec c4 /bin/busybox ping -c1 -W1 "$A3"
check "c1 reaches c4 on g1" podman_on exec c1 /bin/busybox ping -c1 -W1 "$A4"
check "c3 reaches c4 on g2" podman_on exec c3 /bin/busybox ping -c1 -W1 "$B4"
check_not "c3 cannot reach c4's g1 address" podman_on exec c3 /bin/busybox ping -c1 -W1 "$A4"
check "podman network disconnect c4 from nm-g2" podman_on network disconnect nm-g2 c4
check "c4 still reaches c1 after leaving nm-g2" podman_on exec c4 /bin/busybox ping -c1 -W1 "$A1"
check "c1 still reaches c4 after it left nm-g2" podman_on exec c1 /bin/busybox ping -c1 -W1 "$A4"
check_not "c3 no longer reaches c4" podman_on exec c3 /bin/busybox ping -c1 -W1 "$B4"

check "podman rm removes the containers" podman_on rm -f -t 0 c1 c2 c3 c4
check "nothing is left on the host once the background deletion is done" eventually nothing_left hP
check "no endpoint record is left" bash -c \
  "[ \$(ip netns exec ${HOST_NS[hP]} $NETMOD --config $WORK/hP.conf endpoints --json | jq length) = 0 ]"
check "no address is left allocated" eventually bash -c \
  "! ip netns exec ${HOST_NS[hP]} $NETMOD --config $WORK/hP.conf ipam show --json | jq -e '.[] | select(.address | startswith(\"10.77.\") or startswith(\"10.78.\"))'"

finish

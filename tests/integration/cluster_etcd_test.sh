#!/usr/bin/env bash
# The cluster on a real etcd (Debian's etcd-server) this test starts in
# the fabric namespace: hosts allocating at once from one pool, agents
# following etcd, and etcd going away and coming back (DESIGN.md,
# "Cluster"). Everything lives in namespaces this test makes.
. "$(dirname "$0")/lib.sh"

declare -A AGENT_PID=()
ETCD_PID=""
ETCD_DIR=$(mktemp -d /dev/shm/netmod-etcd-XXXXXX)
stop_agents() { for p in "${AGENT_PID[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; AGENT_PID=(); }
stop_etcd() { [ -n "$ETCD_PID" ] && kill -9 "$ETCD_PID" 2>/dev/null && wait "$ETCD_PID" 2>/dev/null; ETCD_PID=""; }
trap 'stop_agents; stop_etcd; [ -n "${KEEP_LOGS:-}" ] && cp "$WORK"/agent-*.log "$KEEP_LOGS"/; rm -rf "$ETCD_DIR"; teardown' EXIT

FABRIC="${RUN_ID}-fabric"
ip netns add "$FABRIC"
ip -n "$FABRIC" link set lo up
ip -n "$FABRIC" link add br0 type bridge
ip -n "$FABRIC" link set br0 up
ip -n "$FABRIC" addr add 192.168.78.100/24 dev br0
ENDPOINT=http://192.168.78.100:2379
start_etcd() {
  ip netns exec "$FABRIC" etcd --name e --data-dir "$ETCD_DIR/data" \
    --listen-client-urls "$ENDPOINT" --advertise-client-urls "$ENDPOINT" \
    --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster e=http://127.0.0.1:2380 --max-txn-ops 10000 \
    --logger zap --log-outputs "$ETCD_DIR/etcd.log" --log-level error >/dev/null 2>&1 &
  ETCD_PID=$!
  eventually ip netns exec "$FABRIC" curl -sf "$ENDPOINT/health" >/dev/null
}
start_etcd || { fail "etcd starts"; finish; exit 1; }

store="{\"type\": \"etcd\", \"endpoints\": [\"$ENDPOINT\"], \"prefix\": \"/$RUN_ID\", \"timeout_ms\": 1000}"
for i in 1 2 3; do
  h=h$i
  add_host $h 198.18.1.$i
  ip -n "$FABRIC" link add f$i type veth peer name fab0 netns "${HOST_NS[$h]}"
  ip -n "$FABRIC" link set f$i master br0 up
  on_host $h ip link set fab0 up
  on_host $h ip addr add 192.168.78.$i/24 dev fab0
  on_host $h ip addr add fd78::$i/64 dev fab0 nodad
  jq -c ".datastore = $store | .agent = {fabric_address: [\"192.168.78.$i\", \"fd78::$i\"], lease_ttl_seconds: 3,
         resync_seconds: 2, metrics_address: \"127.0.0.1:9099\"}" "$WORK/$h.conf" > "$WORK/$h.conf.new"
  mv "$WORK/$h.conf.new" "$WORK/$h.conf"
done

# Three hosts allocating at once from one pool: never a duplicate.
allocators=()
for i in 1 2 3; do
  (for n in $(seq 15); do
     echo "{\"command\": \"allocate\", \"args\": {\"hostname\": \"h$i\", \"uid\": \"load-$i-$n\", \"num_ipv4\": 1, \"num_ipv6\": 1}}" |
       netmod_on h$i netmodules
     echo
   done > "$WORK/alloc-$i") &
  allocators+=($!)
done
wait "${allocators[@]}"
all=$(cat "$WORK"/alloc-* | jq -r 'select(.error == null) | .ipv4[], .ipv6[]')
check "45 concurrent allocations from three hosts all succeeded" test "$(cat "$WORK"/alloc-* | jq -s '[.[] | select(.error == null)] | length')" = 45
check "... and no address was given twice" test "$(echo "$all" | sort | uniq -d | wc -l)" = 0
check "... 90 addresses in all" test "$(echo "$all" | sort -u | wc -l)" = 90
for i in 1 2 3; do
  for n in $(seq 15); do
    echo "{\"command\": \"release\", \"args\": {\"uid\": \"load-$i-$n\"}}" | netmod_on h$i netmodules >/dev/null
  done
done

start_agent() {
  ip netns exec "${HOST_NS[$1]}" "$NETMOD" --config "$WORK/$1.conf" agent 2>>"$WORK/agent-$1.log" &
  AGENT_PID[$1]=$!
}
healthy() { on_host "$1" curl -sf http://127.0.0.1:9099/healthz >/dev/null; }
for i in 1 2; do start_agent h$i; done
for i in 1 2; do check "agent on h$i is healthy on etcd" eventually healthy h$i; done
add_task h1 a1 g1
add_task h2 a2 g1
add_task h2 b2 g2
check "a1 (h1) pings a2 (h2) over etcd" eventually pings a1 "${ADDR4[a2]}"
check "a2 <-> a1 TCP over IPv6" eventually tcp a2 a1 "${ADDR6[a1]}"
check_not "a1 cannot ping b2" pings a1 "${ADDR4[b2]}"
check "the keys live under the configured prefix" bash -c \
  "ip netns exec $FABRIC curl -sf -X POST $ENDPOINT/v3/kv/range -d '{\"key\": \"$(echo -n /$RUN_ID/v1/agents/h1 | base64)\"}' | jq -e '.count == \"1\"'"

# Keys under the prefix written by something else: logged, counted,
# skipped; never a crash, never a stop.
put() { ip netns exec "$FABRIC" curl -sf -X POST "$ENDPOINT/v3/kv/put" \
          -d "{\"key\": \"$(echo -n "$1" | base64 -w0)\", \"value\": \"$(echo -n "$2" | base64 -w0)\"}" >/dev/null; }
put "/$RUN_ID/v1/endpoints/h9/junk" "not json"
put "/$RUN_ID/v1/fabric/h8" '{"addresses": 5}'
put "/$RUN_ID/v1/agents/h7" '["wrong", "shape"]'
skipped() { on_host h1 curl -sf http://127.0.0.1:9099/metrics | grep -qE '^netmod_skipped_records_total\{host="h1"\} [2-9]'; }
check "the agent counts the foreign records it skipped" eventually skipped
check "... and logs them, naming the keys" eventually grep -q "v1/endpoints/h9/junk" "$WORK/agent-h1.log"
check "... and lives on, healthy" healthy h1
check "a1 still pings a2 with foreign records about" pings a1 "${ADDR4[a2]}"
check "netmod hosts still lists the cluster" bash -c "ip netns exec ${HOST_NS[h1]} $NETMOD --config $WORK/h1.conf hosts --json | jq -e 'length >= 2'"

# etcd goes away: tasks keep working; a new ADD fails cleanly with code 11
# within its bounded time, leaving nothing behind; the agents live on.
stop_etcd
check "a1 still pings a2 with etcd gone" pings a1 "${ADDR4[a2]}"
cni_conf="{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"type\": \"netmod\", \"netgroups\": [\"g1\"], \"datastore\": $store, \"hostname\": \"h1\"}"
sandbox c1
links_before=$(on_host h1 ip -o link show | wc -l)
start=$(date +%s%N)
out=$(echo "$cni_conf" | ip netns exec "${HOST_NS[h1]}" env CNI_COMMAND=ADD CNI_CONTAINERID=c1 CNI_IFNAME=eth0 \
      CNI_NETNS="$(ns c1)" CNI_PATH=/usr/lib/cni "$NETMOD"); rc=$?
took=$(( ($(date +%s%N) - start) / 1000000 ))
check "CNI ADD with etcd gone fails" test "$rc" != 0
check "... with CNI code 11 (try again later)" test "$(echo "$out" | jq .code)" = 11
check "... naming etcd" grep -q "etcd unreachable" <<<"$out"
check "... within 5 s (took $took ms)" test "$took" -lt 5000
check "... leaving no interface on the host" test "$(on_host h1 ip -o link show | wc -l)" = "$links_before"
check_not "... and none in the task's namespace" in_ns c1 ip link show eth0
sleep 1
check "h1's agent lives on with etcd gone" kill -0 "${AGENT_PID[h1]}"
start_etcd
out=$(echo "$cni_conf" | ip netns exec "${HOST_NS[h1]}" env CNI_COMMAND=ADD CNI_CONTAINERID=c1 CNI_IFNAME=eth0 \
      CNI_NETNS="$(ns c1)" CNI_PATH=/usr/lib/cni "$NETMOD"); rc=$?
check "CNI ADD works again once etcd is back" test "$rc" = 0
c1_addr=$(echo "$out" | jq -r '.ips[0].address' | cut -d/ -f1)
check "a2 (h2) pings the new task on h1" eventually bash -c "nsenter -t ${TASK_PID[a2]} -n ping -c1 -W1 $c1_addr"
check "h1's agent is healthy again" eventually healthy h1

stop_agents
finish

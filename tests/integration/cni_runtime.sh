# A CNI runtime in bash, for the integration tests: calls plugins exactly
# as libcni (the CNI project's own runtime library, which Podman, containerd
# and cnitool use) does for a network config list:
#  - ADD runs the plugins in order; each gets the list's "name" and
#    "cniVersion", the previous plugin's result as "prevResult", and the
#    runtime config ("runtimeConfig") for the capabilities it declares; the
#    last result is the attachment's, and is cached.
#  - CHECK runs them in order, DEL in reverse order, each with the cached
#    result as "prevResult" (DEL without one when nothing is cached).
#  - GC (1.1.0) gives each plugin "cni.dev/valid-attachments"; STATUS
#    gives each its config.
# Plugins run in the simulated host's namespace (CNIRT_HOST_NS), found in
# CNIRT_PATH (":"-separated).
#   cnirt ADD|CHECK|DEL CONFLIST CONTAINER_ID NETNS_PATH IFNAME [RUNTIME_CONFIG_JSON]
#   cnirt GC CONFLIST VALID_ATTACHMENTS_JSON
# Prints the last plugin's answer; the exit code is the first failure's.

CNIRT_CACHE=${CNIRT_CACHE:-$WORK/cni-cache}
mkdir -p "$CNIRT_CACHE"

# cnirt_on HOST [EXTRA_PATH]: plugins run on HOST (a host of lib.sh's
# add_host), found in a directory holding netmod, then EXTRA_PATH.
cnirt_on() {
  CNIRT_HOST_NS=${HOST_NS[$1]}
  mkdir -p "$WORK/cnibin"; ln -sf "$NETMOD" "$WORK/cnibin/netmod"
  CNIRT_PATH="$WORK/cnibin${2:+:$2}"
}

cnirt_plugin_conf() {  # LIST INDEX PREV RUNTIME_CONFIG EXTRA
  local prev=${3:-null} rc=${4:-} extra=${5:-}
  [ -n "$rc" ] || rc='{}'
  [ -n "$extra" ] || extra='{}'
  jq -c --argjson i "$2" --argjson prev "$prev" --argjson rc "$rc" --argjson extra "$extra" '
    .plugins[$i] as $p
    | $p + {name: .name, cniVersion: .cniVersion}
    | if $prev != null then . + {prevResult: $prev} else . end
    | (($p.capabilities // {}) | to_entries | map(select(.value) | .key)) as $caps
    | ($rc | with_entries(select(.key as $k | $caps | index($k)))) as $given
    | if ($given | length) > 0 then . + {runtimeConfig: $given} else . end
    | del(.capabilities) + $extra' "$1"
}

cnirt_exec() {  # COMMAND CONF CONTAINER NETNS IFNAME
  local type; type=$(echo "$2" | jq -r .type)
  local bin=""; local d
  IFS=: read -ra dirs <<< "$CNIRT_PATH"
  for d in "${dirs[@]}"; do [ -x "$d/$type" ] && { bin="$d/$type"; break; }; done
  [ -n "$bin" ] || { echo "{\"code\": 99, \"msg\": \"plugin $type not found\"}"; return 1; }
  local env=(CNI_COMMAND="$1" CNI_PATH="$CNIRT_PATH")
  [ -n "${NETMOD_CONFIG:-}" ] && env+=(NETMOD_CONFIG="$NETMOD_CONFIG")
  [ -n "${3:-}" ] && env+=(CNI_CONTAINERID="$3")
  [ -n "${4:-}" ] && env+=(CNI_NETNS="$4")
  [ -n "${5:-}" ] && env+=(CNI_IFNAME="$5")
  echo "$2" | ip netns exec "$CNIRT_HOST_NS" env -i PATH="$PATH" "${env[@]}" "$bin"
}

cnirt() {
  local cmd=$1 list=$2
  local n; n=$(jq '.plugins | length' "$list")
  local net; net=$(jq -r .name "$list")
  if [ "$cmd" = GC ]; then
    local i out rc=0
    for ((i = 0; i < n; i++)); do
      out=$(cnirt_exec GC "$(cnirt_plugin_conf "$list" "$i" null '{}' "{\"cni.dev/valid-attachments\": $3}")") || { rc=$?; echo "$out"; return $rc; }
    done
    return 0
  fi
  local cid=$3 netns=$4 ifname=$5 rc_json=${6:-'{}'}
  local cache="$CNIRT_CACHE/$net-$cid-$ifname.json"
  local i out prev="null"
  case "$cmd" in
    ADD)
      for ((i = 0; i < n; i++)); do
        out=$(cnirt_exec ADD "$(cnirt_plugin_conf "$list" "$i" "$prev" "$rc_json")" "$cid" "$netns" "$ifname") || {
          local rc=$?; echo "$out"; return $rc; }
        prev=$out
      done
      echo "$prev" > "$cache"
      echo "$prev" ;;
    CHECK)
      [ -f "$cache" ] || { echo '{"code": 99, "msg": "no cached result"}'; return 1; }
      prev=$(cat "$cache")
      for ((i = 0; i < n; i++)); do
        out=$(cnirt_exec CHECK "$(cnirt_plugin_conf "$list" "$i" "$prev" "$rc_json")" "$cid" "$netns" "$ifname") || {
          local rc=$?; echo "$out"; return $rc; }
      done ;;
    DEL)
      [ -f "$cache" ] && prev=$(cat "$cache")
      for ((i = n - 1; i >= 0; i--)); do
        out=$(cnirt_exec DEL "$(cnirt_plugin_conf "$list" "$i" "$prev" "$rc_json")" "$cid" "$netns" "$ifname") || {
          local rc=$?; echo "$out"; return $rc; }
      done
      rm -f "$cache" ;;
    *) echo "cnirt: unknown command $cmd" >&2; return 2 ;;
  esac
}

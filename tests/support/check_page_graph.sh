#!/usr/bin/env bash
# check_page_graph.sh NETNS URL: does the star collector's page at URL draw
# what its /matrix says? Loads the page in headless Chromium (inside
# network namespace NETNS; "-" for this one), and compares
#   - the arrows drawn (<path data-edge="A->B">) with the true entries of
#     URL/matrix,
#   - the nodes drawn (<g data-node="A">) with the ids of URL/resources,
#   - the root <svg>'s data-edges and data-nodes counts with both.
# Exits 0 when they match; 1, printing the difference, when they do not;
# 2 when it cannot check (no chromium, jq or curl, the collector does not
# answer). The matrix can change while the page loads (a probe's GET ends
# between the two reads): a check whose /matrix differs before and after
# the page loaded is tried again, up to three times.
#
# Environment: CHROMIUM (default: chromium), PAGE_BUDGET_MS (virtual time
# the page runs for before its DOM is read; default 4000), DOM_OUT (a file
# to keep the last DOM in, for a failing test's log).
set -uo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 NETNS URL   (NETNS \"-\": this namespace)" >&2
  exit 2
fi
netns=$1
url=${2%/}
chromium=${CHROMIUM:-chromium}
for tool in "$chromium" jq curl; do
  command -v "$tool" >/dev/null || { echo "check_page_graph: $tool is not installed" >&2; exit 2; }
done

in_ns() { if [ "$netns" = - ]; then "$@"; else ip netns exec "$netns" "$@"; fi; }

work=$(mktemp -d /tmp/check-page-graph-XXXXXX)
trap 'rm -rf "$work"' EXIT

# The arrows /matrix says are there, one "A->B" a line, sorted.
true_edges() {
  in_ns curl -sf --max-time 5 "$url/matrix" |
    jq -r 'to_entries[] | .key as $from | .value | to_entries[] | select(.value == true) | "\($from)->\(.key)"' |
    LC_ALL=C sort
}

# The page's DOM after PAGE_BUDGET_MS of virtual time. A user data
# directory of its own: nothing is left in $HOME, and checks may run at once.
dump_dom() {
  in_ns "$chromium" --headless=new --no-sandbox --disable-gpu --no-first-run --no-default-browser-check \
    --user-data-dir="$work/profile" --virtual-time-budget="${PAGE_BUDGET_MS:-4000}" --dump-dom "$url/" \
    2>"$work/chromium.log"
}

# Values of one attribute in the DOM, one a line, sorted; the serializer
# writes ">" in attribute values as "&gt;".
attribute_values() {
  grep -o "$1=\"[^\"]*\"" "$work/dom.html" | sed -e "s/^$1=\"//" -e 's/"$//' -e 's/&gt;/>/g' -e 's/&lt;/</g' \
    -e 's/&amp;/\&/g' | LC_ALL=C sort
}

status=1
for attempt in 1 2 3; do
  before=$(true_edges) || { echo "check_page_graph: $url/matrix does not answer" >&2; exit 2; }
  nodes=$(in_ns curl -sf --max-time 5 "$url/resources" | jq -r '.resources[].id' | LC_ALL=C sort) ||
    { echo "check_page_graph: $url/resources does not answer" >&2; exit 2; }
  if ! dump_dom >"$work/dom.html"; then
    echo "check_page_graph: chromium failed:" >&2
    tail -5 "$work/chromium.log" >&2
    exit 2
  fi
  after=$(true_edges) || { echo "check_page_graph: $url/matrix does not answer" >&2; exit 2; }
  [ -n "${DOM_OUT:-}" ] && cp "$work/dom.html" "$DOM_OUT"
  if [ "$before" != "$after" ]; then
    echo "check_page_graph: /matrix changed while the page loaded; again (attempt $attempt)"
    status=1
    continue
  fi
  drawn_edges=$(attribute_values data-edge)
  drawn_nodes=$(attribute_values data-node)
  svg=$(grep -o '<svg id="graph"[^>]*>' "$work/dom.html")
  count_edges=$(sed -n 's/.* data-edges="\([0-9]*\)".*/\1/p' <<<"$svg")
  count_nodes=$(sed -n 's/.* data-nodes="\([0-9]*\)".*/\1/p' <<<"$svg")
  want_edges=$(grep -c . <<<"$after")
  want_nodes=$(grep -c . <<<"$nodes")
  status=0
  missing=$(LC_ALL=C comm -23 <(echo "$after") <(echo "$drawn_edges") | grep . | tr '\n' ' ')
  extra=$(LC_ALL=C comm -13 <(echo "$after") <(echo "$drawn_edges") | grep . | tr '\n' ' ')
  missing_nodes=$(LC_ALL=C comm -23 <(echo "$nodes") <(echo "$drawn_nodes") | grep . | tr '\n' ' ')
  extra_nodes=$(LC_ALL=C comm -13 <(echo "$nodes") <(echo "$drawn_nodes") | grep . | tr '\n' ' ')
  [ -n "$missing" ] && { echo "arrows in /matrix but not drawn: $missing"; status=1; }
  [ -n "$extra" ] && { echo "arrows drawn but not in /matrix: $extra"; status=1; }
  [ -n "$missing_nodes" ] && { echo "probes not drawn: $missing_nodes"; status=1; }
  [ -n "$extra_nodes" ] && { echo "nodes drawn that are not probes: $extra_nodes"; status=1; }
  [ "$count_edges" = "$want_edges" ] || { echo "svg data-edges=\"$count_edges\", /matrix has $want_edges"; status=1; }
  [ "$count_nodes" = "$want_nodes" ] || { echo "svg data-nodes=\"$count_nodes\", /resources has $want_nodes"; status=1; }
  if [ $status = 0 ]; then
    echo "page draws $want_nodes probes and the $want_edges arrows of /matrix: $(echo $after)"
  fi
  break
done
exit $status

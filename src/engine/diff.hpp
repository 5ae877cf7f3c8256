// The differ: a snapshot of what the kernel holds and the plan of what it
// must hold give the smallest change between them, as a value (messages
// and nft syntax not yet sent, and a line per change for the report).
// Pure: golden-tested without a kernel.
//
// It changes only what netmod owns: links named by host_ifname() in
// netmod's interface groups (ruleset::kTaskIfGroup, kParkedIfGroup),
// routes of protocol rtnl::kRouteProtocol, neighbour and proxy entries on
// those links, and what is in netmod's two nftables tables. Anything else
// is never touched.
#pragma once

#include <string>
#include <vector>

#include "dataplane/netlink.hpp"
#include "engine/plan.hpp"
#include "engine/snapshot.hpp"

namespace netmod::engine {

struct Change {
  // nft syntax making objects that are missing or whose rules differ (the
  // base ruleset, a combination, the pool sets): rare; applied first.
  std::string nft_text;
  // One nf_tables transaction: element deletions, object deletions,
  // element additions, hook changes.
  std::vector<dataplane::NlMessage> nf;
  // One rtnetlink batch: link deletions and fixes, neighbour, proxy and
  // route deletions, then additions.
  std::vector<dataplane::NlMessage> rtnl;
  std::vector<std::string> added;    // what the kernel lacked
  std::vector<std::string> removed;  // what no record wants
  // Tasks whose host end is gone: their wiring is made anew by the caller
  // (it needs the task's namespace), by container id.
  std::vector<std::string> unlinked;

  bool empty() const { return nft_text.empty() && nf.empty() && rtnl.empty(); }
};

Change diff(const Plan& plan, const Snapshot& kernel);

// Whether a link name is one host_ifname() makes ("nm" + 12 hex digits).
bool is_host_ifname(std::string_view name);

}  // namespace netmod::engine

// The host's fabric addresses: where other hosts send traffic for this
// host's blocks and tasks (DESIGN.md, "Cluster"; issue: agent.fabric_address
// when set, else the address the default route leaves from, else the
// host's only global address; more than one candidate is an error).
#pragma once

#include <vector>

#include "common/result.hpp"
#include "dataplane/kernel_state.hpp"
#include "dataplane/netlink.hpp"
#include "net/ip_address.hpp"

namespace netmod::agent {

struct FabricFacts {
  std::vector<dataplane::state::Address> addresses;  // every address of the host
  std::vector<dataplane::state::Route> defaults;     // default routes of the main table
};

// Pure: one address per family at most (a family without a candidate has
// none). `configured` addresses must each be on an interface.
Result<std::vector<net::IpAddress>> choose_fabric(const std::vector<net::IpAddress>& configured, const FabricFacts& facts);

// Reads the facts from the calling thread's namespace.
Result<FabricFacts> read_fabric_facts(dataplane::NetlinkSocket& rtnl);

}  // namespace netmod::agent

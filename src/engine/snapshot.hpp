// What the host's kernel holds of what netmod owns, read in one go:
// rtnetlink dumps (links, netmod's routes, neighbour and proxy entries)
// and nf_tables dumps (dataplane/nft_state.hpp). No nft text, no JSON.
#pragma once

#include <vector>

#include "dataplane/kernel_state.hpp"
#include "dataplane/nft_state.hpp"

namespace netmod::engine {

struct Snapshot {
  std::vector<dataplane::state::Link> links;
  std::vector<dataplane::state::Route> routes;  // protocol rtnl::kRouteProtocol, main table
  std::vector<dataplane::state::Neighbour> neighbours;  // permanent entries
  std::vector<dataplane::state::Neighbour> proxies;
  dataplane::nftstate::State nft;
};

Result<Snapshot> read_snapshot(dataplane::NetlinkSocket& rtnl, dataplane::NetlinkSocket& nf);

}  // namespace netmod::engine

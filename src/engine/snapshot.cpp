#include "engine/snapshot.hpp"

#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "dataplane/rtnl.hpp"

namespace netmod::engine {

namespace state = dataplane::state;

Result<Snapshot> read_snapshot(dataplane::NetlinkSocket& rtnl, dataplane::NetlinkSocket& nf) {
  Snapshot s;
  NETMOD_ASSIGN_OR_RETURN(s.links, state::links(rtnl));
  for (auto family : {net::Family::v4, net::Family::v6}) {
    NETMOD_ASSIGN_OR_RETURN(auto routes, state::routes(rtnl, family));
    for (auto& r : routes) {
      if (r.protocol == dataplane::rtnl::kRouteProtocol && r.table == RT_TABLE_MAIN) s.routes.push_back(std::move(r));
    }
    NETMOD_ASSIGN_OR_RETURN(auto neighbours, state::neighbours(rtnl, family));
    for (auto& n : neighbours) {
      if (n.state & NUD_PERMANENT) s.neighbours.push_back(std::move(n));
    }
    NETMOD_ASSIGN_OR_RETURN(auto proxies, state::proxy_neighbours(rtnl, family));
    for (auto& p : proxies) s.proxies.push_back(std::move(p));
  }
  NETMOD_ASSIGN_OR_RETURN(s.nft, dataplane::nftstate::read(nf));
  return s;
}

}  // namespace netmod::engine

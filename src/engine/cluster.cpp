#include "engine/cluster.hpp"

#include <map>
#include <set>

namespace netmod::engine {

ClusterInput cluster_input(const std::string& host, const std::vector<ipam::AffinityRecord>& affinities,
                           const std::vector<records::EndpointRecord>& endpoints, const records::FabricMap& fabric) {
  ClusterInput out;
  std::set<std::string> unroutable;
  auto via = [&](const std::string& to, net::Family family) -> std::optional<net::IpAddress> {
    auto it = fabric.hosts.find(to);
    std::optional<net::IpAddress> a;
    if (it != fabric.hosts.end()) a = it->second.address(family);
    if (!a && unroutable.insert(to + (family == net::Family::v4 ? "/v4" : "/v6")).second) {
      out.problems.push_back("host " + to + " has no " + (family == net::Family::v4 ? "IPv4" : "IPv6") +
                             " fabric address (is its agent running?): its " +
                             (family == net::Family::v4 ? "IPv4" : "IPv6") + " blocks and tasks are not routed");
    }
    return a;
  };
  // Blocks by (prefix length, network): an address's block is found with
  // one lookup per block size in use.
  std::map<std::pair<unsigned, net::Cidr>, const ipam::AffinityRecord*> blocks;
  std::set<unsigned> lengths;
  for (const auto& a : affinities) {
    blocks[{a.block.prefix_len(), a.block}] = &a;
    lengths.insert(a.block.prefix_len());
    if (a.host == host) continue;
    if (auto gw = via(a.host, a.block.network().family())) out.routes.push_back({a.block, *gw});
  }
  auto block_host = [&](const net::IpAddress& ip) -> const std::string* {
    for (unsigned len : lengths) {
      auto c = net::Cidr::containing(ip, len);
      if (!c) continue;
      if (auto it = blocks.find({len, *c}); it != blocks.end()) return &it->second->host;
    }
    return nullptr;
  };
  for (const auto& e : endpoints) {
    if (e.host == host) continue;
    for (const auto& ip : e.addresses) {
      const std::string* owner = block_host(ip);
      if (owner && *owner == e.host) continue;  // routed with its block
      if (auto gw = via(e.host, ip.family())) out.routes.push_back({net::Cidr::host(ip), *gw});
    }
    if (!e.netgroups.empty()) out.members.push_back({e.addresses, e.netgroups});
  }
  return out;
}

}  // namespace netmod::engine

#include "plugin/consistency.hpp"

#include <map>

namespace netmod::plugin {

std::vector<ipam::Problem> check_endpoints(const ipam::Snapshot& snap, const std::vector<EndpointRecord>& endpoints) {
  std::map<net::IpAddress, std::string> holder;
  for (const auto& b : snap.blocks) {
    for (const auto& [ord, handle] : b.allocations()) holder[b.address(ord)] = handle;
  }
  std::map<std::string, const ipam::HandleRecord*> handles;
  for (const auto& h : snap.handles) handles[h.handle] = &h;
  std::vector<ipam::Problem> out;
  for (const auto& e : endpoints) {
    const bool own_handle = handles.count(e.container_id) > 0;
    for (const auto& a : e.addresses) {
      auto it = holder.find(a);
      const std::string who = "container " + e.container_id + " on host " + e.host;
      if (it == holder.end()) {
        out.push_back({"endpoint_address_free", who + " uses " + a.str() + ", which IPAM holds free"});
      } else if (own_handle && it->second != e.container_id) {
        out.push_back({"endpoint_address_foreign", who + " uses " + a.str() + ", which IPAM holds for uid " + it->second});
      }
    }
  }
  return out;
}

}  // namespace netmod::plugin

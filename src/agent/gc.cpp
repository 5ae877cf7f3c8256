#include "agent/gc.hpp"

#include "plugin/isolation.hpp"

namespace netmod::agent {

std::string GcCandidate::key() const {
  return std::to_string(static_cast<int>(kind)) + "/" + host + "/" + id;
}

std::vector<GcCandidate> gc_candidates(const GcInput& in) {
  std::vector<GcCandidate> out;
  std::set<std::string> gone;
  for (const auto& h : in.hosts_with_fabric) {
    if (h == in.host || in.hosts_with_agent.count(h)) continue;
    gone.insert(h);
    out.push_back({GcCandidate::Kind::host_gone, h, h, "its agent's lease expired",
                   "forget its endpoints, release its allocations, free its empty blocks, drop its routes everywhere"});
  }
  std::set<std::string> used;  // addresses some endpoint uses
  for (const auto& e : in.endpoints) {
    for (const auto& a : e.addresses) used.insert(a.str());
    if (e.host == in.host && in.endpoints_without_namespace.count(e.container_id)) {
      out.push_back({GcCandidate::Kind::endpoint_gone, e.host, e.container_id,
                     "its task's namespace " + e.netns + " is gone",
                     "unwire and forget it, release its addresses"});
    }
  }
  for (const auto& h : in.handles) {
    if (h.host != in.host || h.addresses.empty()) continue;
    if (h.handle.find(plugin::kParkedHandleSeparator) != std::string::npos) continue;
    bool in_use = false;
    for (const auto& a : h.addresses) in_use = in_use || used.count(a.str());
    if (in_use) continue;
    std::string addrs;
    for (const auto& a : h.addresses) addrs += (addrs.empty() ? "" : ", ") + a.str();
    out.push_back({GcCandidate::Kind::allocation_unused, h.host, h.handle, "no endpoint uses " + addrs,
                   "release " + addrs});
  }
  return out;
}

std::vector<GcCandidate> GcClock::due(const std::vector<GcCandidate>& now, std::chrono::steady_clock::time_point t) {
  std::map<std::string, std::chrono::steady_clock::time_point> seen;
  std::vector<GcCandidate> out;
  for (const auto& c : now) {
    auto it = first_seen_.find(c.key());
    const auto first = it == first_seen_.end() ? t : it->second;
    seen[c.key()] = first;
    if (it != first_seen_.end() && t - first >= grace_) out.push_back(c);
  }
  first_seen_ = std::move(seen);
  return out;
}

}  // namespace netmod::agent

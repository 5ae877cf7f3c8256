#include "agent/fabric.hpp"

#include <linux/rtnetlink.h>

namespace netmod::agent {

namespace {

// Loopback, link-local, unspecified: never a fabric address.
bool global(const net::IpAddress& a) {
  const std::string s = a.str();
  if (a.is_v4()) return !s.starts_with("127.") && !s.starts_with("169.254.") && s != "0.0.0.0";
  return s != "::1" && s != "::" && !s.starts_with("fe8") && !s.starts_with("fe9") && !s.starts_with("fea") &&
         !s.starts_with("feb");
}

std::string fam_name(net::Family f) { return f == net::Family::v4 ? "IPv4" : "IPv6"; }

}  // namespace

Result<std::vector<net::IpAddress>> choose_fabric(const std::vector<net::IpAddress>& configured, const FabricFacts& facts) {
  std::vector<net::IpAddress> out;
  if (!configured.empty()) {
    for (const auto& want : configured) {
      bool present = false;
      for (const auto& a : facts.addresses) present = present || a.address == want;
      if (!present) {
        return make_error(Errc::invalid_argument, "agent.fabric_address " + want.str() +
                                                      " is not an address of any interface of this host");
      }
      for (const auto& o : out) {
        if (o.family() == want.family()) {
          return make_error(Errc::invalid_argument,
                            "agent.fabric_address: more than one " + fam_name(want.family()) + " address");
        }
      }
      out.push_back(want);
    }
    return out;
  }
  for (auto family : {net::Family::v4, net::Family::v6}) {
    // The address the default route leaves from: the first (primary)
    // global address of its interface.
    std::optional<net::IpAddress> chosen;
    for (const auto& r : facts.defaults) {
      if (r.dst.family() != family || chosen) continue;
      for (const auto& a : facts.addresses) {
        if (a.index == r.oif && a.address.family() == family && global(a.address)) {
          chosen = a.address;
          break;
        }
      }
    }
    if (!chosen) {
      std::vector<net::IpAddress> candidates;
      for (const auto& a : facts.addresses) {
        if (a.address.family() == family && global(a.address)) candidates.push_back(a.address);
      }
      if (candidates.size() > 1) {
        std::string list;
        for (const auto& c : candidates) list += (list.empty() ? "" : ", ") + c.str();
        return make_error(Errc::invalid_argument, "this host has several " + fam_name(family) + " addresses (" + list +
                                                      ") and no default route: set agent.fabric_address");
      }
      if (!candidates.empty()) chosen = candidates.front();
    }
    if (chosen) out.push_back(*chosen);
  }
  if (out.empty()) {
    return make_error(Errc::invalid_argument, "this host has no global address to reach other hosts by: set agent.fabric_address");
  }
  return out;
}

Result<FabricFacts> read_fabric_facts(dataplane::NetlinkSocket& rtnl) {
  FabricFacts f;
  NETMOD_ASSIGN_OR_RETURN(f.addresses, dataplane::state::addresses(rtnl));
  for (auto family : {net::Family::v4, net::Family::v6}) {
    NETMOD_ASSIGN_OR_RETURN(auto routes, dataplane::state::routes(rtnl, family));
    for (auto& r : routes) {
      if (r.table == RT_TABLE_MAIN && r.dst.prefix_len() == 0 && r.type == RTN_UNICAST) f.defaults.push_back(std::move(r));
    }
  }
  return f;
}

}  // namespace netmod::agent

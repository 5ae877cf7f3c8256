#include "plugin/attachment_state.hpp"

#include <linux/rtnetlink.h>

#include <algorithm>

#include "dataplane/rtnl.hpp"

namespace netmod::plugin {

namespace state = dataplane::state;

namespace {

net::IpAddress gateway_of(net::Family f) {
  return *net::IpAddress::parse(f == net::Family::v4 ? dataplane::kGatewayV4 : dataplane::kGatewayV6);
}

bool has_route(const std::vector<state::Route>& routes, const net::Cidr& dst, int oif,
               const std::optional<net::IpAddress>& gw, uint32_t table) {
  return std::any_of(routes.begin(), routes.end(), [&](const state::Route& r) {
    return r.dst == dst && r.oif == oif && r.gateway == gw && r.table == table;
  });
}

}  // namespace

Result<void> observe_task(dataplane::NetlinkSocket& task_nl, const EndpointRecord& rec, Observed& seen) {
  NETMOD_ASSIGN_OR_RETURN(auto links, state::links(task_nl));
  for (const auto& l : links) {
    if (l.name == rec.task_ifname) seen.task_link = l;
  }
  if (seen.task_link) {
    NETMOD_ASSIGN_OR_RETURN(auto addrs, state::addresses(task_nl));
    for (const auto& a : addrs) {
      if (a.index == seen.task_link->index) seen.task_addresses.push_back(a);
    }
  }
  if (!seen.task_link) return ok();  // nothing more is compared (differences())
  // Only what differences() compares is read: the routes of a family the
  // record routes, or has addresses of in its own table; rules only for a
  // table of its own (reconcile reads every task: each dump saved counts).
  for (auto f : {net::Family::v4, net::Family::v6}) {
    const bool routed = std::any_of(rec.routes.begin(), rec.routes.end(), [&](const net::Cidr& c) { return c.family() == f; });
    const bool tabled = rec.table && std::any_of(rec.addresses.begin(), rec.addresses.end(),
                                                 [&](const net::IpAddress& a) { return a.family() == f; });
    if (routed || tabled) {
      NETMOD_ASSIGN_OR_RETURN(auto routes, state::routes(task_nl, f));
      seen.task_routes.insert(seen.task_routes.end(), routes.begin(), routes.end());
    }
    if (tabled) {
      NETMOD_ASSIGN_OR_RETURN(auto rules, state::rules(task_nl, f));
      seen.task_rules.insert(seen.task_rules.end(), rules.begin(), rules.end());
    }
  }
  return ok();
}

Result<Observed> observe(dataplane::Dataplane& dp, const EndpointRecord& rec, dataplane::NetlinkSocket* task_nl) {
  Observed seen;
  if (task_nl) NETMOD_TRY(observe_task(*task_nl, rec, seen));
  NETMOD_ASSIGN_OR_RETURN(auto host_links, state::links(dp.netlink()));
  for (const auto& l : host_links) {
    if (l.name == rec.host_ifname) seen.host_link = l;
  }
  for (auto f : {net::Family::v4, net::Family::v6}) {
    NETMOD_ASSIGN_OR_RETURN(auto routes, state::routes(dp.netlink(), f));
    for (const auto& r : routes) {
      if (r.table == RT_TABLE_MAIN && r.protocol == dataplane::rtnl::kRouteProtocol) seen.host_routes.push_back(r);
    }
  }
  NETMOD_ASSIGN_OR_RETURN(seen.missing_elements,
                          dp.missing_elements({rec.host_ifname, rec.addresses, rec.netgroups, 0}));
  return seen;
}

std::vector<Difference> differences(const EndpointRecord& rec, const Observed& seen, bool task_side) {
  std::vector<Difference> out;
  auto task = [&](std::string what) { out.push_back({Difference::Side::task, std::move(what)}); };
  auto host = [&](std::string what) { out.push_back({Difference::Side::host, std::move(what)}); };
  const std::string& ifname = rec.task_ifname;
  if (task_side) {
    if (!seen.task_link) {
      task("the task has no interface " + ifname);
    } else {
      const int index = seen.task_link->index;
      if (!seen.task_link->up) task(ifname + " is down");
      for (const auto& a : rec.addresses) {
        bool present = std::any_of(seen.task_addresses.begin(), seen.task_addresses.end(),
                                   [&](const state::Address& s) { return s.address == a && s.prefix_len == a.bits(); });
        if (!present) task(ifname + " lacks address " + net::Cidr::host(a).str());
      }
      for (const auto& dst : rec.routes) {
        auto gw = gateway_of(dst.family());
        if (!has_route(seen.task_routes, dst, index, gw, RT_TABLE_MAIN)) {
          task("the task lacks its route to " + dst.str() + " via " + gw.str() + " dev " + ifname);
        }
      }
      if (rec.table) {
        for (auto f : {net::Family::v4, net::Family::v6}) {
          bool later = std::none_of(rec.routes.begin(), rec.routes.end(),
                                    [&](const net::Cidr& c) { return c.family() == f && c.prefix_len() == 0; });
          bool has_family = std::any_of(rec.addresses.begin(), rec.addresses.end(),
                                        [&](const net::IpAddress& a) { return a.family() == f; });
          if (!later || !has_family) continue;
          auto any = *net::Cidr::parse(f == net::Family::v4 ? "0.0.0.0/0" : "::/0");
          if (!has_route(seen.task_routes, any, index, gateway_of(f), rec.table)) {
            task("the task lacks the default route of table " + std::to_string(rec.table) + " dev " + ifname);
          }
        }
        for (const auto& a : rec.addresses) {
          bool ruled = std::any_of(seen.task_rules.begin(), seen.task_rules.end(), [&](const state::Rule& r) {
            return r.src == net::Cidr::host(a) && r.table == rec.table;
          });
          if (!ruled) task("the task lacks the rule sending " + a.str() + "'s packets to table " + std::to_string(rec.table));
        }
      }
    }
  }
  if (!seen.host_link) {
    host("the host has no interface " + rec.host_ifname);
  } else {
    if (!seen.host_link->up) host(rec.host_ifname + " is down");
    for (const auto& a : rec.addresses) {
      if (!has_route(seen.host_routes, net::Cidr::host(a), seen.host_link->index, std::nullopt, RT_TABLE_MAIN)) {
        host("the host lacks its route to " + a.str() + " via " + rec.host_ifname);
      }
    }
  }
  for (const auto& e : seen.missing_elements) {
    out.push_back({Difference::Side::rules, "the isolation rules lack " + dataplane::ruleset::element_text(e) +
                                                " in " + e.set});
  }
  return out;
}

std::string describe(const std::vector<Difference>& diffs) {
  std::string out;
  const size_t shown = std::min<size_t>(diffs.size(), 5);
  for (size_t i = 0; i < shown; ++i) out += (i ? "; " : "") + diffs[i].what;
  if (diffs.size() > shown) out += " (and " + std::to_string(diffs.size() - shown) + " more)";
  return out;
}

}  // namespace netmod::plugin

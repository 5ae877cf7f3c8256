#include "engine/plan.hpp"

#include <sstream>

#include "dataplane/dataplane.hpp"

namespace netmod::engine {

namespace ruleset = dataplane::ruleset;

std::map<Object, size_t> count_rules(const std::string& text) {
  std::map<Object, size_t> out;
  std::istringstream in(text);
  std::string line;
  const std::string inet = std::string("add rule ") + ruleset::kTable + " ";
  const std::string netdev = std::string("add rule ") + ruleset::kFastTable + " ";
  while (std::getline(in, line)) {
    const bool fast = line.starts_with(netdev);
    if (!fast && !line.starts_with(inet)) continue;
    std::string rest = line.substr((fast ? netdev : inet).size());
    ++out[Object{rest.substr(0, rest.find(' ')), true, fast}];
  }
  return out;
}

namespace {

// Each chain and set the text makes (its "add chain/set/map" lines).
std::set<Object> made_by(const std::string& text) {
  std::set<Object> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    for (const char* kind : {"add chain ", "add set ", "add map "}) {
      if (!line.starts_with(kind)) continue;
      std::string rest = line.substr(std::string(kind).size());
      const bool fast = rest.starts_with(ruleset::kFastTable);
      const bool inet = rest.starts_with(ruleset::kTable);
      if (!fast && !inet) continue;
      rest = rest.substr(std::string(fast ? ruleset::kFastTable : ruleset::kTable).size() + 1);
      out.insert(Object{rest.substr(0, rest.find(' ')), std::string(kind) == "add chain ", fast});
    }
  }
  return out;
}

void want(Plan& p, const std::string& text) {
  const auto objects = made_by(text);
  for (const auto& o : objects) {
    p.objects.insert(o);
    p.makers.emplace(o, text);
  }
  for (const auto& [chain, n] : count_rules(text)) p.rule_counts[chain] = n;
  // A chain the text makes without rules has none.
  for (const auto& o : objects) {
    if (o.chain) p.rule_counts.emplace(o, 0);
  }
}

}  // namespace

Plan plan(const HostInput& in) {
  Plan p;
  p.pools = in.pools;
  want(p, ruleset::base());
  for (const auto& b : in.local_blocks) p.routes.insert({b, "", std::nullopt});
  std::set<std::vector<std::string>> combinations;
  bool fast = false;
  for (const auto& e : in.endpoints) {
    TaskLink l{e.container_id, e.addresses, e.netgroups, dataplane::task_mac(e.container_id)};
    const std::string& ifname = e.host_ifname;
    bool v6 = false;
    for (const auto& a : e.addresses) {
      p.routes.insert({net::Cidr::host(a), ifname, std::nullopt});
      p.neighbours.insert({ifname, a, l.task_mac});
      v6 = v6 || !a.is_v4();
    }
    if (v6) p.neighbours.insert({ifname, *net::IpAddress::parse(dataplane::kGatewayV6), std::nullopt});
    for (auto& el : ruleset::task_elements({ifname, e.addresses, e.netgroups, 0})) p.elements.push_back(std::move(el));
    if (!e.netgroups.empty()) {
      p.hooks.insert(ifname);
      fast = true;
    }
    combinations.insert(e.netgroups);
    p.links.emplace(ifname, std::move(l));
  }
  std::set<std::string> netgroups;
  for (const auto& c : combinations) netgroups.insert(c.begin(), c.end());
  for (const auto& r : in.cluster.routes) p.routes.insert({r.dst, "", r.via});
  for (const auto& m : in.cluster.members) {
    for (const auto& g : m.netgroups) {
      if (!netgroups.count(g)) continue;  // no task here is in it: nothing checks it
      for (const auto& a : m.addresses) p.elements.push_back({.set = ruleset::netgroup_set(g, a.family()), .addr = a});
    }
  }
  for (const auto& c : combinations) {
    want(p, ruleset::combination(c));
    if (!c.empty()) want(p, ruleset::fast_combination(c));
  }
  if (fast) want(p, ruleset::fast_base());
  return p;
}

}  // namespace netmod::engine

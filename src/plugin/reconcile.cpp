#include "plugin/reconcile.hpp"

#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "plugin/endpoints.hpp"
#include "plugin/isolation.hpp"

namespace netmod::plugin {

using json = nlohmann::json;

namespace {

bool is_netmod_ifname(const std::string& name) {
  static const std::regex re("nm[0-9a-f]{12}");
  return std::regex_match(name, re);
}

// Elements of every set and map of netmod's tables, as "set: element"
// text ("fast/set: element" in the fast-path table), the names of the
// netgroup sets of each, and the fast-path chain's hooks.
struct NftState {
  std::set<std::string> elements;
  std::vector<std::string> netgroup_sets;
  std::vector<std::string> fast_sets;
  bool have_fast = false;
  std::vector<std::string> fast_hooks;
};

std::string elem_text(const json& e) {
  if (e.is_string()) return e.get<std::string>();
  if (e.is_object() && e.contains("concat")) {
    std::string s;
    for (const auto& part : e["concat"]) s += (s.empty() ? "" : " . ") + elem_text(part);
    return s;
  }
  if (e.is_object() && e.contains("elem")) return elem_text(e["elem"]["val"]);
  return e.dump();
}

void read_table(dataplane::Nft& nft, bool fast, NftState& st) {
  auto out = nft.run_json(std::string("list table ") + (fast ? dataplane::ruleset::kFastTable : dataplane::ruleset::kTable));
  if (!out) return;  // no table yet
  json doc = json::parse(*out, nullptr, false);
  if (!doc.is_object() || !doc.contains("nftables")) return;
  const std::string prefix = fast ? "fast/" : "";
  for (const auto& item : doc["nftables"]) {
    if (fast && item.contains("chain") && item["chain"].value("name", "") == dataplane::ruleset::kFastChain) {
      st.have_fast = true;
      const json dev = item["chain"].value("dev", json());
      if (dev.is_string()) st.fast_hooks.push_back(dev.get<std::string>());
      if (dev.is_array()) {
        for (const auto& d : dev) st.fast_hooks.push_back(d.get<std::string>());
      }
    }
    for (const char* kind : {"set", "map"}) {
      if (!item.contains(kind)) continue;
      const json& s = item[kind];
      std::string name = s.value("name", "");
      if (!fast && (name.starts_with("g4_") || name.starts_with("g6_"))) st.netgroup_sets.push_back(name);
      if (fast && (name.starts_with("gi4_") || name.starts_with("gi6_"))) st.fast_sets.push_back(name);
      if (name.starts_with("pools_") || name.starts_with("nat_") || !s.contains("elem")) continue;
      for (const auto& e : s["elem"]) {
        // Map elements are [key, value]; set elements are values.
        std::string text = e.is_array() ? elem_text(e[0]) : elem_text(e);
        st.elements.insert(prefix + name + ": " + text);
      }
    }
  }
}

NftState nft_state(dataplane::Nft& nft) {
  NftState st;
  read_table(nft, false, st);
  read_table(nft, true, st);
  return st;
}

std::set<std::string> desired_elements(const std::vector<EndpointRecord>& eps) {
  std::set<std::string> out;
  for (const auto& e : eps) {
    for (const auto& el : dataplane::ruleset::task_elements({e.host_ifname, e.addresses, e.netgroups, 0})) {
      std::string key = el.ifname.value_or("");
      if (el.ifname && el.addr) key += " . ";
      if (el.addr) key += el.addr->str();
      out.insert((el.fast ? "fast/" : "") + el.set + ": " + key);
    }
  }
  return out;
}

}  // namespace

Result<ReconcileReport> reconcile(store::Store& store, ipam::Ipam& ipam, const std::string& host) {
  ReconcileReport report;
  NETMOD_ASSIGN_OR_RETURN(auto eps, Endpoints(store).list(host));
  NETMOD_ASSIGN_OR_RETURN(auto spec, host_spec(ipam, host));
  NETMOD_ASSIGN_OR_RETURN(dataplane::Dataplane dp, dataplane::Dataplane::open());
  NETMOD_TRY(dp.apply_host(spec));

  // Interfaces: remove the ones of no endpoint; re-wire endpoints whose
  // interface is gone but whose namespace is still there.
  NETMOD_ASSIGN_OR_RETURN(auto links, dataplane::rtnl::list_links(dp.netlink()));
  std::set<std::string> present, wanted;
  for (const auto& e : eps) wanted.insert(e.host_ifname);
  std::vector<dataplane::NlMessage> regroup;
  for (const auto& l : links) {
    if (!is_netmod_ifname(l.name)) continue;
    present.insert(l.name);
    // A task interface out of netmod's group would pass anti-spoofing as a
    // host interface does.
    if (wanted.count(l.name) && l.group != dataplane::ruleset::kTaskIfGroup) {
      regroup.push_back(dataplane::rtnl::set_link_group(l.name, dataplane::ruleset::kTaskIfGroup));
      report.created.push_back("task interface group of " + l.name);
    }
  }
  NETMOD_TRY(dp.netlink().execute(regroup));
  for (const auto& name : present) {
    if (wanted.count(name)) continue;
    std::vector<dataplane::NlMessage> msgs;
    msgs.push_back(dataplane::rtnl::del_link(name));
    NETMOD_TRY(dp.netlink().execute(msgs, [](int err, const dataplane::NlMessage&) { return err == ENODEV; }));
    report.removed.push_back("interface " + name + " (no endpoint)");
  }

  // nftables: every per-task element, from the records, in one transaction.
  NETMOD_ASSIGN_OR_RETURN(dataplane::Nft * nft, dp.nft());
  NftState before = nft_state(*nft);
  std::set<std::string> want = desired_elements(eps);
  for (const auto& e : before.elements) {
    if (!want.count(e)) report.removed.push_back("nftables element " + e);
  }
  for (const auto& e : want) {
    if (!before.elements.count(e)) report.created.push_back("nftables element " + e);
  }
  // Elements name interfaces, which must exist when they are added; an
  // endpoint whose interface is gone gets its elements back when it is
  // re-wired below.
  std::vector<dataplane::ruleset::TaskRules> rules;
  for (const auto& e : eps) {
    if (present.count(e.host_ifname)) rules.push_back({e.host_ifname, e.addresses, e.netgroups, 0});
  }
  NETMOD_TRY(nft->run(dataplane::ruleset::replace_tasks(rules, before.netgroup_sets, before.have_fast, before.fast_sets)));
  // Fast-path hooks on names that are no endpoint's (a crash, or a kernel
  // that keeps hooks by name after the device is gone).
  std::set<std::string> hooked;
  for (const auto& r : rules) {
    if (!r.netgroups.empty()) hooked.insert(r.host_ifname);
  }
  for (const auto& dev : before.fast_hooks) {
    if (hooked.count(dev)) continue;
    dp.unhook_fast_path(dev);
    report.removed.push_back("fast-path hook on " + dev);
  }

  // Routes and wiring per endpoint.
  std::set<std::string> routed;
  for (auto fam : {net::Family::v4, net::Family::v6}) {
    NETMOD_ASSIGN_OR_RETURN(auto routes, dataplane::rtnl::list_netmod_routes(dp.netlink(), fam));
    for (const auto& r : routes) {
      if (!r.blackhole) routed.insert(r.dst.network().str());
    }
  }
  for (const auto& e : eps) {
    if (!present.count(e.host_ifname)) {
      auto ns = dataplane::Netns::open(e.netns);
      if (!ns || ns->inode() != e.netns_inode) {
        report.problems.push_back("container " + e.container_id + ": interface " + e.host_ifname +
                                  " and the task's namespace are gone; run cleanup");
        continue;
      }
      NETMOD_TRY(dp.add_task(task_spec(e), *ns, spec));
      report.created.push_back("wiring of container " + e.container_id + " (interface " + e.host_ifname + ")");
      continue;
    }
    bool missing = false;
    for (const auto& a : e.addresses) missing = missing || !routed.count(a.str());
    if (!missing) continue;
    NETMOD_ASSIGN_OR_RETURN(int index, dataplane::rtnl::link_index(dp.netlink(), e.host_ifname));
    std::vector<dataplane::NlMessage> msgs;
    msgs.push_back(dataplane::rtnl::set_link_up(e.host_ifname));
    for (const auto& a : e.addresses) {
      msgs.push_back(dataplane::rtnl::add_neighbour(index, a, dataplane::task_mac(e.container_id)));
      msgs.push_back(dataplane::rtnl::add_route({net::Cidr::host(a), index, std::nullopt, false, true}));
      if (!routed.count(a.str())) report.created.push_back("route to " + a.str() + " via " + e.host_ifname);
    }
    NETMOD_TRY(dp.netlink().execute(msgs));
  }
  return report;
}

}  // namespace netmod::plugin

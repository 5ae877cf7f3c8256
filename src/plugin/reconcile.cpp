#include "plugin/reconcile.hpp"

#include <nlohmann/json.hpp>
#include <regex>
#include <cstdlib>
#include <map>
#include <set>

#include "common/json_fields.hpp"
#include "dataplane/kernel_state.hpp"
#include "plugin/attachment_state.hpp"
#include "records/endpoints.hpp"
#include "plugin/isolation.hpp"

namespace netmod::plugin {

using json = nlohmann::json;
namespace ruleset = dataplane::ruleset;

namespace {

bool is_netmod_ifname(const std::string& name) {
  static const std::regex re("nm[0-9a-f]{12}");
  return std::regex_match(name, re);
}

bool is_group_set(std::string_view name, bool fast) {
  return fast ? name.starts_with("gi4_") || name.starts_with("gi6_") : name.starts_with("g4_") || name.starts_with("g6_");
}

bool is_group_chain(std::string_view name, bool fast) {
  return fast ? name.starts_with("f_") : name.starts_with("c_") && name != "c_isolated" && name != "c_public";
}

// Elements of every set and map of netmod's tables, as "set: element"
// text ("fast/set: element" in the fast-path table), the netgroup sets
// and combination chains of each, and the fast-path chain's hooks.
struct NftState {
  std::set<std::string> elements;
  std::vector<std::string> netgroup_sets, fast_sets;
  std::vector<std::string> group_chains, fast_chains;
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
  auto out = nft.run_json(std::string("list table ") + (fast ? ruleset::kFastTable : ruleset::kTable));
  if (!out) return;  // no table yet
  auto doc = parse_json(*out, "nft's listing");
  if (!doc || !doc->is_object() || !doc->contains("nftables") || !(*doc)["nftables"].is_array()) return;
  const std::string prefix = fast ? "fast/" : "";
  for (const auto& item : (*doc)["nftables"]) {
    if (!item.is_object()) continue;
    if (item.contains("chain")) {
      const json& c = item["chain"];
      std::string name = c.value("name", "");
      if (is_group_chain(name, fast)) (fast ? st.fast_chains : st.group_chains).push_back(name);
      if (fast && name == ruleset::kFastChain) {
        st.have_fast = true;
        const json dev = c.value("dev", json());
        if (dev.is_string()) st.fast_hooks.push_back(dev.get<std::string>());
        if (dev.is_array()) {
          for (const auto& d : dev) {
            if (d.is_string()) st.fast_hooks.push_back(d.get<std::string>());
          }
        }
      }
    }
    for (const char* kind : {"set", "map"}) {
      if (!item.contains(kind)) continue;
      const json& s = item[kind];
      std::string name = s.value("name", "");
      if (is_group_set(name, fast)) (fast ? st.fast_sets : st.netgroup_sets).push_back(name);
      if (name.starts_with("pools_") || name.starts_with("nat_") || !s.contains("elem")) continue;
      for (const auto& e : s["elem"]) {
        // Map elements are [key, value]; set elements are values.
        std::string text = e.is_array() ? elem_text(e[0]) : elem_text(e);
        st.elements.insert(prefix + name + ": " + text);
      }
    }
  }
}

std::set<std::string> element_keys(const std::vector<ruleset::TaskRules>& tasks) {
  std::set<std::string> out;
  for (const auto& t : tasks) {
    for (const auto& el : ruleset::task_elements(t)) {
      std::string key = el.ifname.value_or("");
      if (el.ifname && el.addr) key += " . ";
      if (el.addr) key += el.addr->str();
      out.insert((el.fast ? "fast/" : "") + el.set + ": " + key);
    }
  }
  return out;
}

// Inside a task whose namespace is still the one it was wired into: what
// differs from its record, put back.
Result<void> reconcile_task_side(const EndpointRecord& e, ReconcileReport& report) {
  NETMOD_ASSIGN_OR_RETURN(auto ns, task_namespace(e.netns, e.netns_inode));
  if (!ns) return ok();
  NETMOD_ASSIGN_OR_RETURN(auto task_nl, dataplane::Dataplane::socket_in(*ns));
  Observed seen;
  NETMOD_TRY(observe_task(task_nl, e, seen));
  if (!seen.task_link) {
    report.problems.push_back("container " + e.container_id + ": its interface " + e.task_ifname +
                              " is gone from its namespace; run cleanup (or CNI DEL) and add it again");
    return ok();
  }
  std::vector<Difference> diffs;
  for (auto& d : differences(e, seen, true)) {
    if (d.side == Difference::Side::task) diffs.push_back(std::move(d));
  }
  if (diffs.empty()) return ok();
  NETMOD_TRY(dataplane::Dataplane::repair_task_side(task_spec(e), task_nl, seen.task_link->index));
  for (const auto& d : diffs) report.created.push_back("container " + e.container_id + ": " + d.what + " (repaired)");
  return ok();
}

}  // namespace

Result<ReconcileReport> reconcile(store::Store& store, ipam::Ipam& ipam, const std::string& host) {
  ReconcileReport report;
  NETMOD_ASSIGN_OR_RETURN(auto eps, Endpoints(store).list(host));
  NETMOD_ASSIGN_OR_RETURN(auto spec, host_spec(ipam, host));
  NETMOD_ASSIGN_OR_RETURN(dataplane::Dataplane dp, dataplane::Dataplane::open());
  NETMOD_TRY(dp.apply_host(spec));

  // Interfaces: remove the ones of no endpoint, and parked ones (a DEL's
  // background deletion that did not finish); re-wire endpoints whose
  // interface is gone but whose namespace is still there.
  NETMOD_ASSIGN_OR_RETURN(auto links, dataplane::state::links(dp.netlink()));
  std::set<std::string> present, wanted;
  std::map<int, std::string> parked;
  for (const auto& e : eps) wanted.insert(e.host_ifname);
  std::vector<dataplane::NlMessage> regroup;
  for (const auto& l : links) {
    if (!is_netmod_ifname(l.name)) continue;
    if (l.group == ruleset::kParkedIfGroup) {
      parked[l.index] = l.name;
      continue;
    }
    present.insert(l.name);
    // A task interface out of netmod's group would pass anti-spoofing as a
    // host interface does.
    if (wanted.count(l.name) && l.group != ruleset::kTaskIfGroup) {
      regroup.push_back(dataplane::rtnl::set_link_group(l.name, ruleset::kTaskIfGroup));
      report.created.push_back("task interface group of " + l.name);
    }
  }
  NETMOD_TRY(dp.netlink().execute(regroup));
  for (const auto& name : present) {
    if (wanted.count(name)) continue;
    NETMOD_TRY(dp.delete_link(name));
    report.removed.push_back("interface " + name + " (no endpoint)");
  }
  for (const auto& [index, name] : parked) {
    NETMOD_TRY(dp.delete_link(index));
    report.removed.push_back("interface " + name + " (of a deleted task, parked for deletion)");
  }

  // nftables: every per-task element, from the records, in one
  // transaction. Elements name interfaces, which must exist when they are
  // added: an endpoint whose interface is gone gets its elements back when
  // it is re-wired below (and only what is added is reported).
  NETMOD_ASSIGN_OR_RETURN(dataplane::Nft * nft, dp.nft());
  NftState before;
  read_table(*nft, false, before);
  read_table(*nft, true, before);
  std::vector<ruleset::TaskRules> rules;
  for (const auto& e : eps) {
    if (present.count(e.host_ifname)) rules.push_back({e.host_ifname, e.addresses, e.netgroups, 0});
  }
  const std::set<std::string> want = element_keys(rules);
  for (const auto& e : before.elements) {
    if (!want.count(e)) report.removed.push_back("nftables element " + e);
  }
  for (const auto& e : want) {
    if (!before.elements.count(e)) report.created.push_back("nftables element " + e);
  }
  NETMOD_TRY(nft->run(ruleset::replace_tasks(rules, before.netgroup_sets, before.have_fast, before.fast_sets)));

  // nftables objects of netgroups and combinations no endpoint has.
  std::set<std::string> wanted_objects;
  for (const auto& e : eps) {
    for (const auto& o : ruleset::group_objects(e.netgroups, e.netgroups)) wanted_objects.insert(o.name);
  }
  std::string deletions;
  std::vector<std::string> deleted;
  auto unwanted = [&](const std::vector<std::string>& names, bool fast, const char* kind) {
    for (const auto& n : names) {
      if (wanted_objects.count(n)) continue;
      deletions += std::string("delete ") + kind + " " + (fast ? ruleset::kFastTable : ruleset::kTable) + " " + n + "\n";
      deleted.push_back(std::string("nftables ") + kind + " " + n + " (no endpoint is in its netgroups)");
    }
  };
  // Chains before the sets their rules use.
  unwanted(before.group_chains, false, "chain");
  unwanted(before.fast_chains, true, "chain");
  unwanted(before.netgroup_sets, false, "set");
  unwanted(before.fast_sets, true, "set");
  if (!deletions.empty()) {
    NETMOD_TRY(nft->run(deletions));
    report.removed.insert(report.removed.end(), deleted.begin(), deleted.end());
  }

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

  // Routes and wiring per endpoint, on the host and inside the task.
  std::set<std::string> routed;
  for (auto fam : {net::Family::v4, net::Family::v6}) {
    NETMOD_ASSIGN_OR_RETURN(auto routes, dataplane::rtnl::list_netmod_routes(dp.netlink(), fam));
    for (const auto& r : routes) {
      if (!r.blackhole) routed.insert(r.dst.network().str());
    }
  }
  for (const auto& e : eps) {
    if (!present.count(e.host_ifname)) {
      NETMOD_ASSIGN_OR_RETURN(auto ns, task_namespace(e.netns, e.netns_inode));
      if (!ns) {
        report.problems.push_back("container " + e.container_id + ": interface " + e.host_ifname +
                                  " and the task's namespace are gone; run cleanup (or CNI DEL)");
        continue;
      }
      NETMOD_TRY(dp.add_task(task_spec(e), *ns, spec));
      report.created.push_back("wiring of container " + e.container_id + " (interface " + e.host_ifname + ")");
      continue;
    }
    bool missing = false;
    for (const auto& a : e.addresses) missing = missing || !routed.count(a.str());
    if (missing) {
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
    NETMOD_TRY(reconcile_task_side(e, report));
  }

  // Addresses parked for a deleted task's veth (CNI DEL) whose veth is
  // gone: the background deletion did not get to release them.
  NETMOD_ASSIGN_OR_RETURN(auto snap, ipam.snapshot());
  for (const auto& h : snap.handles) {
    auto at = h.handle.rfind(kParkedHandleSeparator);
    if (at == std::string::npos || h.host != host) continue;
    int index = std::atoi(h.handle.c_str() + at + std::string_view(kParkedHandleSeparator).size());
    NETMOD_ASSIGN_OR_RETURN(bool pending, dataplane::rtnl::link_exists(dp.netlink(), index));
    if (pending) continue;  // still being deleted
    NETMOD_TRY(ipam.release_handle(h.handle));
    report.removed.push_back("allocation " + h.handle + " (its task's interface is gone)");
  }
  // What the re-wirings left for later (fast paths, proxy entries): done
  // now, and reported when it fails.
  dataplane::FollowUp rest = dp.take_follow_up();
  for (auto& f : dp.apply(rest)) report.problems.push_back(std::move(f));
  return report;
}

}  // namespace netmod::plugin

#include "dataplane/ruleset.hpp"

#include <cstdint>
#include <cstdio>
#include <set>

namespace netmod::dataplane::ruleset {

namespace {

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string hex16(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

bool is_public(const std::vector<std::string>& groups) {
  for (const auto& g : groups) {
    if (g == "public") return true;
  }
  return false;
}

const char* fam(const net::IpAddress& a) { return a.is_v4() ? "v4" : "v6"; }

}  // namespace

Element fast_pending(const std::string& host_ifname) { return {.set = kFastPendingSet, .ifname = host_ifname}; }

std::string fast_pending_set() { return "add set " + std::string(kTable) + " " + kFastPendingSet + " { type ifname; }\n"; }

std::vector<Element> task_elements(const TaskRules& t) {
  std::vector<Element> out;
  const std::string chain = combination_chain(t.netgroups);
  for (const auto& a : t.addresses) {
    const std::string f = fam(a);
    out.push_back({.set = "src_" + f, .ifname = t.host_ifname, .addr = a});
    out.push_back({.set = "to_" + f, .addr = a, .goto_chain = chain});
    if (t.netgroups.empty()) out.push_back({.set = "isolated_" + f, .addr = a});
    for (const auto& g : t.netgroups) out.push_back({.set = netgroup_set(g, a.family()), .addr = a});
  }
  // The fast path knows only tasks with netgroups (a task without any
  // talks to its host alone, which the fast path never handles).
  if (t.netgroups.empty()) return out;
  const std::string fchain = fast_chain(t.netgroups);
  for (const auto& a : t.addresses) {
    const std::string f = fam(a);
    out.push_back({.set = "to_" + f, .addr = a, .goto_chain = fchain, .fast = true});
    out.push_back(
        {.set = "dev_" + f, .addr = a, .fast = true, .data_ifname = t.host_ifname, .data_ifindex = t.host_index});
    for (const auto& g : t.netgroups) {
      out.push_back({.set = fast_set(g, a.family()), .ifname = t.host_ifname, .addr = a, .fast = true});
    }
  }
  return out;
}

std::string element_text(const Element& e, bool key_only) {
  // Interface names are host_ifname()'s output ("nm" + hex digits), never
  // a user's string; quoted because nft reads a bare word as a symbol.
  std::string s;
  if (e.ifname) s += "\"" + *e.ifname + "\"";
  if (e.ifname && e.addr) s += " . ";
  if (e.addr) s += e.addr->str();
  if (!e.goto_chain.empty() && !key_only) s += " : goto " + e.goto_chain;
  if (!e.data_ifname.empty() && !key_only) s += " : \"" + e.data_ifname + "\"";
  return s;
}

std::string fast_set(const std::string& netgroup, net::Family family) {
  return std::string(family == net::Family::v4 ? "gi4_" : "gi6_") + hex16(fnv1a(netgroup));
}

std::string fast_chain(const std::vector<std::string>& netgroups) {
  std::string joined;
  for (const auto& g : netgroups) joined += g + "\n";
  return "f_" + hex16(fnv1a(joined));
}

std::string fast_base() {
  const std::string t = kFastTable;
  std::string s;
  s += "add table " + t + "\n";
  s += "add map " + t + " to_v4 { type ipv4_addr : verdict; }\n";
  s += "add map " + t + " to_v6 { type ipv6_addr : verdict; }\n";
  s += "add map " + t + " dev_v4 { type ipv4_addr : iface_index; }\n";
  s += "add map " + t + " dev_v6 { type ipv6_addr : iface_index; }\n";
  s += "add chain " + t + " " + kFastChain + "\n";
  s += "flush chain " + t + " " + kFastChain + "\n";
  s += "add rule " + t + " " + kFastChain + " ip daddr vmap @to_v4\n";
  s += "add rule " + t + " " + kFastChain + " ip6 daddr vmap @to_v6\n";
  return s;
}

std::string fast_hook_chain(const std::string& device) { return std::string(kFastHookPrefix) + device; }

std::optional<std::string> fast_hook_device(const std::string& chain) {
  if (!chain.starts_with(kFastHookPrefix) || chain.size() == std::string_view(kFastHookPrefix).size()) return std::nullopt;
  return chain.substr(std::string_view(kFastHookPrefix).size());
}

std::string fast_hook(const std::string& device) {
  const std::string t = kFastTable;
  const std::string chain = fast_hook_chain(device);
  std::string s;
  s += "add chain " + t + " " + chain + " { type filter hook ingress device \"" + device + "\" priority " +
       std::to_string(kFastPriority) + "; policy accept; }\n";
  s += "flush chain " + t + " " + chain + "\n";
  s += "add rule " + t + " " + chain + " goto " + kFastChain + "\n";
  return s;
}

std::string fast_combination(const std::vector<std::string>& netgroups) {
  const std::string t = kFastTable;
  const std::string chain = fast_chain(netgroups);
  std::string s;
  for (const auto& g : netgroups) {
    s += "add set " + t + " " + fast_set(g, net::Family::v4) + " { type ifname . ipv4_addr; }\n";
    s += "add set " + t + " " + fast_set(g, net::Family::v6) + " { type ifname . ipv6_addr; }\n";
  }
  s += "add chain " + t + " " + chain + "\n";
  s += "flush chain " + t + " " + chain + "\n";
  // The sender, by the host end it came in on and its source address, is
  // a member of one of the destination's netgroups: straight to the
  // destination's host end. Otherwise the packet goes on, unchanged.
  for (const auto& g : netgroups) {
    s += "add rule " + t + " " + chain + " iifname . ip saddr @" + fast_set(g, net::Family::v4) +
         " fwd ip to ip daddr device ip daddr map @dev_v4\n";
    s += "add rule " + t + " " + chain + " iifname . ip6 saddr @" + fast_set(g, net::Family::v6) +
         " fwd ip6 to ip6 daddr device ip6 daddr map @dev_v6\n";
  }
  return s;
}

std::string netgroup_set(const std::string& netgroup, net::Family family) {
  return std::string(family == net::Family::v4 ? "g4_" : "g6_") + hex16(fnv1a(netgroup));
}

std::string combination_chain(const std::vector<std::string>& netgroups) {
  if (netgroups.empty()) return "c_isolated";
  if (is_public(netgroups)) return "c_public";
  std::string joined;
  for (const auto& g : netgroups) joined += g + "\n";
  return "c_" + hex16(fnv1a(joined));
}

std::string base() {
  const std::string t = kTable;
  std::string s;
  s += "add table " + t + "\n";
  s += "add map " + t + " to_v4 { type ipv4_addr : verdict; }\n";
  s += "add map " + t + " to_v6 { type ipv6_addr : verdict; }\n";
  // Keyed by interface name, a plain string: nft needs no interface lookup
  // to parse it (an iface_index key makes libnftables dump every link of
  // the host on each call), and an element can be removed after its
  // interface is gone.
  s += "add set " + t + " src_v4 { type ifname . ipv4_addr; }\n";
  s += "add set " + t + " src_v6 { type ifname . ipv6_addr; }\n";
  s += fast_pending_set();
  s += "add set " + t + " isolated_v4 { type ipv4_addr; }\n";
  s += "add set " + t + " isolated_v6 { type ipv6_addr; }\n";
  s += "add set " + t + " pools_v4 { type ipv4_addr; flags interval; }\n";
  s += "add set " + t + " pools_v6 { type ipv6_addr; flags interval; }\n";
  s += "add set " + t + " nat_v4 { type ipv4_addr; flags interval; }\n";
  s += "add set " + t + " nat_v6 { type ipv6_addr; flags interval; }\n";
  s += "add chain " + t + " c_isolated\n";
  s += "flush chain " + t + " c_isolated\n";
  s += "add rule " + t + " c_isolated drop\n";
  s += "add chain " + t + " c_public\n";
  s += "flush chain " + t + " c_public\n";
  s += "add rule " + t + " c_public accept\n";
  s += "add chain " + t + " antispoof { type filter hook prerouting priority raw; policy accept; }\n";
  s += "flush chain " + t + " antispoof\n";
  // A task's genuine packets pass with one lookup; then everything not from
  // a task interface (told by its group, see kTaskIfGroup); link-local and
  // unspecified sources (neighbour discovery) never leave the link; the
  // rest is spoofed, or from a task whose elements are not in yet.
  s += "add rule " + t + " antispoof iifname . ip saddr @src_v4 accept\n";
  s += "add rule " + t + " antispoof iifname . ip6 saddr @src_v6 accept\n";
  s += "add rule " + t + " antispoof iifgroup != " + std::to_string(kTaskIfGroup) + " accept\n";
  s += "add rule " + t + " antispoof ip6 saddr { ::, fe80::/10 } accept\n";
  s += "add rule " + t + " antispoof counter drop\n";
  s += "add chain " + t + " forward { type filter hook forward priority filter; policy accept; }\n";
  s += "flush chain " + t + " forward\n";
  s += "add rule " + t + " forward ct state established,related accept\n";
  s += "add rule " + t + " forward ip saddr @isolated_v4 drop\n";
  s += "add rule " + t + " forward ip6 saddr @isolated_v6 drop\n";
  s += "add rule " + t + " forward ip daddr vmap @to_v4\n";
  s += "add rule " + t + " forward ip6 daddr vmap @to_v6\n";
  s += "add chain " + t + " nat { type nat hook postrouting priority srcnat; policy accept; }\n";
  s += "flush chain " + t + " nat\n";
  s += "add rule " + t + " nat ip saddr @nat_v4 ip daddr != @pools_v4 masquerade\n";
  s += "add rule " + t + " nat ip6 saddr @nat_v6 ip6 daddr != @pools_v6 masquerade\n";
  return s;
}

std::string pools(const std::vector<PoolRules>& pools) {
  const std::string t = kTable;
  std::string s;
  for (const char* f : {"v4", "v6"}) {
    s += "flush set " + t + " pools_" + f + "\n";
    s += "flush set " + t + " nat_" + f + "\n";
  }
  return s + add_pools(pools);
}

std::string netgroup_sets(const std::vector<std::string>& netgroups) {
  std::string s;
  for (const auto& g : netgroups) {
    s += "add set " + std::string(kTable) + " " + netgroup_set(g, net::Family::v4) + " { type ipv4_addr; }\n";
    s += "add set " + std::string(kTable) + " " + netgroup_set(g, net::Family::v6) + " { type ipv6_addr; }\n";
  }
  return s;
}

std::string combination(const std::vector<std::string>& netgroups) {
  const std::string t = kTable;
  std::string s = netgroup_sets(netgroups);
  std::string chain = combination_chain(netgroups);
  if (chain == "c_isolated" || chain == "c_public") return s;  // part of the base
  // The chain's rules depend only on the combination, so rewriting them
  // when the chain exists changes nothing (and happens atomically).
  s += "add chain " + t + " " + chain + "\n";
  s += "flush chain " + t + " " + chain + "\n";
  for (const auto& g : netgroups) {
    s += "add rule " + t + " " + chain + " ip saddr @" + netgroup_set(g, net::Family::v4) + " accept\n";
    s += "add rule " + t + " " + chain + " ip6 saddr @" + netgroup_set(g, net::Family::v6) + " accept\n";
  }
  s += "add rule " + t + " " + chain + " drop\n";
  return s;
}

std::string task_elements_only(const TaskRules& task, bool with_fast) {
  std::string s;
  for (const auto& e : task_elements(task)) {
    if (e.fast && !with_fast) continue;
    s += "add element " + std::string(e.fast ? kFastTable : kTable) + " " + e.set + " { " + element_text(e) + " }\n";
  }
  return s;
}

std::string add_pools(const std::vector<PoolRules>& pools) {
  const std::string t = kTable;
  std::string s;
  for (const auto& p : pools) {
    std::string f = p.cidr.family() == net::Family::v4 ? "v4" : "v6";
    s += "add element " + t + " pools_" + f + " { " + p.cidr.str() + " }\n";
    if (p.nat_outgoing) s += "add element " + t + " nat_" + f + " { " + p.cidr.str() + " }\n";
  }
  return s;
}

std::vector<Object> group_objects(const std::vector<std::string>& netgroups,
                                  const std::vector<std::string>& combination) {
  std::vector<Object> out;
  if (!combination.empty()) {
    const std::string chain = combination_chain(combination);
    if (chain != "c_public") out.push_back({chain, true, false});  // c_isolated has no netgroups
    out.push_back({fast_chain(combination), true, true});
  }
  for (const auto& g : netgroups) {
    for (auto f : {net::Family::v4, net::Family::v6}) out.push_back({netgroup_set(g, f), false, false});
    for (auto f : {net::Family::v4, net::Family::v6}) out.push_back({fast_set(g, f), false, true});
  }
  return out;
}

}  // namespace netmod::dataplane::ruleset

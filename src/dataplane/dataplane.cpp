#include "dataplane/dataplane.hpp"

#include <linux/if.h>
#include <linux/rtnetlink.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <set>
#include <tuple>

#include "common/cleanup.hpp"
#include "common/trace.hpp"
#include "dataplane/kernel_state.hpp"
#include "dataplane/nft_netlink.hpp"

namespace netmod::dataplane {

namespace {

uint64_t id_hash(const std::string& id) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : id) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

ruleset::TaskRules rules_of(const TaskSpec& t) { return {host_ifname(t.container_id), t.addresses, t.netgroups}; }

bool has_family(const std::vector<net::IpAddress>& addrs, net::Family f) {
  for (const auto& a : addrs) {
    if (a.family() == f) return true;
  }
  return false;
}

}  // namespace

std::string host_ifname(const std::string& container_id) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%s%012llx", kHostIfPrefix,
                static_cast<unsigned long long>(id_hash(container_id) & 0xffffffffffffull));
  return buf;
}

rtnl::Mac task_mac(const std::string& container_id) {
  uint64_t h = id_hash(container_id);
  // 0x02: locally administered, unicast.
  return {0x02, static_cast<uint8_t>(h >> 32), static_cast<uint8_t>(h >> 24), static_cast<uint8_t>(h >> 16),
          static_cast<uint8_t>(h >> 8), static_cast<uint8_t>(h)};
}

Result<Dataplane> Dataplane::open(Kernel& kernel) {
  NETMOD_ASSIGN_OR_RETURN(NetlinkSocket nl, kernel.open_socket(NETLINK_ROUTE));
  return Dataplane(std::move(nl), kernel);
}

Dataplane Dataplane::over(NetlinkSocket rtnl, NetlinkSocket nf, Kernel& kernel) {
  Dataplane dp(std::move(rtnl), kernel);
  dp.nf_.emplace(std::move(nf));
  return dp;
}

Dataplane Dataplane::over(NetlinkSocket rtnl, Kernel& kernel) { return Dataplane(std::move(rtnl), kernel); }

Result<NetlinkSocket*> Dataplane::nf() {
  if (!nf_) {
    NETMOD_ASSIGN_OR_RETURN(NetlinkSocket s, kernel_->open_socket(NETLINK_NETFILTER));
    nf_.emplace(std::move(s));
  }
  return &*nf_;
}

FollowUp Dataplane::take_follow_up() {
  FollowUp out = std::move(follow_);
  follow_ = {};
  return out;
}

std::vector<std::string> Dataplane::apply(FollowUp& work) {
  if (work.nf_transactions.empty()) {
    NetlinkSocket none(nullptr);
    return dataplane::apply(work, nl_, none);
  }
  auto nf = this->nf();
  if (!nf) return {nf.error().message};
  return dataplane::apply(work, nl_, **nf);
}

Result<void> Dataplane::ensure_host_sysctls() {
  NETMOD_TRY(kernel_->set_sysctl("net/ipv4/ip_forward", "1"));
  // A host without IPv6 has no such file; IPv6 tasks then fail later, clearly.
  (void)kernel_->set_sysctl("net/ipv6/conf/all/forwarding", "1");
  return ok();
}

std::string Dataplane::host_commands(const HostSpec& host) {
  return ruleset::base() + ruleset::pools(host.pools);
}

Result<bool> Dataplane::chain_exists(const std::string& chain, bool fast) {
  NlMessage m = nftnl::get_chain(chain, fast);
  NETMOD_ASSIGN_OR_RETURN(NetlinkSocket * nf, this->nf());
  auto r = nf->request(m, [](const nlmsghdr*) {});
  if (r) return true;
  if (r.error().code == Errc::not_found) return false;
  return std::move(r).error();
}

Result<std::vector<NlMessage>> Dataplane::object_deletions(const std::vector<ruleset::Object>& unused) {
  NETMOD_ASSIGN_OR_RETURN(NetlinkSocket * nf, this->nf());
  std::vector<NlMessage> out;
  for (const auto& o : unused) {
    NlMessage get = o.chain ? nftnl::get_chain(o.name, o.fast) : nftnl::get_set(o.name, o.fast);
    auto r = nf->request(get, [](const nlmsghdr*) {});
    if (!r && r.error().code != Errc::not_found) return std::move(r).error();
    if (r) out.push_back(o.chain ? nftnl::del_chain(o.name, o.fast) : nftnl::del_set(o.name, o.fast));
  }
  return out;
}

Result<void> Dataplane::remove_elements(const ruleset::TaskRules& rules, const std::vector<ruleset::Object>& unused) {
  NETMOD_ASSIGN_OR_RETURN(NetlinkSocket * nf, this->nf());
  auto elements = ruleset::task_elements(rules);
  std::vector<NlMessage> all;
  for (const auto& e : elements) all.push_back(nftnl::del_element(e));
  if (!rules.netgroups.empty()) {
    // The fast path's pending element is there or not (consumed when the
    // fast path went in): added and deleted, it is gone either way.
    const ruleset::Element pending = ruleset::fast_pending(rules.host_ifname);
    all.push_back(nftnl::new_element(pending));
    all.push_back(nftnl::del_element(pending));
    elements.push_back(pending);  // for the one-by-one way below
  }
  // The objects only this task used go in the same transaction, after the
  // elements that refer to them.
  NETMOD_ASSIGN_OR_RETURN(std::vector<NlMessage> objects, object_deletions(unused));
  const size_t element_count = all.size();
  for (auto& m : objects) all.push_back(std::move(m));
  if (nf->transaction(all)) return ok();
  // Part of them is gone, or an object is in use again (a task that just
  // joined the netgroup). Retrying element by element would pay a failed
  // transaction (an RCU grace period) per missing one: ask which exist,
  // then delete those together. Another deleter may take one between the
  // asking and the deleting (the agent's reconcile, when the task's
  // interface went with its namespace): then ask again.
  for (int attempt = 1;; ++attempt) {
    std::vector<NlMessage> present;
    for (const auto& e : elements) {
      NlMessage get = nftnl::get_element(e);
      if (nf->request(get, [](const nlmsghdr*) {})) present.push_back(nftnl::del_element(e));
    }
    if (all.size() <= element_count && present.size() == elements.size()) break;
    auto deleted = nf->transaction(present);
    if (deleted || deleted.error().code != Errc::not_found || attempt == 3) {
      NETMOD_TRY(deleted);
      break;
    }
  }
  // Objects one at a time: one in use stays (reconcile removes it once
  // its last user is gone).
  NETMOD_ASSIGN_OR_RETURN(objects, object_deletions(unused));
  for (auto& m : objects) {
    std::vector<NlMessage> one;
    one.push_back(std::move(m));
    (void)nf->transaction(one);
  }
  return ok();
}

Result<bool> Dataplane::parked_link(const std::string& name) {
  NlMessage m(RTM_GETLINK, 0, "looking up link " + name);
  m.put_family_header<ifinfomsg>()->ifi_family = AF_UNSPEC;
  m.put_str(IFLA_IFNAME, name);
  bool parked = false;
  auto r = nl_.request(m, [&](const nlmsghdr* h) {
    if (auto l = state::parse_link(h)) parked = l->group == ruleset::kParkedIfGroup;
  });
  if (!r && r.error().code == Errc::not_found) return false;
  NETMOD_TRY(std::move(r));
  return parked;
}

Result<std::vector<ruleset::Element>> Dataplane::missing_elements(const ruleset::TaskRules& rules) {
  NETMOD_ASSIGN_OR_RETURN(NetlinkSocket * nf, this->nf());
  std::vector<ruleset::Element> out;
  for (const auto& e : ruleset::task_elements(rules)) {
    if (e.fast) continue;
    NlMessage get = nftnl::get_element(e);
    auto r = nf->request(get, [](const nlmsghdr*) {});
    if (r) continue;
    if (r.error().code != Errc::not_found) return std::move(r).error();
    out.push_back(e);
  }
  return out;
}

void Dataplane::unhook_fast_path(const std::string& device) {
  // Kernels before 6.16 delete a base chain hooked on one device with the
  // device; later ones keep it, hooked by name, until told. Best effort:
  // a chain already gone is no failure, and one left behind is removed by
  // reconcile.
  auto nf = this->nf();
  if (!nf) return;
  std::vector<NlMessage> msgs;
  msgs.push_back(nftnl::del_fast_hook(device));
  (void)(*nf)->transaction(msgs);
}

Result<void> Dataplane::apply_host(const HostSpec& host) {
  NETMOD_TRY(ensure_host_sysctls());
  NETMOD_TRY(kernel_->run_nft(host_commands(host)));
  std::vector<NlMessage> msgs;
  for (const auto& b : host.local_blocks) msgs.push_back(rtnl::add_route({b, 0, std::nullopt, true, false}));
  return nl_.execute(msgs);
}

Result<Placement> place(NetlinkSocket& task_nl, bool v4, bool v6) {
  Placement where;
  bool later = false;
  for (auto [family, want, is_default] : {std::tuple{net::Family::v4, v4, &where.default_v4},
                                          std::tuple{net::Family::v6, v6, &where.default_v6}}) {
    if (!want) continue;
    NETMOD_ASSIGN_OR_RETURN(auto routes, state::routes(task_nl, family));
    *is_default = std::none_of(routes.begin(), routes.end(), [](const state::Route& r) {
      return r.dst.prefix_len() == 0 && r.table == RT_TABLE_MAIN;
    });
    later = later || !*is_default;
  }
  if (!later) return where;
  // The lowest table of netmod's range no rule of the namespace uses.
  std::set<uint32_t> used;
  for (auto family : {net::Family::v4, net::Family::v6}) {
    NETMOD_ASSIGN_OR_RETURN(auto rules, state::rules(task_nl, family));
    for (const auto& r : rules) used.insert(r.table);
  }
  where.table = kTableBase;
  while (used.count(where.table)) ++where.table;
  return where;
}

std::vector<net::Cidr> task_routes(const Placement& where, const std::vector<net::IpAddress>& addresses,
                                   const std::vector<net::Cidr>& pools) {
  std::vector<net::Cidr> out;
  auto add = [&](const net::Cidr& c) {
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  };
  for (const auto& a : addresses) {
    if (a.is_v4() ? where.default_v4 : where.default_v6) {
      add(*net::Cidr::parse(a.is_v4() ? "0.0.0.0/0" : "::/0"));
      continue;
    }
    for (const auto& p : pools) {
      if (p.contains(a)) add(p);
    }
  }
  return out;
}

Result<Dataplane::NewLink> Dataplane::create_link(const TaskSpec& task, const Netns& task_ns, NetlinkSocket task_nl,
                                                  bool v4, bool v6) {
  const std::string host_if = host_ifname(task.container_id);
  bool v6_routes = false;
  NETMOD_TRY(ensure_host_sysctls());
  trace_point("host-sysctls-set");
  // The host end is born in netmod's interface group, which makes the
  // nftables anti-spoofing chain treat it as a task's from its first moment
  // (ruleset::kTaskIfGroup). It carries no address, not even an IPv6
  // link-local one: the task's IPv6 gateway is answered by proxy NDP, and
  // a link-local address would add two IPv6 routes per task to the host
  // (its local route and fe80::/64), which every later link-state change
  // pays for: the kernel walks every IPv6 route of the namespace then.
  std::vector<NlMessage> msgs;
  msgs.push_back(rtnl::new_veth(host_if, kHostMac, ruleset::kTaskIfGroup, task.task_ifname,
                                task_mac(task.container_id), task_ns.fd(), task.mtu));
  if (v6) msgs.push_back(rtnl::set_no_ipv6_address(host_if));
  auto made = nl_.execute(msgs);
  if (!made && made.error().sys_errno == EEXIST) {
    // The container's previous veth, which its DEL parked for deletion
    // later: deleted now, and this one made in its place.
    NETMOD_ASSIGN_OR_RETURN(bool parked, parked_link(host_if));
    if (parked) {
      NETMOD_TRY(delete_link(host_if));
      made = nl_.execute(msgs);
    }
  }
  if (!made) {
    if (made.error().sys_errno == EEXIST) {
      return make_error(Errc::already_exists, "cannot create veth " + host_if + " / " + task.task_ifname +
                                                  ": an interface of that name already exists");
    }
    (void)delete_link(host_if);  // made but not configured, or not made
    return std::move(made).error();
  }
  Cleanup undo_link([&] { (void)delete_link(host_if); });
  NETMOD_ASSIGN_OR_RETURN(int host_index, rtnl::link_index(nl_, host_if));
  trace_point("veth-made");
  // The host end answers ARP for the gateway address and accepts only
  // sources routed back through it (the nftables anti-spoof check is the
  // stricter one; this is the kernel's own). Proxy answers go out at once
  // (by default the kernel delays answers to broadcast requests).
  NETMOD_TRY(kernel_->set_sysctl("net/ipv4/conf/" + host_if + "/proxy_arp", "1"));
  NETMOD_TRY(kernel_->set_sysctl("net/ipv4/conf/" + host_if + "/rp_filter", "1"));
  NETMOD_TRY(kernel_->set_sysctl("net/ipv4/neigh/" + host_if + "/proxy_delay", "0"));
  if (v6) {
    NETMOD_TRY(kernel_->set_sysctl("net/ipv6/conf/" + host_if + "/proxy_ndp", "1"));
    NETMOD_TRY(kernel_->set_sysctl("net/ipv6/neigh/" + host_if + "/proxy_delay", "0"));
  } else {
    // The host end of a task without IPv6 needs none: no multicast route,
    // MLD or router solicitation for it.
    (void)kernel_->set_sysctl("net/ipv6/conf/" + host_if + "/disable_ipv6", "1");
  }
  // Inside the task (through `task_nl`, bound to its namespace), what
  // needs no address: lo and the veth end up, and the routes already in
  // `task.routes` (the default routes of the families it will have, when
  // it is the task's first attachment).
  NETMOD_ASSIGN_OR_RETURN(int task_index, rtnl::link_index(task_nl, task.task_ifname));
  auto routed = [&](net::Family f) {
    return std::any_of(task.routes.begin(), task.routes.end(), [&](const net::Cidr& c) { return c.family() == f; });
  };
  v4 = v4 && routed(net::Family::v4);
  v6_routes = v6 && routed(net::Family::v6);
  std::vector<NlMessage> inside;
  inside.push_back(rtnl::set_link_up("lo"));
  inside.push_back(rtnl::set_link_up(task.task_ifname));
  add_task_routes(inside, task_index, task, v4, v6_routes);
  NETMOD_TRY(task_nl.execute(inside));
  // The host end up last: the link gets its carrier now, and the kernel's
  // work for that (a walk over the host's IPv6 routes, in a kernel worker
  // holding the rtnl lock) overlaps the caller's next steps, the nftables
  // transaction first, which needs no rtnl lock. Nothing passes meanwhile:
  // the task's packets are dropped until its elements are in (its group),
  // and nothing is routed to it before its host routes, added after them.
  std::vector<NlMessage> host;
  host.push_back(rtnl::set_link_up(host_if));
  NETMOD_TRY(nl_.execute(host));
  undo_link.cancel();
  trace_point("veth-created");
  return NewLink{host_index, task_index, std::move(task_nl), v4, v6_routes};
}

void Dataplane::add_task_routes(std::vector<NlMessage>& msgs, int task_index, const TaskSpec& task, bool v4, bool v6) {
  // Each gateway gets a permanent neighbour entry, so a task's first
  // packet waits for no ARP/NDP. IPv4's is on-link by a /32 route for the
  // first attachment, and by the onlink flag for every route via it (a
  // second attachment's /32 to the same address would replace the first's).
  for (auto family : {net::Family::v4, net::Family::v6}) {
    const bool is_v4 = family == net::Family::v4;
    if (!(is_v4 ? v4 : v6)) continue;
    const auto gw = *net::IpAddress::parse(is_v4 ? kGatewayV4 : kGatewayV6);
    msgs.push_back(rtnl::add_neighbour(task_index, gw, kHostMac));
    for (const auto& dst : task.routes) {
      if (dst.family() != family) continue;
      if (is_v4 && dst.prefix_len() == 0) {
        msgs.push_back(rtnl::add_route({net::Cidr::host(gw), task_index, std::nullopt, false, true}));
      }
      msgs.push_back(rtnl::add_route({dst, task_index, gw, false, false}));
    }
    if (!task.table) continue;
    // A later attachment: its own table with its default route, and its
    // addresses' answers sent there.
    const bool later = std::none_of(task.routes.begin(), task.routes.end(),
                                    [&](const net::Cidr& c) { return c.family() == family && c.prefix_len() == 0; });
    if (!later) continue;
    msgs.push_back(rtnl::add_route({*net::Cidr::parse(is_v4 ? "0.0.0.0/0" : "::/0"), task_index, gw, false, false, task.table}));
    for (const auto& a : task.addresses) {
      if (a.family() == family) msgs.push_back(rtnl::add_rule({net::Cidr::host(a), task.table, kRulePriority}));
    }
  }
}

Result<void> Dataplane::repair_task_side(const TaskSpec& task, NetlinkSocket& task_nl, int task_index) {
  std::vector<NlMessage> msgs;
  msgs.push_back(rtnl::set_link_up(task.task_ifname));
  for (const auto& a : task.addresses) msgs.push_back(rtnl::add_address(task_index, a, true));
  add_task_routes(msgs, task_index, task, has_family(task.addresses, net::Family::v4),
                  has_family(task.addresses, net::Family::v6));
  return task_nl.execute(msgs, [](int err, const NlMessage& m) {
    return err == EEXIST && m.header()->nlmsg_type == RTM_NEWRULE;  // rules are added, not replaced
  });
}

Result<void> Dataplane::remove_task_rules(const TaskSpec& task, NetlinkSocket& task_nl) {
  if (!task.table) return ok();
  std::vector<NlMessage> msgs;
  for (const auto& a : task.addresses) msgs.push_back(rtnl::del_rule({net::Cidr::host(a), task.table, kRulePriority}));
  return task_nl.execute(msgs, [](int err, const NlMessage&) { return err == ENOENT; });
}

Result<void> Dataplane::add_task(const TaskSpec& task, const Netns& task_ns, const HostSpec& host) {
  NETMOD_ASSIGN_OR_RETURN(NetlinkSocket task_nl, socket_in(task_ns));
  NETMOD_ASSIGN_OR_RETURN(NewLink link, create_link(task, task_ns, std::move(task_nl),
                                                     has_family(task.addresses, net::Family::v4),
                                                     has_family(task.addresses, net::Family::v6)));
  Cleanup undo_link([&] { (void)delete_link(task); });
  NETMOD_TRY(wire_link(task, host, link));
  undo_link.cancel();
  return ok();
}

Result<void> Dataplane::wire_link(const TaskSpec& task, const HostSpec& host, NewLink& link) {
  const std::string host_if = host_ifname(task.container_id);
  const rtnl::Mac mac = task_mac(task.container_id);
  const bool v4 = has_family(task.addresses, net::Family::v4);
  const bool v6 = has_family(task.addresses, net::Family::v6);
  const int host_index = link.host_index;
  NetlinkSocket* task_nl = &link.task_nl;

  // 1. The task's rules, in force before any route leads to it. The common
  // case: the table, the chain of the task's netgroup combination and its
  // sets exist, and the task's elements alone go in, as netlink messages.
  // Its fast path (the hook on its host end and its elements in the
  // fast-path table) only speeds up traffic those rules allow, and costs
  // the kernel more as the host grows (a new hook is matched against every
  // interface, and adding the fast table's elements re-validates that
  // table): it is left for after the call (take_follow_up), in a
  // transaction that also consumes the task's element in fast_pending,
  // added now. If the task was removed meanwhile (that element with it),
  // the transaction fails and adds nothing. Until it is in, the task's
  // packets take the routed path, under the same rules.
  ruleset::TaskRules rules = rules_of(task);
  rules.host_index = host_index;
  bool fast = !task.netgroups.empty();
  std::vector<NlMessage> now, later;
  for (const auto& e : ruleset::task_elements(rules)) (e.fast ? later : now).push_back(nftnl::new_element(e));
  if (fast) {
    const ruleset::Element pending = ruleset::fast_pending(host_if);
    now.push_back(nftnl::new_element(pending));
    std::vector<NlMessage> first;
    first.push_back(nftnl::del_element(pending));
    for (auto& m : nftnl::add_fast_hook(host_if)) first.push_back(std::move(m));
    later.insert(later.begin(), std::make_move_iterator(first.begin()), std::make_move_iterator(first.end()));
  }
  NETMOD_ASSIGN_OR_RETURN(NetlinkSocket * nf, this->nf());
  trace_point("nft-start");
  auto r = nf->transaction(now);
  const bool fast_later = r && fast;
  if (!r) {
    if (r.error().code != Errc::not_found) return std::move(r).error();
    // The first task of its kind (or reconcile removed a set since): the
    // table, chains and sets it needs, and its elements, in nft syntax and
    // one transaction. Chains are written only when missing: rewriting
    // rules on every call would make the kernel free old rules (and wait
    // for it) each time. Pools go in with the base; later pool changes are
    // applied by reconcile (adding to an interval set makes nft read the
    // table's elements, which would make every isolate cost grow with the
    // number of tasks).
    NETMOD_ASSIGN_OR_RETURN(bool have_base, chain_exists("antispoof"));
    std::string comb = ruleset::combination_chain(task.netgroups);
    bool have_comb = comb == "c_isolated" || comb == "c_public" ? have_base : false;
    if (have_base && !have_comb) {
      NETMOD_ASSIGN_OR_RETURN(have_comb, chain_exists(comb));
    }
    // (A table made before fast_pending existed gets it here.)
    std::string cmds = have_base ? ruleset::fast_pending_set() : host_commands(host);
    cmds += have_comb ? ruleset::netgroup_sets(task.netgroups) : ruleset::combination(task.netgroups);
    std::string fast_cmds;
    if (fast) {
      NETMOD_ASSIGN_OR_RETURN(bool have_fast, chain_exists(ruleset::kFastChain, true));
      if (!have_fast) fast_cmds += ruleset::fast_base();
      fast_cmds += ruleset::fast_hook(host_if);
      NETMOD_ASSIGN_OR_RETURN(bool have_fast_comb, chain_exists(ruleset::fast_chain(task.netgroups), true));
      if (!have_fast_comb) fast_cmds += ruleset::fast_combination(task.netgroups);
    }
    auto text = kernel_->run_nft(cmds + fast_cmds + ruleset::task_elements_only(rules, fast));
    if (!text && fast) {
      // As above: without the fast path rather than not at all.
      fast = false;
      text = kernel_->run_nft(cmds + ruleset::task_elements_only(rules, false));
    }
    NETMOD_TRY(std::move(text));
  }
  Cleanup undo_rules([&] {
    (void)remove_elements(rules);
    if (fast && !fast_later) unhook_fast_path(host_if);
  });
  trace_point("rules-added");

  // 2. Inside the task: its addresses, and the gateways of any family
  // create_link was not told of.
  {
    std::vector<NlMessage> msgs;
    for (const auto& a : task.addresses) msgs.push_back(rtnl::add_address(link.task_index, a, true));
    add_task_routes(msgs, link.task_index, task, v4 && !link.v4_ready, v6 && !link.v6_ready);
    NETMOD_TRY(task_nl->execute(msgs));
  }
  trace_point("task-configured");

  // 3. On the host, one batch: neighbours, routes, block blackholes.
  {
    std::vector<NlMessage> msgs;
    for (const auto& a : task.addresses) {
      msgs.push_back(rtnl::add_neighbour(host_index, a, mac));
      msgs.push_back(rtnl::add_route({net::Cidr::host(a), host_index, std::nullopt, false, true}));
    }
    // The blackhole of each block that holds one of the task's addresses
    // (the host's other blocks got theirs with their first task, and from
    // apply_host): re-adding every block's would make each call cost more
    // as the host's blocks grow.
    for (const auto& b : host.local_blocks) {
      bool mine = std::any_of(task.addresses.begin(), task.addresses.end(), [&](const auto& a) { return b.contains(a); });
      if (mine) msgs.push_back(rtnl::add_route({b, 0, std::nullopt, true, false}));
    }
    NETMOD_TRY(nl_.execute(msgs));
  }

  trace_point("host-configured");
  undo_rules.cancel();
  if (fast_later) follow_.nf_transactions.push_back({std::move(later), /*guarded=*/true});
  if (v6) {
    // The proxy entry that answers a task asking for its IPv6 gateway (it
    // has a static entry for it): left for after the call too, as the kernel
    // keeps the proxy entries of one address in one list, which this one
    // joins at the cost of a walk over all the host's tasks'. It goes with
    // the device if that is gone first.
    follow_.rtnl.push_back(rtnl::add_proxy_neighbour(host_index, *net::IpAddress::parse(kGatewayV6)));
  }
  return ok();
}

Result<std::optional<int>> Dataplane::isolate_for_removal(const TaskSpec& task,
                                                          const std::vector<ruleset::Object>& unused, bool park) {
  const std::string host_if = host_ifname(task.container_id);
  // Three outcomes: found, not found, or an error, after which nothing may
  // be removed (the caller must not release addresses still on a veth).
  auto current = rtnl::link_index(nl_, host_if);
  if (!current && current.error().code != Errc::not_found) return std::move(current).error();
  const ruleset::TaskRules rules = rules_of(task);
  trace_point("link-looked-up");
  // Without addresses (no endpoint record: never wired, or its record is
  // gone with the rest) there are no elements to look for.
  if (!task.addresses.empty()) {
    NETMOD_TRY(remove_elements(rules, unused));
    if (!task.netgroups.empty()) unhook_fast_path(host_if);
  }
  trace_point("elements-removed");
  if (!current) return std::optional<int>();
  std::vector<NlMessage> msgs;
  for (const auto& a : task.addresses) {
    msgs.push_back(rtnl::del_route({net::Cidr::host(a), *current, std::nullopt, false, true}));
  }
  NlMessage down(RTM_NEWLINK, 0, "setting link " + host_if + " down");
  auto* ifi = down.put_family_header<ifinfomsg>();
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_change = IFF_UP;  // flags 0: down
  down.put_str(IFLA_IFNAME, host_if);
  msgs.push_back(std::move(down));
  if (park) msgs.push_back(rtnl::set_link_group(host_if, ruleset::kParkedIfGroup));
  // The link may vanish after its lookup: the kernel deletes a veth pair
  // when the namespace of either end goes, as the task's does when it
  // ends. Gone is removed: nothing to park or delete.
  bool vanished = false;
  NETMOD_TRY(nl_.execute(msgs, [&vanished](int err, const NlMessage& m) {
    if (err != ESRCH && err != ENODEV) return false;
    if (m.header()->nlmsg_type == RTM_DELROUTE) return true;
    vanished = vanished || err == ENODEV;
    return err == ENODEV;
  }));
  if (vanished) return std::optional<int>();
  return std::optional<int>(*current);
}

Result<void> Dataplane::delete_link(const TaskSpec& task) { return delete_link(host_ifname(task.container_id)); }

Result<void> Dataplane::delete_link(const std::string& name) {
  std::vector<NlMessage> msgs;
  msgs.push_back(rtnl::del_link(name));
  return nl_.execute(msgs, [](int err, const NlMessage&) { return err == ENODEV; });
}

Result<void> Dataplane::delete_link(int index) {
  std::vector<NlMessage> msgs;
  msgs.push_back(rtnl::del_link(index));
  return nl_.execute(msgs, [](int err, const NlMessage&) { return err == ENODEV; });
}

Result<void> Dataplane::remove_task(const TaskSpec& task, const std::vector<ruleset::Object>& unused) {
  NETMOD_ASSIGN_OR_RETURN(auto link, isolate_for_removal(task, unused));
  if (!link) return ok();
  return delete_link(*link);
}

}  // namespace netmod::dataplane

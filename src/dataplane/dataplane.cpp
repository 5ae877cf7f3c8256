#include "dataplane/dataplane.hpp"

#include <linux/if.h>
#include <linux/rtnetlink.h>

#include <cstdio>
#include <optional>

#include "common/cleanup.hpp"
#include "dataplane/sysctl.hpp"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

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

Result<Dataplane> Dataplane::open() {
  NETMOD_ASSIGN_OR_RETURN(NetlinkSocket nl, NetlinkSocket::open());
  NETMOD_ASSIGN_OR_RETURN(Nft nft, Nft::open());
  return Dataplane(std::move(nl), std::move(nft));
}

Result<void> Dataplane::ensure_host_sysctls() {
  NETMOD_TRY(sysctl::set("net/ipv4/ip_forward", "1"));
  // A host without IPv6 has no such file; IPv6 tasks then fail later, clearly.
  (void)sysctl::set("net/ipv6/conf/all/forwarding", "1");
  return ok();
}

std::string Dataplane::host_commands(const HostSpec& host) {
  return ruleset::base() + ruleset::pools(host.pools);
}

Result<bool> Dataplane::chain_exists(const std::string& chain) {
  NETMOD_ASSIGN_OR_RETURN(NetlinkSocket sock, NetlinkSocket::open(NETLINK_NETFILTER));
  NlMessage m(static_cast<uint16_t>((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETCHAIN), 0, "looking up chain " + chain);
  auto* nfg = m.put_family_header<nfgenmsg>();
  nfg->nfgen_family = NFPROTO_INET;
  nfg->version = NFNETLINK_V0;
  m.put_str(NFTA_CHAIN_TABLE, "netmod");
  m.put_str(NFTA_CHAIN_NAME, chain);
  auto r = sock.request(m, [](const nlmsghdr*) {});
  if (r) return true;
  if (r.error().code == Errc::not_found) return false;
  return std::move(r).error();
}

Result<void> Dataplane::apply_host(const HostSpec& host) {
  NETMOD_TRY(ensure_host_sysctls());
  NETMOD_TRY(nft_.run(host_commands(host)));
  std::vector<NlMessage> msgs;
  for (const auto& b : host.local_blocks) msgs.push_back(rtnl::add_route({b, 0, std::nullopt, true, false}));
  return nl_.execute(msgs);
}

Result<void> Dataplane::add_task(const TaskSpec& task, const Netns& task_ns, const HostSpec& host) {
  const std::string host_if = host_ifname(task.container_id);
  const rtnl::Mac mac = task_mac(task.container_id);
  const auto gw4 = *net::IpAddress::parse(kGatewayV4);
  const auto gw6 = *net::IpAddress::parse(kHostLinkLocal);
  const bool v4 = has_family(task.addresses, net::Family::v4);
  const bool v6 = has_family(task.addresses, net::Family::v6);

  NETMOD_TRY(ensure_host_sysctls());

  // A socket bound to the task's namespace: every later step inside the
  // task goes through it, without switching namespace again.
  std::optional<NetlinkSocket> task_nl;
  NETMOD_TRY(with_netns(task_ns, [&]() -> Result<void> {
    NETMOD_ASSIGN_OR_RETURN(NetlinkSocket s, NetlinkSocket::open());
    task_nl.emplace(std::move(s));
    return ok();
  }));

  // 1. The veth pair, each end born in its namespace.
  {
    std::vector<NlMessage> msgs;
    msgs.push_back(rtnl::new_veth(host_if, kHostMac, task.task_ifname, mac, task_ns.fd(), task.mtu));
    auto r = nl_.execute(msgs);
    if (!r) {
      if (r.error().sys_errno == EEXIST) {
        return make_error(Errc::already_exists, "cannot create veth " + host_if + " / " + task.task_ifname +
                                                    ": an interface of that name already exists");
      }
      return std::move(r).error();
    }
  }
  Cleanup undo_link([&] {
    std::vector<NlMessage> msgs;
    msgs.push_back(rtnl::del_link(host_if));
    (void)nl_.execute(msgs);
  });

  NETMOD_ASSIGN_OR_RETURN(int hostindex, rtnl::link_index(nl_, host_if));

  // 2. The host end's parameters.
  NETMOD_TRY(sysctl::set("net/ipv4/conf/" + host_if + "/proxy_arp", "1"));
  NETMOD_TRY(sysctl::set("net/ipv4/conf/" + host_if + "/rp_filter", "1"));
  if (v6) {
    NETMOD_TRY(sysctl::set("net/ipv6/conf/" + host_if + "/accept_dad", "0"));
    // The task resolves its gateway from a static entry and the host end
    // owns that link-local address; proxy NDP covers tasks that ask anyway.
    NETMOD_TRY(sysctl::set("net/ipv6/conf/" + host_if + "/proxy_ndp", "1"));
  }

  // 3. The task's rules, in force before any route leads to it. Chains are
  // written only when missing: rewriting rules on every call would make
  // the kernel free old rules (and wait for it) each time.
  const ruleset::TaskRules rules = rules_of(task);
  std::string cmds;
  NETMOD_ASSIGN_OR_RETURN(bool have_base, chain_exists("antispoof"));
  // Pools go in with the base; later pool changes are applied by reconcile
  // (adding to an interval set makes nft read the table's elements, which
  // would make every isolate cost grow with the number of tasks).
  if (!have_base) cmds += host_commands(host);
  std::string comb = ruleset::combination_chain(task.netgroups);
  bool have_comb = comb == "c_isolated" || comb == "c_public" ? have_base : false;
  if (!have_comb) {
    NETMOD_ASSIGN_OR_RETURN(have_comb, chain_exists(comb));
  }
  cmds += have_comb ? ruleset::netgroup_sets(task.netgroups) : ruleset::combination(task.netgroups);
  NETMOD_TRY(nft_.run(cmds + ruleset::task_elements_only(rules)));
  Cleanup undo_rules([&] {
    if (!nft_.run(ruleset::remove_task(rules))) {
      for (const auto& cmd : ruleset::remove_task_each(rules)) (void)nft_.run(cmd);
    }
  });

  // 4. Inside the task, one batch.
  {
    NETMOD_ASSIGN_OR_RETURN(int ifindex, rtnl::link_index(*task_nl, task.task_ifname));
    std::vector<NlMessage> msgs;
    msgs.push_back(rtnl::set_link_up("lo"));
    for (const auto& a : task.addresses) msgs.push_back(rtnl::add_address(ifindex, a, true));
    msgs.push_back(rtnl::set_link_up(task.task_ifname));
    if (v4) {
      msgs.push_back(rtnl::add_neighbour(ifindex, gw4, kHostMac));
      msgs.push_back(rtnl::add_route({net::Cidr::host(gw4), ifindex, std::nullopt, false, true}));
      msgs.push_back(rtnl::add_route({*net::Cidr::parse("0.0.0.0/0"), ifindex, gw4, false, false}));
    }
    if (v6) {
      msgs.push_back(rtnl::add_neighbour(ifindex, gw6, kHostMac));
      msgs.push_back(rtnl::add_route({*net::Cidr::parse("::/0"), ifindex, gw6, false, false}));
    }
    NETMOD_TRY(task_nl->execute(msgs));
  }

  // 5. On the host, one batch: up, neighbours, routes, block blackholes.
  {
    std::vector<NlMessage> msgs;
    msgs.push_back(rtnl::set_link_up(host_if));
    for (const auto& a : task.addresses) {
      msgs.push_back(rtnl::add_neighbour(hostindex, a, mac));
      msgs.push_back(rtnl::add_route({net::Cidr::host(a), hostindex, std::nullopt, false, true}));
    }
    for (const auto& b : host.local_blocks) msgs.push_back(rtnl::add_route({b, 0, std::nullopt, true, false}));
    NETMOD_TRY(nl_.execute(msgs));
  }

  undo_rules.cancel();
  undo_link.cancel();
  return ok();
}

Result<bool> Dataplane::isolate_for_removal(const TaskSpec& task) {
  const std::string host_if = host_ifname(task.container_id);
  auto current = rtnl::link_index(nl_, host_if);
  const ruleset::TaskRules rules = rules_of(task);
  if (auto r = nft_.run(ruleset::remove_task(rules)); !r) {
    // Part of it is gone already (a half-done isolate or cleanup): remove
    // what is left element by element.
    for (const auto& cmd : ruleset::remove_task_each(rules)) (void)nft_.run(cmd);
  }
  if (!current) return false;
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
  NETMOD_TRY(nl_.execute(msgs, [](int err, const NlMessage&) { return err == ESRCH || err == ENODEV; }));
  return true;
}

Result<void> Dataplane::delete_link(const TaskSpec& task) { return delete_link(host_ifname(task.container_id)); }

Result<void> Dataplane::delete_link(const std::string& name) {
  std::vector<NlMessage> msgs;
  msgs.push_back(rtnl::del_link(name));
  return nl_.execute(msgs, [](int err, const NlMessage&) { return err == ENODEV; });
}

Result<void> Dataplane::remove_task(const TaskSpec& task) {
  NETMOD_ASSIGN_OR_RETURN(bool link, isolate_for_removal(task));
  if (!link) return ok();
  return delete_link(task);
}

}  // namespace netmod::dataplane

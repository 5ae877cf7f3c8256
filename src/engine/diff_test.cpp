#include "engine/diff.hpp"

#include <gtest/gtest.h>
#include <linux/neighbour.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/rtnetlink.h>

#include "dataplane/dataplane.hpp"
#include "engine/test_records.hpp"
#include "dataplane/nft_netlink.hpp"

namespace netmod::engine {
namespace {

namespace ruleset = dataplane::ruleset;
namespace nftstate = dataplane::nftstate;
namespace state = dataplane::state;

using test::cidr;
using test::endpoint;
using test::ip;

HostInput host_input() {
  HostInput in;
  in.endpoints.push_back(endpoint("web-1", {ip("10.65.0.2"), ip("fd65::2")}, {"web"}));
  in.endpoints.push_back(endpoint("web-2", {ip("10.65.0.4")}, {"web"}));
  in.endpoints.push_back(endpoint("lone", {ip("10.65.0.3")}, {}));
  in.local_blocks = {cidr("10.65.0.0/26")};
  in.pools = {{cidr("10.65.0.0/16"), true}, {cidr("fd65::/48"), false}};
  return in;
}

Plan host_plan() { return plan(host_input()); }

// The kernel as wiring leaves it for `p`: every object in place. Link
// indexes from 10 on, in name order; eth0 (index 2) is the host's own.
Snapshot in_sync(const Plan& p) {
  Snapshot s;
  s.links.push_back({2, "eth0", 0, true, std::nullopt, 1500, 0});
  std::map<std::string, int> index;
  int next = 10;
  for (const auto& [name, task] : p.links) {
    index[name] = next;
    s.links.push_back({next++, name, ruleset::kTaskIfGroup, true, dataplane::kHostMac, 1500, 0});
  }
  for (const auto& r : p.routes) {
    if (r.via) {  // through the host's fabric interface, eth0
      s.routes.push_back({r.dst, 2, r.via, RT_TABLE_MAIN, dataplane::rtnl::kRouteProtocol, RTN_UNICAST, 0});
      continue;
    }
    state::Route k{r.dst, r.ifname.empty() ? 0 : index.at(r.ifname), std::nullopt, RT_TABLE_MAIN,
                   dataplane::rtnl::kRouteProtocol, static_cast<uint8_t>(r.ifname.empty() ? RTN_BLACKHOLE : RTN_UNICAST), 0};
    s.routes.push_back(k);
  }
  for (const auto& n : p.neighbours) {
    if (n.mac) {
      s.neighbours.push_back({index.at(n.ifname), n.ip, n.mac, NUD_PERMANENT, 0});
    } else {
      s.proxies.push_back({index.at(n.ifname), n.ip, std::nullopt, 0, NTF_PROXY});
    }
  }
  for (bool fast : {false, true}) {
    auto& t = fast ? s.nft.netdev : s.nft.inet;
    t.present = true;
    for (const auto& o : p.objects) {
      if (o.fast != fast) continue;
      if (!o.chain) {
        t.sets.push_back(o.name);
        continue;
      }
      t.chains.push_back(nftstate::Chain{o.name, {}});
      if (p.rule_counts.at(o) > 0) t.rule_counts[o.name] = p.rule_counts.at(o);
    }
  }
  for (const auto& h : p.hooks) {
    s.nft.netdev.chains.push_back({ruleset::fast_hook_chain(h), {h}});
    s.nft.netdev.rule_counts[ruleset::fast_hook_chain(h)] = 1;
  }
  for (auto e : p.elements) {
    if (!e.data_ifname.empty()) e.data_ifindex = index.at(e.data_ifname);
    s.nft.elements.push_back(nftstate::kernel_form(e));
  }
  for (const char* f : {"v4", "v6"}) {
    std::vector<net::Cidr> all, nat;
    for (const auto& pool : p.pools) {
      if ((pool.cidr.family() == net::Family::v4) != (std::string(f) == "v4")) continue;
      all.push_back(pool.cidr);
      if (pool.nat_outgoing) nat.push_back(pool.cidr);
    }
    for (auto& e : nftstate::interval_elements(std::string("pools_") + f, all)) s.nft.elements.push_back(e);
    for (auto& e : nftstate::interval_elements(std::string("nat_") + f, nat)) s.nft.elements.push_back(e);
  }
  return s;
}

std::string lines(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& l : v) out += l + "\n";
  return out;
}

int index_of(const Snapshot& s, const std::string& name) {
  for (const auto& l : s.links) {
    if (l.name == name) return l.index;
  }
  return 0;
}

const std::string kWeb1 = dataplane::host_ifname("web-1");
const std::string kWeb2 = dataplane::host_ifname("web-2");
const std::string kLone = dataplane::host_ifname("lone");

TEST(Diff, NothingToDoWhenTheKernelMatches) {
  const Plan p = host_plan();
  const Change c = diff(p, in_sync(p));
  EXPECT_TRUE(c.empty()) << lines(c.added) << lines(c.removed) << c.nft_text;
  EXPECT_TRUE(c.added.empty());
  EXPECT_TRUE(c.removed.empty());
  EXPECT_TRUE(c.unlinked.empty());
}

TEST(Diff, ADeletedRouteNeighbourProxyAndElementComeBackAlone) {
  const Plan p = host_plan();
  Snapshot k = in_sync(p);
  std::erase_if(k.routes, [](const state::Route& r) { return r.dst == cidr("10.65.0.4/32"); });
  std::erase_if(k.neighbours, [](const state::Neighbour& n) { return n.ip == ip("10.65.0.3"); });
  k.proxies.clear();
  const auto gone = nftstate::kernel_form({.set = "src_v4", .ifname = kWeb2, .addr = ip("10.65.0.4")});
  std::erase(k.nft.elements, gone);
  const Change c = diff(p, k);
  EXPECT_EQ(lines(c.added), "neighbour 10.65.0.3 on " + kLone + "\n" + "proxy entry fe80::ecee:eeff:feee:eeee on " +
                                kWeb1 + "\n" + "route to 10.65.0.4/32 via " + kWeb2 + "\n" +
                                "nftables element src_v4: \"" + kWeb2 + "\" . 10.65.0.4\n");
  EXPECT_TRUE(c.removed.empty()) << lines(c.removed);
  ASSERT_EQ(c.rtnl.size(), 3u);
  EXPECT_EQ(c.rtnl[0].header()->nlmsg_type, RTM_NEWNEIGH);
  EXPECT_EQ(c.rtnl[2].header()->nlmsg_type, RTM_NEWROUTE);
  ASSERT_EQ(c.nf.size(), 1u);
  EXPECT_EQ(c.nf[0].bytes(), dataplane::nftnl::new_element({.set = "src_v4", .ifname = kWeb2, .addr = ip("10.65.0.4")}).bytes());
  EXPECT_TRUE(c.nft_text.empty());
}

TEST(Diff, RemovesWhatNetmodOwnsAndNoRecordWantsAndNothingElse) {
  const Plan p = host_plan();
  Snapshot k = in_sync(p);
  const std::string stale = dataplane::host_ifname("gone"), parked = dataplane::host_ifname("deleted");
  k.links.push_back({40, stale, ruleset::kTaskIfGroup, true, std::nullopt, 1500, 0});
  k.links.push_back({41, parked, ruleset::kParkedIfGroup, false, std::nullopt, 1500, 0});
  // Not netmod's: a name of another shape in netmod's group, and a
  // netmod-shaped name outside its groups.
  k.links.push_back({42, "veth-user", ruleset::kTaskIfGroup, true, std::nullopt, 1500, 0});
  k.links.push_back({43, dataplane::host_ifname("user"), 0, true, std::nullopt, 1500, 0});
  k.routes.push_back({cidr("10.65.0.9/32"), 40, std::nullopt, RT_TABLE_MAIN, dataplane::rtnl::kRouteProtocol, RTN_UNICAST, 0});
  k.routes.push_back({cidr("10.65.9.0/26"), 0, std::nullopt, RT_TABLE_MAIN, dataplane::rtnl::kRouteProtocol, RTN_BLACKHOLE, 0});
  k.nft.elements.push_back(nftstate::kernel_form({.set = "to_v4", .addr = ip("10.65.0.9"), .goto_chain = "c_public"}));
  const std::string old_set = ruleset::netgroup_set("old", net::Family::v4);
  const std::string old_chain = ruleset::combination_chain({"old"});
  k.nft.inet.sets.push_back(old_set);
  k.nft.inet.chains.push_back({old_chain, {}});
  k.nft.netdev.chains.push_back({ruleset::fast_hook_chain(stale), {stale}});
  k.nft.netdev.rule_counts[ruleset::fast_hook_chain(stale)] = 1;
  const Change c = diff(p, k);
  EXPECT_EQ(lines(c.removed),
            "interface " + stale + " (no endpoint)\n" + "interface " + parked +
                " (of a deleted task, parked for deletion)\n" + "blackhole 10.65.9.0/26 (no endpoint or block)\n" +
                "nftables chain " + old_chain + " (no endpoint is in its netgroups)\n" + "nftables set " + old_set +
                " (no endpoint is in its netgroup)\n" + "nftables element to_v4: 10.65.0.9 (no endpoint)\n" +
                "fast-path hook on " + stale + " (no endpoint)\n");
  EXPECT_TRUE(c.added.empty()) << lines(c.added);
  // The stale link's route goes with the link: not deleted on its own.
  for (const auto& m : c.rtnl) EXPECT_NE(m.header()->nlmsg_type, RTM_DELNEIGH);
  size_t link_deletions = 0;
  for (const auto& m : c.rtnl) link_deletions += m.header()->nlmsg_type == RTM_DELLINK;
  EXPECT_EQ(link_deletions, 2u);
}

// Found by make demo: a netgroup set that held other hosts' members was
// deleted in the batch that deleted its elements; the kernel refuses a
// set with elements (NLM_F_NONREC), those of the same batch included, so
// every reconcile after it failed. The elements go first, the set on the
// next run.
TEST(Diff, ASetIsDeletedOnlyOnceEmpty) {
  const Plan p = host_plan();
  Snapshot k = in_sync(p);
  const std::string old_set = ruleset::netgroup_set("old", net::Family::v4);
  k.nft.inet.sets.push_back(old_set);
  k.nft.elements.push_back(nftstate::kernel_form({.set = old_set, .addr = ip("10.65.1.7")}));
  const Change first = diff(p, k);
  EXPECT_EQ(lines(first.removed), "nftables element " + old_set + ": 10.65.1.7 (no endpoint)\n");
  ASSERT_EQ(first.nf.size(), 1u);
  k.nft.elements.pop_back();
  const Change second = diff(p, k);
  EXPECT_EQ(lines(second.removed), "nftables set " + old_set + " (no endpoint is in its netgroup)\n");
  ASSERT_EQ(second.nf.size(), 1u);
  EXPECT_EQ(second.nf[0].bytes(), dataplane::nftnl::del_set(old_set, false).bytes());
}

TEST(Diff, ATaskWhoseHostEndIsGoneIsWiredAnewNotStripped) {
  const Plan p = host_plan();
  Snapshot k = in_sync(p);
  const int gone = index_of(k, kWeb2);
  std::erase_if(k.links, [&](const state::Link& l) { return l.index == gone; });
  std::erase_if(k.routes, [&](const state::Route& r) { return r.oif == gone; });
  std::erase_if(k.neighbours, [&](const state::Neighbour& n) { return n.index == gone; });
  const Change c = diff(p, k);
  EXPECT_EQ(c.unlinked, std::vector<std::string>{"web-2"});
  // Its elements stay (its wiring adds the same again) but the fast-path
  // entry naming the gone link's index, and nothing else moves.
  EXPECT_EQ(lines(c.removed), "nftables element fast/dev_v4: 10.65.0.4 (its interface is gone)\n");
  EXPECT_TRUE(c.added.empty()) << lines(c.added);
}

TEST(Diff, ChainsAndSetsMissingOrEmptiedAreMadeAnew) {
  const Plan p = host_plan();
  Snapshot k = in_sync(p);
  // A firewall reload flushed the forward chain, and the netgroup's set went.
  k.nft.inet.rule_counts.erase("forward");
  const std::string web4 = ruleset::netgroup_set("web", net::Family::v4);
  std::erase(k.nft.inet.sets, web4);
  std::erase_if(k.nft.elements, [&](const nftstate::KernelElement& e) { return e.set == web4; });
  const Change c = diff(p, k);
  EXPECT_NE(c.nft_text.find("flush chain inet netmod forward"), std::string::npos) << c.nft_text;
  EXPECT_NE(c.nft_text.find("add set inet netmod " + web4), std::string::npos) << c.nft_text;
  EXPECT_EQ(lines(c.added), "nftables chain forward rules (0 of 5: written anew)\nnftables set " + web4 + "\n" +
                                "nftables element " + web4 + ": 10.65.0.2\nnftables element " + web4 + ": 10.65.0.4\n");
}

TEST(Diff, AFlushedRulesetIsWrittenWholeAgain) {
  const Plan p = host_plan();
  Snapshot k = in_sync(p);
  k.nft = {};
  const Change c = diff(p, k);
  EXPECT_NE(c.nft_text.find("add table inet netmod"), std::string::npos);
  EXPECT_NE(c.nft_text.find("add table netdev netmod"), std::string::npos);
  EXPECT_NE(c.nft_text.find("flush set inet netmod pools_v4"), std::string::npos);
  // Every element, and the base chain of each task with netgroups (made,
  // flushed, its rule added).
  ASSERT_FALSE(p.hooks.empty());
  EXPECT_EQ(c.nf.size(), p.elements.size() + 3 * p.hooks.size());
  EXPECT_TRUE(c.removed.empty());
}

TEST(Diff, FastPathHooksAreRepairedOneByOne) {
  const Plan p = host_plan();
  ASSERT_TRUE(p.hooks.count(kWeb1) && p.hooks.count(kWeb2));
  Snapshot k = in_sync(p);
  // One hook chain deleted, one flushed; then one hooked on another device.
  std::erase_if(k.nft.netdev.chains, [](const nftstate::Chain& c) { return c.name == ruleset::fast_hook_chain(kWeb1); });
  k.nft.netdev.rule_counts.erase(ruleset::fast_hook_chain(kWeb2));
  const Change c = diff(p, k);
  // (In the order of the host ends' names.)
  EXPECT_EQ(lines(c.added), "fast-path hook on " + kWeb2 + " (its rule: written anew)\nfast-path hook on " + kWeb1 + "\n");
  EXPECT_TRUE(c.removed.empty()) << lines(c.removed);
  EXPECT_EQ(c.nf.size(), 6u);
  EXPECT_TRUE(c.nft_text.empty()) << "the shared chain is left alone";

  Snapshot moved = in_sync(p);
  for (auto& ch : moved.nft.netdev.chains) {
    if (ch.name == ruleset::fast_hook_chain(kWeb1)) ch.devices = {"eth0"};
  }
  const Change m = diff(p, moved);
  EXPECT_EQ(lines(m.added), "fast-path hook on " + kWeb1 + " (its hook: written anew)\n");
  ASSERT_EQ(m.nf.size(), 4u);
  EXPECT_EQ(m.nf[0].header()->nlmsg_type & 0xff, NFT_MSG_DELCHAIN);
}

TEST(Diff, WrongValuesAndGroupsAreCorrected) {
  const Plan p = host_plan();
  Snapshot k = in_sync(p);
  for (auto& e : k.nft.elements) {
    if (e.set == "to_v4" && !e.fast && e.key == nftstate::kernel_form({.set = "to_v4", .addr = ip("10.65.0.3")}).key) {
      e.goto_chain = "c_public";
    }
  }
  for (auto& l : k.links) {
    if (l.name == kLone) {
      l.group = 0;
      l.up = false;
    }
  }
  const Change c = diff(p, k);
  EXPECT_EQ(lines(c.removed), "nftables element to_v4: 10.65.0.3 (a wrong value)\n");
  EXPECT_EQ(lines(c.added), "interface " + kLone + " back in netmod's interface group\ninterface " + kLone +
                                " up\nnftables element to_v4: 10.65.0.3\n");
  EXPECT_EQ(c.nf.size(), 2u);
}

TEST(Diff, ChangedPoolsRewriteThePoolSets) {
  Plan p = host_plan();
  Snapshot k = in_sync(p);
  p.pools.push_back({cidr("10.66.0.0/16"), false});
  const Change c = diff(p, k);
  EXPECT_EQ(lines(c.added), "nftables pool sets (written anew)\n");
  EXPECT_NE(c.nft_text.find("10.66.0.0/16"), std::string::npos);
}


// Another host's block and a borrowed address routed via it, and its
// task in this host's "web" set: added when missing, removed when the
// cluster no longer has them, and the host's own routes left alone.
TEST(Diff, RoutesAndMembersOfOtherHostsFollowTheCluster) {
  HostInput in = host_input();
  in.cluster.routes = {{cidr("10.65.0.64/26"), ip("192.168.50.3")}, {cidr("10.65.0.9/32"), ip("192.168.50.3")}};
  in.cluster.members = {{{ip("10.65.0.70")}, {"web", "db"}}};
  const Plan with = plan(in);
  // Only the netgroup this host has: "db" has no set here.
  int members = 0;
  for (const auto& e : with.elements) {
    if (e.addr && *e.addr == ip("10.65.0.70")) {
      ++members;
      EXPECT_EQ(e.set, ruleset::netgroup_set("web", net::Family::v4));
    }
  }
  EXPECT_EQ(members, 1);
  EXPECT_TRUE(with.routes.count({cidr("10.65.0.64/26"), "", ip("192.168.50.3")}));

  // A kernel without the cluster's part gets exactly it.
  Change c = diff(with, in_sync(host_plan()));
  EXPECT_EQ(lines(c.added), "route to 10.65.0.9/32 via 192.168.50.3\n"
                            "route to 10.65.0.64/26 via 192.168.50.3\n"
                            "nftables element " + ruleset::netgroup_set("web", net::Family::v4) + ": 10.65.0.70\n")
      << lines(c.added);
  EXPECT_TRUE(c.removed.empty()) << lines(c.removed);
  // The host went away (no route, no member any more): both go.
  Change gone = diff(host_plan(), in_sync(with));
  EXPECT_TRUE(gone.added.empty()) << lines(gone.added);
  EXPECT_EQ(gone.removed.size(), 3u) << lines(gone.removed);
  // Moved to another gateway: replaced.
  HostInput moved = in;
  moved.cluster.routes[0].via = ip("192.168.50.4");
  Change m = diff(plan(moved), in_sync(with));
  EXPECT_EQ(lines(m.added), "route to 10.65.0.64/26 via 192.168.50.4\n");
  EXPECT_EQ(lines(m.removed), "route to 10.65.0.64/26 via 192.168.50.3 (no such block or task on that host)\n");
}

}  // namespace
}  // namespace netmod::engine

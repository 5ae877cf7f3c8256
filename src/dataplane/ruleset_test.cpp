#include "dataplane/ruleset.hpp"

#include <gtest/gtest.h>

namespace netmod::dataplane::ruleset {
namespace {

net::IpAddress ip(const char* s) { return *net::IpAddress::parse(s); }

TEST(Ruleset, NamesAreHashedNeverPasted) {
  // Whatever a netgroup is called, its set name is "g4_" + 16 hex digits.
  for (const char* g : {"star-1", "a", "x.y_z-0"}) {
    std::string n = netgroup_set(g, net::Family::v4);
    EXPECT_EQ(n.size(), 19u);
    EXPECT_EQ(n.rfind("g4_", 0), 0u);
    EXPECT_EQ(n.find_first_not_of("0123456789abcdef", 3), std::string::npos) << n;
  }
  EXPECT_NE(netgroup_set("a", net::Family::v4), netgroup_set("b", net::Family::v4));
  EXPECT_EQ(netgroup_set("a", net::Family::v6).rfind("g6_", 0), 0u);
  EXPECT_EQ(combination_chain({}), "c_isolated");
  EXPECT_EQ(combination_chain({"public", "star-1"}), "c_public");
  EXPECT_NE(combination_chain({"a", "b"}), combination_chain({"ab"}));
}

TEST(Ruleset, TaskGolden) {
  TaskRules t{"nm0123456789ab", {ip("10.65.0.2"), ip("fd65:6e6d::2")}, {"star-1"}};
  std::string g4 = netgroup_set("star-1", net::Family::v4), g6 = netgroup_set("star-1", net::Family::v6);
  std::string c = combination_chain({"star-1"});
  std::string expected =
      "add set inet netmod " + g4 + " { type ipv4_addr; }\n"
      "add set inet netmod " + g6 + " { type ipv6_addr; }\n"
      "add chain inet netmod " + c + "\n"
      "flush chain inet netmod " + c + "\n"
      "add rule inet netmod " + c + " ip saddr @" + g4 + " accept\n"
      "add rule inet netmod " + c + " ip6 saddr @" + g6 + " accept\n"
      "add rule inet netmod " + c + " drop\n"
      "add element inet netmod src_v4 { \"nm0123456789ab\" . 10.65.0.2 }\n"
      "add element inet netmod to_v4 { 10.65.0.2 : goto " + c + " }\n"
      "add element inet netmod " + g4 + " { 10.65.0.2 }\n"
      "add element inet netmod src_v6 { \"nm0123456789ab\" . fd65:6e6d::2 }\n"
      "add element inet netmod to_v6 { fd65:6e6d::2 : goto " + c + " }\n"
      "add element inet netmod " + g6 + " { fd65:6e6d::2 }\n";
  // The fast path: destination map, interface map, and the sender-side
  // sets of ifname . address.
  std::string f = fast_chain({"star-1"});
  std::string gi4 = fast_set("star-1", net::Family::v4), gi6 = fast_set("star-1", net::Family::v6);
  expected +=
      "add element netdev netmod to_v4 { 10.65.0.2 : goto " + f + " }\n"
      "add element netdev netmod dev_v4 { 10.65.0.2 : \"nm0123456789ab\" }\n"
      "add element netdev netmod " + gi4 + " { \"nm0123456789ab\" . 10.65.0.2 }\n"
      "add element netdev netmod to_v6 { fd65:6e6d::2 : goto " + f + " }\n"
      "add element netdev netmod dev_v6 { fd65:6e6d::2 : \"nm0123456789ab\" }\n"
      "add element netdev netmod " + gi6 + " { \"nm0123456789ab\" . fd65:6e6d::2 }\n";
  EXPECT_EQ(combination(t.netgroups) + task_elements_only(t), expected);
}

TEST(Ruleset, TaskWithoutNetgroupIsIsolated) {
  TaskRules t{"nmffffffffffff", {ip("10.65.0.9")}, {}};
  std::string s = combination(t.netgroups) + task_elements_only(t);
  EXPECT_NE(s.find("add element inet netmod isolated_v4 { 10.65.0.9 }"), std::string::npos);
  EXPECT_NE(s.find("to_v4 { 10.65.0.9 : goto c_isolated }"), std::string::npos);
  EXPECT_EQ(s.find("add chain"), std::string::npos);  // c_isolated is part of the base
  EXPECT_EQ(s.find("netdev"), std::string::npos);     // and it never takes the fast path
}

TEST(Ruleset, FastPathForwardsOnlySendersInTheDestinationsNetgroups) {
  std::string c = fast_combination({"a", "b"});
  std::string f = fast_chain({"a", "b"});
  EXPECT_NE(f, fast_chain({"a"}));
  EXPECT_NE(c.find("add set netdev netmod " + fast_set("a", net::Family::v4) + " { type ifname . ipv4_addr; }"),
            std::string::npos);
  EXPECT_NE(c.find("add rule netdev netmod " + f + " iifname . ip saddr @" + fast_set("b", net::Family::v4) +
                   " fwd ip to ip daddr device ip daddr map @dev_v4\n"),
            std::string::npos);
  // No drop anywhere: what the fast path does not forward goes on to the
  // routed path and the inet table.
  EXPECT_EQ(c.find("drop"), std::string::npos);
  // The chain `fast` is hooked nowhere: each host end has a base chain of
  // its own that goes to it.
  std::string b = fast_base();
  EXPECT_NE(b.find("add chain netdev netmod fast\nflush chain netdev netmod fast\n"
                   "add rule netdev netmod fast ip daddr vmap @to_v4\n"),
            std::string::npos);
  EXPECT_EQ(b.find("hook"), std::string::npos);
  EXPECT_EQ(b.find("drop"), std::string::npos);
  EXPECT_EQ(fast_hook("nmffffffffffff"),
            "add chain netdev netmod h_nmffffffffffff { type filter hook ingress device \"nmffffffffffff\" "
            "priority -300; policy accept; }\n"
            "flush chain netdev netmod h_nmffffffffffff\n"
            "add rule netdev netmod h_nmffffffffffff goto fast\n");
  EXPECT_EQ(fast_hook_device("h_nmffffffffffff"), "nmffffffffffff");
  EXPECT_EQ(fast_hook_device("fast"), std::nullopt);
  EXPECT_EQ(fast_hook_device("h_"), std::nullopt);
}

TEST(Ruleset, PublicMembersAcceptEveryone) {
  TaskRules t{"nmffffffffffff", {ip("10.65.0.9")}, {"public", "web"}};
  std::string s = combination(t.netgroups) + task_elements_only(t);
  EXPECT_NE(s.find("goto c_public"), std::string::npos);
  // Still listed in every netgroup's set, so they reach the other members.
  EXPECT_NE(s.find("add element inet netmod " + netgroup_set("web", net::Family::v4) + " { 10.65.0.9 }"),
            std::string::npos);
}

TEST(Ruleset, BaseAndPools) {
  std::string b = base();
  EXPECT_EQ(b.rfind("add table inet netmod\n", 0), 0u);
  EXPECT_NE(b.find("add chain inet netmod forward { type filter hook forward priority filter; policy accept; }"),
            std::string::npos);
  EXPECT_NE(b.find("add rule inet netmod forward ip daddr vmap @to_v4"), std::string::npos);
  EXPECT_NE(b.find("add set inet netmod fast_pending { type ifname; }\n"), std::string::npos);
  EXPECT_NE(b.find("add rule inet netmod antispoof iifname . ip saddr @src_v4 accept\n"
                   "add rule inet netmod antispoof iifname . ip6 saddr @src_v6 accept\n"
                   "add rule inet netmod antispoof iifgroup != 28269 accept\n"),
            std::string::npos);
  // Only netmod's own table is ever named.
  size_t pos = 0;
  while ((pos = b.find(" inet ", pos)) != std::string::npos) {
    EXPECT_EQ(b.compare(pos, 12, " inet netmod"), 0) << b.substr(pos, 40);
    EXPECT_TRUE(b[pos + 12] == ' ' || b[pos + 12] == '\n');
    ++pos;
  }
  std::string p = pools({{*net::Cidr::parse("10.65.0.0/16"), true}, {*net::Cidr::parse("fd65::/64"), false}});
  EXPECT_EQ(p,
            "flush set inet netmod pools_v4\nflush set inet netmod nat_v4\n"
            "flush set inet netmod pools_v6\nflush set inet netmod nat_v6\n"
            "add element inet netmod pools_v4 { 10.65.0.0/16 }\n"
            "add element inet netmod nat_v4 { 10.65.0.0/16 }\n"
            "add element inet netmod pools_v6 { fd65::/64 }\n");
}

}  // namespace
}  // namespace netmod::dataplane::ruleset

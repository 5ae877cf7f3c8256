#include "dataplane/kernel_state.hpp"

#include <gtest/gtest.h>
#include <linux/rtnetlink.h>

namespace netmod::dataplane::state {
namespace {

net::IpAddress ip(const char* s) { return *net::IpAddress::parse(s); }
net::Cidr cidr(const char* s) { return *net::Cidr::parse(s); }

// The kernel answers a dump with messages of the shape netmod sends: the
// factories' requests read back as the state they describe.
TEST(KernelState, RoutesReadBackWithTableGatewayAndDevice) {
  NlMessage m = rtnl::add_route({cidr("10.77.0.0/16"), 7, ip("169.254.1.1"), false, false, 0x6e6d0001});
  auto r = parse_route(m.header());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->dst, cidr("10.77.0.0/16"));
  EXPECT_EQ(r->oif, 7);
  EXPECT_EQ(r->gateway, ip("169.254.1.1"));
  EXPECT_EQ(r->table, 0x6e6d0001u);
  EXPECT_EQ(r->protocol, rtnl::kRouteProtocol);
  auto def = parse_route(rtnl::add_route({cidr("::/0"), 3, ip("fe80::1"), false, false}).header());
  ASSERT_TRUE(def);
  EXPECT_EQ(def->dst, cidr("::/0"));
  EXPECT_EQ(def->table, static_cast<uint32_t>(RT_TABLE_MAIN));
  auto hole = parse_route(rtnl::add_route({cidr("10.65.0.0/26"), 0, std::nullopt, true, false}).header());
  ASSERT_TRUE(hole);
  EXPECT_EQ(hole->type, RTN_BLACKHOLE);
}

TEST(KernelState, RulesAddressesNeighbours) {
  auto rule = parse_rule(rtnl::add_rule({cidr("10.77.0.9/32"), 0x6e6d0001, 28269}).header());
  ASSERT_TRUE(rule);
  EXPECT_EQ(rule->src, cidr("10.77.0.9/32"));
  EXPECT_EQ(rule->table, 0x6e6d0001u);
  EXPECT_EQ(rule->priority, 28269u);
  EXPECT_EQ(rule->protocol, rtnl::kRouteProtocol);
  auto addr = parse_address(rtnl::add_address(4, ip("fd65::9"), true).header());
  ASSERT_TRUE(addr);
  EXPECT_EQ(addr->index, 4);
  EXPECT_EQ(addr->address, ip("fd65::9"));
  EXPECT_EQ(addr->prefix_len, 128u);
  auto n = parse_neighbour(rtnl::add_neighbour(4, ip("169.254.1.1"), {0xee, 0xee, 0xee, 0xee, 0xee, 0xee}).header());
  ASSERT_TRUE(n);
  EXPECT_EQ(n->ip, ip("169.254.1.1"));
  EXPECT_EQ(rtnl::mac_str(*n->mac), "ee:ee:ee:ee:ee:ee");
}

TEST(KernelState, LinksAndWhatIsNotOfTheKindAskedFor) {
  auto l = parse_link(rtnl::set_link_group("nm0123456789ab", 0x6e6d).header());
  ASSERT_TRUE(l);
  EXPECT_EQ(l->name, "nm0123456789ab");
  EXPECT_EQ(l->group, 0x6e6du);
  EXPECT_FALSE(parse_route(rtnl::set_link_up("x").header()));
  EXPECT_FALSE(parse_link(rtnl::add_route({cidr("10.0.0.0/8"), 1, std::nullopt, false, false}).header()));
  NlMessage truncated(RTM_NEWROUTE, 0, "short");
  EXPECT_FALSE(parse_route(truncated.header()));
}

}  // namespace
}  // namespace netmod::dataplane::state

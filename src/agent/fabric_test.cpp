#include "agent/fabric.hpp"

#include <gtest/gtest.h>

namespace netmod::agent {
namespace {

net::IpAddress ip(const char* s) { return *net::IpAddress::parse(s); }

dataplane::state::Route default_via(int oif, net::Family f) {
  return {*net::Cidr::parse(f == net::Family::v4 ? "0.0.0.0/0" : "::/0"), oif, std::nullopt, 254, 0, 1, 0};
}

FabricFacts two_interfaces() {
  FabricFacts f;
  f.addresses = {{1, ip("127.0.0.1"), 8},      {1, ip("::1"), 128},         {2, ip("192.168.50.2"), 24},
                 {2, ip("fe80::1"), 64},       {2, ip("fd50::2"), 64},       {3, ip("10.0.0.5"), 24}};
  return f;
}

TEST(Fabric, TheAddressTheDefaultRouteLeavesFrom) {
  FabricFacts f = two_interfaces();
  f.defaults = {default_via(3, net::Family::v4)};
  auto a = choose_fabric({}, f);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(*a, (std::vector<net::IpAddress>{ip("10.0.0.5"), ip("fd50::2")}));
}

TEST(Fabric, WithoutADefaultRouteTheOnlyGlobalAddressElseAClearError) {
  FabricFacts f = two_interfaces();
  auto ambiguous = choose_fabric({}, f);
  ASSERT_FALSE(ambiguous);
  EXPECT_EQ(ambiguous.error().code, Errc::invalid_argument);
  EXPECT_NE(ambiguous.error().message.find("192.168.50.2, 10.0.0.5"), std::string::npos) << ambiguous.error().message;
  EXPECT_NE(ambiguous.error().message.find("set agent.fabric_address"), std::string::npos);
  f.addresses.pop_back();
  auto one = choose_fabric({}, f);
  ASSERT_TRUE(one) << one.error().message;
  EXPECT_EQ(*one, (std::vector<net::IpAddress>{ip("192.168.50.2"), ip("fd50::2")}));
}

TEST(Fabric, AConfiguredAddressMustBeOnAnInterface) {
  FabricFacts f = two_interfaces();
  auto set = choose_fabric({ip("10.0.0.5")}, f);
  ASSERT_TRUE(set);
  EXPECT_EQ(*set, std::vector<net::IpAddress>{ip("10.0.0.5")});
  auto absent = choose_fabric({ip("10.9.9.9")}, f);
  ASSERT_FALSE(absent);
  EXPECT_NE(absent.error().message.find("10.9.9.9 is not an address of any interface"), std::string::npos);
  EXPECT_FALSE(choose_fabric({ip("10.0.0.5"), ip("192.168.50.2")}, f));
}

TEST(Fabric, NoGlobalAddressAtAll) {
  FabricFacts f;
  f.addresses = {{1, ip("127.0.0.1"), 8}};
  auto none = choose_fabric({}, f);
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("no global address"), std::string::npos);
}

}  // namespace
}  // namespace netmod::agent

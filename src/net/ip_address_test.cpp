#include "net/ip_address.hpp"

#include <gtest/gtest.h>

namespace netmod::net {
namespace {

TEST(IpAddress, ParsesAndPrintsCanonically) {
  struct Case {
    const char* in;
    const char* out;
    Family family;
  };
  for (const Case& c : {Case{"10.1.2.3", "10.1.2.3", Family::v4},
                        Case{"0.0.0.0", "0.0.0.0", Family::v4},
                        Case{"FD00:0:0::1", "fd00::1", Family::v6},
                        Case{"::", "::", Family::v6},
                        Case{"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1", Family::v6}}) {
    auto a = IpAddress::parse(c.in);
    ASSERT_TRUE(a) << c.in;
    EXPECT_EQ(a->str(), c.out);
    EXPECT_EQ(a->family(), c.family);
  }
}

TEST(IpAddress, RejectsMalformed) {
  for (const char* bad : {"", "10.0.0", "10.0.0.256", "010.0.0.1", "10.0.0.1/32", "fe80::1%eth0",
                          "1:2:3:4:5:6:7:8:9", "hello", " 10.0.0.1"}) {
    auto a = IpAddress::parse(bad);
    ASSERT_FALSE(a) << bad;
    EXPECT_EQ(a.error().code, Errc::invalid_argument);
    EXPECT_NE(a.error().message.find(bad), std::string::npos) << a.error().message;
  }
}

TEST(IpAddress, IntegerRoundTripAndOrder) {
  auto a = *IpAddress::parse("10.0.0.255");
  EXPECT_EQ(a.to_integer(), U128(0x0a0000ff));
  EXPECT_EQ(IpAddress::v4(0x0a000100).str(), "10.0.1.0");
  auto b = *IpAddress::parse("10.0.1.0");
  EXPECT_LT(a, b);
  auto v6 = *IpAddress::parse("fd00::ff");
  EXPECT_EQ(IpAddress::from_integer(Family::v6, v6.to_integer() + 1).str(), "fd00::100");
  EXPECT_EQ(v6.bytes()[15], 0xff);
  EXPECT_EQ(v6.bytes()[0], 0xfd);
}

}  // namespace
}  // namespace netmod::net

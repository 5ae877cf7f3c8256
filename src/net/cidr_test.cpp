#include "net/cidr.hpp"

#include <gtest/gtest.h>

namespace netmod::net {
namespace {

TEST(Cidr, ParsesValidPrefixes) {
  auto c = Cidr::parse("10.65.0.0/16");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->prefix_len(), 16u);
  EXPECT_EQ(c->size(), U128(65536));
  EXPECT_EQ(c->last().str(), "10.65.255.255");
  EXPECT_EQ(Cidr::parse("fd00::/64")->str(), "fd00::/64");
  EXPECT_EQ(Cidr::parse("0.0.0.0/0")->size(), U128(1) << 32);
}

TEST(Cidr, RejectsHostBitsNamingTheNetwork) {
  auto c = Cidr::parse("10.0.0.1/24");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("host bits are set"), std::string::npos);
  EXPECT_NE(c.error().message.find("10.0.0.0/24"), std::string::npos);
}

TEST(Cidr, RejectsMalformed) {
  for (const char* bad : {"10.0.0.0", "10.0.0.0/", "10.0.0.0/33", "fd00::/129", "10.0.0.0/-1",
                          "10.0.0.0/08", "banana/8", "10.0.0.0/8x"}) {
    auto c = Cidr::parse(bad);
    ASSERT_FALSE(c) << bad;
    EXPECT_NE(c.error().message.find(bad), std::string::npos) << c.error().message;
  }
}

TEST(Cidr, ContainmentAndOverlap) {
  auto pool = *Cidr::parse("10.0.0.0/16");
  auto block = *Cidr::parse("10.0.4.0/26");
  auto other = *Cidr::parse("10.1.0.0/16");
  EXPECT_TRUE(pool.contains(block));
  EXPECT_FALSE(block.contains(pool));
  EXPECT_TRUE(pool.overlaps(block));
  EXPECT_TRUE(block.overlaps(pool));
  EXPECT_FALSE(pool.overlaps(other));
  EXPECT_TRUE(pool.contains(*IpAddress::parse("10.0.255.255")));
  EXPECT_FALSE(pool.contains(*IpAddress::parse("fd00::1")));
  EXPECT_FALSE(pool.overlaps(*Cidr::parse("fd00::/8")));
}

TEST(Cidr, OffsetsAndContaining) {
  auto block = *Cidr::parse("10.0.4.0/26");
  EXPECT_EQ(block.at(63)->str(), "10.0.4.63");
  EXPECT_FALSE(block.at(64));
  EXPECT_EQ(block.offset_of(*IpAddress::parse("10.0.4.10")), U128(10));
  auto c = Cidr::containing(*IpAddress::parse("fd00::1:2"), 122);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->str(), "fd00::1:0/122");
}

}  // namespace
}  // namespace netmod::net

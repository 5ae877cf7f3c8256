#include "ipam/keys.hpp"

#include <gtest/gtest.h>

namespace netmod::ipam::keys {
namespace {

TEST(Keys, EscapingKeepsSegmentsApart) {
  EXPECT_EQ(escape_segment("a/b%c d"), "a%2Fb%25c%20d");
  for (std::string s : {"plain", "a/b", "%2F", "x y\n", "10.0.0.0/26"}) {
    EXPECT_EQ(unescape_segment(escape_segment(s)), s);
  }
  // A host named "a/b" must not list the affinities of host "a".
  EXPECT_NE(affinity_prefix("a/b").rfind(affinity_prefix("a"), 0), 0u);
}

TEST(Keys, Layout) {
  auto block_cidr = *net::Cidr::parse("10.65.0.0/26");
  EXPECT_EQ(block(block_cidr), "/netmod/v1/ipam/blocks/10.65.0.0%2F26");
  EXPECT_EQ(affinity("h1", block_cidr), "/netmod/v1/ipam/affinity/h1/10.65.0.0%2F26");
  EXPECT_EQ(handle("u1"), "/netmod/v1/ipam/handles/u1");
  EXPECT_EQ(host("h1"), "/netmod/v1/hosts/h1");
}

}  // namespace
}  // namespace netmod::ipam::keys

#include "ipam/block.hpp"

#include <gtest/gtest.h>

namespace netmod::ipam {
namespace {

net::Cidr cidr(const char* s) { return *net::Cidr::parse(s); }

Block small_block() { return Block(cidr("10.0.0.0/29"), cidr("10.0.0.0/24"), "h1"); }

TEST(Block, FreeListStartsAtLowestAndSkipsNetworkAddress) {
  Block b = small_block();
  // Ordinal 0 is the pool's network address.
  EXPECT_EQ(b.free_ordinals(0, 0, 3), (std::vector<uint32_t>{1, 2, 3}));
  Block last(cidr("10.0.0.248/29"), cidr("10.0.0.0/24"), "h1");
  auto all = last.free_ordinals(0, 0, 100);
  EXPECT_EQ(all.size(), 7u);  // .255 is the broadcast address
  EXPECT_EQ(all.back(), 6u);
}

TEST(Block, ReleasedAddressesGoToTheBackInReleaseOrder) {
  Block b = small_block();
  for (uint32_t o : {1, 2, 3, 4, 5, 6, 7}) b.assign(o, Allocation{"u" + std::to_string(o), "h1", {}});
  ASSERT_TRUE(b.release(5, 1000));
  ASSERT_TRUE(b.release(2, 1001));
  EXPECT_EQ(b.free_ordinals(5000, 0, 10), (std::vector<uint32_t>{5, 2}));
  Block c = small_block();
  c.assign(1, Allocation{"u", "h1", {}});
  ASSERT_TRUE(c.release(1, 1000));
  // Never-used addresses come before the released one.
  auto order = c.free_ordinals(5000, 0, 10);
  EXPECT_EQ(order.back(), 1u);
  EXPECT_EQ(order.front(), 2u);
}

TEST(Block, CooldownHoldsReleasedAddressesBack) {
  Block b = small_block();
  for (uint32_t o = 1; o < 8; ++o) b.assign(o, Allocation{"u", "h1", {}});
  ASSERT_TRUE(b.release(3, 10'000));
  EXPECT_TRUE(b.free_ordinals(10'000 + 29'999, 30'000, 10).empty());
  EXPECT_EQ(b.cooling(10'000 + 29'999, 30'000), 1u);
  EXPECT_EQ(b.free_ordinals(10'000 + 30'000, 30'000, 10), (std::vector<uint32_t>{3}));
  EXPECT_EQ(b.cooling(10'000 + 30'000, 30'000), 0u);
}

TEST(Block, ReleaseOfFreeOrdinalIsNothing) {
  Block b = small_block();
  EXPECT_FALSE(b.release(4, 1));
  EXPECT_TRUE(b.released().empty());
}

TEST(Block, EncodingRoundTrips) {
  Block b = small_block();
  b.assign(1, Allocation{"u1", "h2", {{"g1", "public"}, {{"app", "web"}}}});
  b.assign(2, Allocation{"u2", "h1", {}});
  ASSERT_TRUE(b.release(2, 77));
  auto back = Block::decode(b.encode());
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, b);
}

TEST(Block, DecodeRejectsCorruption) {
  for (const char* bad :
       {"", "{}", "not json",
        R"({"cidr":"10.0.0.0/29","pool":"10.1.0.0/24","host":"h","seq":0,"allocations":{},"released":{}})",
        R"({"cidr":"10.0.0.0/29","pool":"10.0.0.0/24","host":"h","seq":0,"allocations":{"8":{"handle":"u","host":"h"}},"released":{}})",
        R"({"cidr":"10.0.0.0/29","pool":"10.0.0.0/24","host":"h","seq":0,"allocations":{"x":{}},"released":{}})"}) {
    auto r = Block::decode(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::corrupt);
  }
}

}  // namespace
}  // namespace netmod::ipam

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
  for (uint32_t o : {1, 2, 3, 4, 5, 6, 7}) b.assign(o, "u" + std::to_string(o));
  EXPECT_EQ(b.release(5, 1000), "u5");
  EXPECT_EQ(b.release(2, 1001), "u2");
  EXPECT_EQ(b.free_ordinals(5000, 0, 10), (std::vector<uint32_t>{5, 2}));
  Block c = small_block();
  c.assign(1, "u");
  ASSERT_TRUE(c.release(1, 1000));
  // Never-used addresses come before the released one.
  auto order = c.free_ordinals(5000, 0, 10);
  EXPECT_EQ(order.back(), 1u);
  EXPECT_EQ(order.front(), 2u);
}

TEST(Block, CooldownHoldsReleasedAddressesBack) {
  Block b = small_block();
  for (uint32_t o = 1; o < 8; ++o) b.assign(o, "u");
  ASSERT_TRUE(b.release(3, 10'000));
  EXPECT_TRUE(b.free_ordinals(10'000 + 29'999, 30'000, 10).empty());
  EXPECT_EQ(b.cooling(10'000 + 29'999, 30'000), 1u);
  EXPECT_FALSE(b.summary().can_serve(10'000 + 29'999, 30'000));
  EXPECT_EQ(b.free_ordinals(10'000 + 30'000, 30'000, 10), (std::vector<uint32_t>{3}));
  EXPECT_EQ(b.cooling(10'000 + 30'000, 30'000), 0u);
  EXPECT_TRUE(b.summary().can_serve(10'000 + 30'000, 30'000));
}

TEST(Block, ReassigningAReleasedAddressTakesItOffTheQueue) {
  Block b = small_block();
  b.assign(4, "a");
  ASSERT_TRUE(b.release(4, 1));
  b.assign(4, "b");  // a static reservation of a cooling address
  EXPECT_TRUE(b.released().empty());
  EXPECT_EQ(*b.owner(4), "b");
}

TEST(Block, ReleaseOfFreeOrdinalIsNothing) {
  Block b = small_block();
  EXPECT_FALSE(b.release(4, 1));
  EXPECT_TRUE(b.released().empty());
}

TEST(Block, SummaryCountsWhatIsFree) {
  Block b = small_block();  // 7 usable (ordinal 0 is the pool's network address)
  EXPECT_EQ(b.summary(), (BlockSummary{7, 0, 0}));
  b.assign(1, "a");
  b.assign(2, "b");
  ASSERT_TRUE(b.release(2, 55));
  EXPECT_EQ(b.summary(), (BlockSummary{5, 1, 55}));
  auto back = BlockSummary::decode(b.summary().encode());
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, b.summary());
  EXPECT_EQ(b.summary().encode(), "5,1,55");
  for (const char* bad : {"", "{}", "1,2", "1,2,3,4", "a,b,c", "1,,3"}) EXPECT_FALSE(BlockSummary::decode(bad)) << bad;
}

TEST(Block, EncodingRoundTripsAndCompactsHandles) {
  Block b = small_block();
  b.assign(1, "u1");
  b.assign(2, "u2");
  b.assign(3, "u1");
  ASSERT_TRUE(b.release(2, 77));
  std::string text = b.encode();
  EXPECT_EQ(text.find("u2"), std::string::npos) << text;  // no longer referenced
  auto back = Block::decode(text);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->encode(), text);
  EXPECT_EQ(*back->owner(3), "u1");
  EXPECT_EQ(back->released().at(0), (Released{2, 77}));
}

TEST(Block, DecodeRejectsCorruption) {
  const std::string head = R"({"cidr":"10.0.0.0/30","pool":"10.0.0.0/24","host":"h",)";
  for (const std::string& bad :
       {std::string(""), std::string("{}"), std::string("not json"),
        std::string(R"({"cidr":"10.0.0.0/30","pool":"10.1.0.0/24","host":"h","handles":[],"allocations":"-,-,-,-","released":""})"),
        head + R"("handles":[],"allocations":"-,-","released":""})",
        head + R"("handles":[],"allocations":"-,-,-,-,-","released":""})",
        head + R"("handles":[],"allocations":"-,0,-,-","released":""})",
        head + R"("handles":["a"],"allocations":"-,x,-,-","released":""})",
        head + R"("handles":["a"],"allocations":"-,0,-,-","released":"1@5"})",
        head + R"("handles":[],"allocations":"-,-,-,-","released":"9@5"})",
        head + R"("handles":[],"allocations":"-,-,-,-","released":"2@5,2@6"})",
        head + R"("handles":[],"allocations":"-,-,-,-","released":"2@"})"}) {
    auto r = Block::decode(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::corrupt);
  }
}

}  // namespace
}  // namespace netmod::ipam

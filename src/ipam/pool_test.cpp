#include "ipam/pool.hpp"

#include <gtest/gtest.h>

namespace netmod::ipam {
namespace {

net::Cidr cidr(const char* s) { return *net::Cidr::parse(s); }

TEST(Pool, DefaultBlockSizesByFamily) {
  EXPECT_EQ(make_pool({cidr("10.0.0.0/16")})->block_size, 26u);
  EXPECT_EQ(make_pool({cidr("fd00::/64")})->block_size, 122u);
  EXPECT_EQ(make_pool({cidr("10.0.0.0/16")})->block_count(), net::U128(1024));
}

TEST(Pool, BlockSizeValidation) {
  struct Case {
    const char* cidr;
    unsigned block;
    const char* message;
  };
  for (const Case& c : {Case{"10.0.0.0/16", 19, "out of range"}, Case{"10.0.0.0/16", 33, "out of range"},
                        Case{"fd00::/64", 115, "out of range"}, Case{"10.0.0.0/28", 26, "larger than the pool"}}) {
    auto p = make_pool({cidr(c.cidr), c.block});
    ASSERT_FALSE(p) << c.cidr << " /" << c.block;
    EXPECT_NE(p.error().message.find(c.message), std::string::npos) << p.error().message;
  }
  EXPECT_TRUE(make_pool({cidr("10.0.0.0/28"), 28}));
  EXPECT_TRUE(make_pool({cidr("10.0.0.0/24"), 32}));
}

TEST(Pool, OverlapAndDuplicate) {
  std::vector<Pool> existing{*make_pool({cidr("10.0.0.0/16")})};
  auto dup = check_no_overlap(*make_pool({cidr("10.0.0.0/16")}), existing);
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, Errc::already_exists);
  auto over = check_no_overlap(*make_pool({cidr("10.0.128.0/24")}), existing);
  ASSERT_FALSE(over);
  EXPECT_NE(over.error().message.find("overlaps existing pool 10.0.0.0/16"), std::string::npos);
  EXPECT_TRUE(check_no_overlap(*make_pool({cidr("10.1.0.0/16")}), existing));
  EXPECT_TRUE(check_no_overlap(*make_pool({cidr("fd00::/64")}), existing));
}

TEST(Pool, ReservedAddressesAndBlocks) {
  Pool p = *make_pool({cidr("10.0.0.0/24"), 26});
  EXPECT_TRUE(p.is_reserved(*net::IpAddress::parse("10.0.0.0")));
  EXPECT_TRUE(p.is_reserved(*net::IpAddress::parse("10.0.0.255")));
  EXPECT_FALSE(p.is_reserved(*net::IpAddress::parse("10.0.0.64")));
  EXPECT_EQ(p.block_at(3).str(), "10.0.0.192/26");
  EXPECT_EQ(p.block_of(*net::IpAddress::parse("10.0.0.70")).str(), "10.0.0.64/26");
  // IPv6: the subnet-router anycast address only; there is no broadcast.
  EXPECT_TRUE(make_pool({cidr("fd00::/120")})->is_reserved(*net::IpAddress::parse("fd00::")));
  EXPECT_FALSE(make_pool({cidr("fd00::/120")})->is_reserved(*net::IpAddress::parse("fd00::ff")));
  EXPECT_FALSE(make_pool({cidr("10.0.0.0/31"), 31})->is_reserved(*net::IpAddress::parse("10.0.0.0")));
}

TEST(Pool, EncodingRoundTripsAndRejectsCorruption) {
  std::vector<Pool> pools{*make_pool({cidr("10.0.0.0/16"), 24, true}), *make_pool({cidr("fd00::/64")})};
  auto back = decode_pools(encode_pools(pools));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, pools);
  for (const char* bad : {"", "[]", "{\"pools\":[{\"cidr\":\"10.0.0.1/8\",\"block_size\":26}]}",
                          "{\"pools\":[{\"cidr\":\"10.0.0.0/8\"}]}"}) {
    auto r = decode_pools(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::corrupt);
  }
}

}  // namespace
}  // namespace netmod::ipam

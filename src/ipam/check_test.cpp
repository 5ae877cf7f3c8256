#include "ipam/check.hpp"

#include <gtest/gtest.h>

#include "ipam/keys.hpp"
#include "store/memory_store.hpp"

namespace netmod::ipam {
namespace {

net::Cidr cidr(const char* s) { return *net::Cidr::parse(s); }

std::set<std::string> kinds(const CheckReport& r) {
  std::set<std::string> out;
  for (const auto& p : r.problems) out.insert(p.kind);
  return out;
}

class CheckTest : public ::testing::Test {
 protected:
  CheckTest() : ipam_(store_, IpamOptions{}) {
    EXPECT_TRUE(ipam_.add_pool({cidr("10.0.0.0/24")}));
    EXPECT_TRUE(ipam_.allocate({"u1", "h1", 2, 0, {}, {}}));
  }
  void raw_put(const std::string& key, const std::string& value) {
    store::Txn t;
    t.ops.push_back({store::Op::Kind::put, key, value});
    ASSERT_TRUE(*store_.commit(t));
  }
  void raw_del(const std::string& key) {
    store::Txn t;
    t.ops.push_back({store::Op::Kind::del, key, {}});
    ASSERT_TRUE(*store_.commit(t));
  }
  CheckReport run() { return check(*ipam_.snapshot()); }

  store::MemoryStore store_;
  Ipam ipam_;
};

TEST_F(CheckTest, ConsistentStoreHasNoProblems) {
  auto r = run();
  EXPECT_TRUE(r.consistent());
  EXPECT_EQ(r.allocated, 2u);
  EXPECT_EQ(r.handles, 1u);
  EXPECT_EQ(r.hosts, 1u);
}

TEST_F(CheckTest, HandleListingAFreeAddress) {
  raw_put(keys::handle("ghost"), R"({"host":"h1","addresses":["10.0.0.50"]})");
  EXPECT_EQ(kinds(run()), (std::set<std::string>{"free_but_held"}));
}

TEST_F(CheckTest, HandleListingAnotherHandlesAddress) {
  raw_put(keys::handle("thief"), R"({"host":"h1","addresses":["10.0.0.1"]})");
  EXPECT_EQ(kinds(run()), (std::set<std::string>{"held_by_other", "duplicate_address"}));
}

TEST_F(CheckTest, EmptyHandleAndMissingHandle) {
  raw_put(keys::handle("empty"), R"({"host":"h1","addresses":[]})");
  raw_del(keys::handle("u1"));
  EXPECT_EQ(kinds(run()), (std::set<std::string>{"empty_handle", "missing_from_handle"}));
}

TEST_F(CheckTest, BlockOfUnknownHost) {
  raw_del(keys::host("h1"));
  EXPECT_EQ(kinds(run()), (std::set<std::string>{"unknown_host"}));
}

TEST_F(CheckTest, UndecodableRecord) {
  raw_put(keys::block(cidr("10.0.0.192/26")), "{garbage");
  EXPECT_EQ(kinds(run()), (std::set<std::string>{"undecodable_record"}));
}

}  // namespace
}  // namespace netmod::ipam

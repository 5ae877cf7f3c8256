#include "ipam/ipam.hpp"

#include <gtest/gtest.h>

#include <set>

#include "ipam/check.hpp"
#include "store/memory_store.hpp"

namespace netmod::ipam {
namespace {

net::Cidr cidr(const char* s) { return *net::Cidr::parse(s); }
net::IpAddress ip(const char* s) { return *net::IpAddress::parse(s); }

class IpamTest : public ::testing::Test {
 protected:
  IpamTest() : ipam_(store_, options()) {}

  IpamOptions options() {
    IpamOptions o;
    o.release_cooldown_ms = 30'000;
    o.default_pools = {{cidr("10.65.0.0/16")}, {cidr("fd65::/64")}};
    o.clock = [this] { return now_; };
    return o;
  }

  Assigned alloc(const std::string& uid, const std::string& host, unsigned v4, unsigned v6 = 0) {
    auto r = ipam_.allocate({uid, host, v4, v6, {}, {}});
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : Assigned{};
  }

  void expect_consistent() {
    auto snap = ipam_.snapshot();
    ASSERT_TRUE(snap);
    auto report = check(*snap);
    for (const auto& p : report.problems) ADD_FAILURE() << p.kind << ": " << p.detail;
  }

  int64_t now_ = 1'000'000;
  store::MemoryStore store_;
  Ipam ipam_;
};

TEST_F(IpamTest, DefaultPoolsAreCreatedOnlyByAnAllocation) {
  EXPECT_TRUE(ipam_.pools()->empty());
  auto a = alloc("u1", "h1", 1, 1);
  ASSERT_EQ(a.v4.size(), 1u);
  ASSERT_EQ(a.v6.size(), 1u);
  EXPECT_TRUE(cidr("10.65.0.0/16").contains(a.v4[0]));
  EXPECT_TRUE(cidr("fd65::/64").contains(a.v6[0]));
  EXPECT_NE(a.v6[0].str(), "fd65::");  // the subnet-router anycast address is never handed out
  EXPECT_EQ(ipam_.pools()->size(), 2u);
}

TEST_F(IpamTest, PoolAddNeverCreatesDefaults) {
  ASSERT_TRUE(ipam_.add_pool({cidr("192.168.10.0/24")}));
  auto pools = ipam_.pools();
  ASSERT_EQ(pools->size(), 1u);
  auto a = alloc("u1", "h1", 1);
  EXPECT_TRUE(cidr("192.168.10.0/24").contains(a.v4.at(0)));
  EXPECT_EQ(ipam_.pools()->size(), 1u);
  // No IPv6 pool was added, so asking for IPv6 is a clear error.
  auto v6 = ipam_.allocate({"u2", "h1", 0, 1, {}, {}});
  ASSERT_FALSE(v6);
  EXPECT_NE(v6.error().message.find("no IPv6 pool"), std::string::npos);
}

TEST_F(IpamTest, AddPoolRejectsOverlapAndDuplicates) {
  ASSERT_TRUE(ipam_.add_pool({cidr("10.0.0.0/16")}));
  auto over = ipam_.add_pool({cidr("10.0.5.0/24")});
  ASSERT_FALSE(over);
  EXPECT_NE(over.error().message.find("overlaps"), std::string::npos);
  auto dup = ipam_.add_pool({cidr("10.0.0.0/16")});
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, Errc::already_exists);
  EXPECT_EQ(ipam_.pools()->size(), 1u);
}

TEST_F(IpamTest, AddressesAreDistinctAndRecordedUnderTheHandle) {
  std::set<net::IpAddress> seen;
  for (int i = 0; i < 200; ++i) {
    auto a = alloc("u" + std::to_string(i), "h1", 2, 1);
    for (auto& x : a.v4) EXPECT_TRUE(seen.insert(x).second) << x.str();
    for (auto& x : a.v6) EXPECT_TRUE(seen.insert(x).second) << x.str();
  }
  auto h = ipam_.handle("u7");
  ASSERT_TRUE(h && *h);
  EXPECT_EQ((*h)->addresses.size(), 3u);
  expect_consistent();
}

TEST_F(IpamTest, BlocksAreAffineToTheirHost) {
  ASSERT_TRUE(ipam_.add_pool({cidr("10.0.0.0/24"), 26}));
  auto a1 = alloc("a1", "hostA", 1).v4.at(0);
  auto b1 = alloc("b1", "hostB", 1).v4.at(0);
  auto a2 = alloc("a2", "hostA", 1).v4.at(0);
  EXPECT_EQ(a1.str(), "10.0.0.1");   // .0 is the pool's network address
  EXPECT_EQ(b1.str(), "10.0.0.64");  // hostB claimed the next block
  EXPECT_EQ(a2.str(), "10.0.0.2");   // hostA keeps using its own block
  auto addrs = *ipam_.addresses();
  ASSERT_EQ(addrs.size(), 3u);
  EXPECT_EQ(addrs[1].block_host, "hostA");
  expect_consistent();
}

TEST_F(IpamTest, ClaimsANewBlockWhenItsOwnAreFull) {
  ASSERT_TRUE(ipam_.add_pool({cidr("10.0.0.0/24"), 29}));
  auto a = alloc("big", "h1", 10);  // 7 from the first block (.0 reserved), 3 from the next
  ASSERT_EQ(a.v4.size(), 10u);
  EXPECT_EQ(a.v4[6].str(), "10.0.0.7");
  EXPECT_EQ(a.v4[7].str(), "10.0.0.8");
  auto snap = *ipam_.snapshot();
  EXPECT_EQ(snap.blocks.size(), 2u);
}

TEST_F(IpamTest, BorrowsOnlyWhenNoBlockIsLeftThenReportsExhaustion) {
  ASSERT_TRUE(ipam_.add_pool({cidr("10.0.0.0/28"), 29}));
  alloc("b", "hostB", 1);                 // hostB claims 10.0.0.0/29
  auto a = alloc("a", "hostA", 7).v4;     // hostA claims 10.0.0.8/29: .8-.14 (.15 is broadcast)
  EXPECT_EQ(a.front().str(), "10.0.0.8");
  auto borrowed = alloc("a2", "hostA", 2).v4;  // no free block: borrow from hostB's
  EXPECT_EQ(borrowed[0].str(), "10.0.0.2");
  auto recs = *ipam_.addresses();
  auto it = std::find_if(recs.begin(), recs.end(), [&](auto& r) { return r.address == borrowed[0]; });
  EXPECT_EQ(it->block_host, "hostB");
  EXPECT_EQ(it->host, "hostA");
  alloc("a3", "hostA", 4);  // .4-.7 after .3 went to a2
  auto none = ipam_.allocate({"a4", "hostA", 1, 0, {}, {}});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, Errc::exhausted);
  EXPECT_NE(none.error().message.find("pool exhausted"), std::string::npos);
  // A failed request leaves nothing behind.
  EXPECT_FALSE(*ipam_.handle("a4"));
  expect_consistent();
}

TEST_F(IpamTest, NeverHandsOutNetworkOrBroadcast) {
  ASSERT_TRUE(ipam_.add_pool({cidr("10.9.0.0/28"), 28}));
  auto a = alloc("all", "h1", 14).v4;
  for (auto& x : a) {
    EXPECT_NE(x.str(), "10.9.0.0");
    EXPECT_NE(x.str(), "10.9.0.15");
  }
  EXPECT_FALSE(ipam_.allocate({"more", "h1", 1, 0, {}, {}}));
}

TEST_F(IpamTest, ReleaseCooldownAndReuseOrder) {
  ASSERT_TRUE(ipam_.add_pool({cidr("10.0.0.0/29"), 29}));  // 6 usable
  for (int i = 1; i <= 6; ++i) alloc("u" + std::to_string(i), "h1", 1);
  ASSERT_TRUE(ipam_.release_handle("u4"));
  now_ += 1;
  ASSERT_TRUE(ipam_.release_handle("u2"));
  // In cooldown: nothing free yet, and the error says why.
  auto early = ipam_.allocate({"x", "h1", 1, 0, {}, {}});
  ASSERT_FALSE(early);
  EXPECT_NE(early.error().message.find("cooldown"), std::string::npos) << early.error().message;
  now_ += 30'000;
  // First released, first reused.
  EXPECT_EQ(alloc("x", "h1", 1).v4.at(0).str(), "10.0.0.4");
  EXPECT_EQ(alloc("y", "h1", 1).v4.at(0).str(), "10.0.0.2");
}

TEST_F(IpamTest, ReleasedAddressIsNotReusedWhileOthersAreFree) {
  alloc("u1", "h1", 1);
  auto first = *ipam_.handle("u1");
  ASSERT_TRUE(ipam_.release_handle("u1"));
  now_ += 60'000;  // past the cooldown, but never-used addresses come first
  auto next = alloc("u2", "h1", 1).v4.at(0);
  EXPECT_NE(next, first->addresses.at(0));
}

TEST_F(IpamTest, ZeroCooldownAllowsImmediateReuse) {
  IpamOptions o = options();
  o.release_cooldown_ms = 0;
  Ipam ipam(store_, o);
  ASSERT_TRUE(ipam.add_pool({cidr("10.0.0.0/30"), 30}));  // 2 usable
  ASSERT_TRUE(ipam.allocate({"a", "h", 2, 0, {}, {}}));
  ASSERT_TRUE(ipam.release_handle("a"));
  auto again = ipam.allocate({"b", "h", 2, 0, {}, {}});
  ASSERT_TRUE(again) << again.error().message;
}

TEST_F(IpamTest, ReserveSpecificAddresses) {
  ASSERT_TRUE(ipam_.add_pool({cidr("10.0.0.0/24")}));
  ASSERT_TRUE(ipam_.add_pool({cidr("fd00::/64")}));
  auto r = ipam_.reserve({"s1", "h1", {ip("10.0.0.77"), ip("fd00::77")}, {}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->v4.at(0).str(), "10.0.0.77");
  EXPECT_EQ(r->v6.at(0).str(), "fd00::77");
  // Idempotent for the same uid.
  EXPECT_TRUE(ipam_.reserve({"s1", "h1", {ip("10.0.0.77")}, {}}));
  // Then an automatic allocation under the same uid adds to it (Mesos order).
  alloc("s1", "h1", 1);
  EXPECT_EQ((*ipam_.handle("s1"))->addresses.size(), 3u);
  // Automatic allocation never hands out the reserved address.
  for (int i = 0; i < 100; ++i) EXPECT_NE(alloc("x" + std::to_string(i), "h1", 1).v4.at(0).str(), "10.0.0.77");
  expect_consistent();
}

TEST_F(IpamTest, ReserveIsAllOrNothing) {
  ASSERT_TRUE(ipam_.add_pool({cidr("10.0.0.0/24")}));
  ASSERT_TRUE(ipam_.reserve({"s1", "h1", {ip("10.0.0.5")}, {}}));
  struct Case {
    std::vector<net::IpAddress> addrs;
    Errc code;
    const char* message;
  };
  for (const Case& c : {Case{{ip("10.0.0.6"), ip("10.0.0.5")}, Errc::conflict, "already in use (uid s1)"},
                        Case{{ip("10.0.0.7"), ip("10.1.0.1")}, Errc::invalid_argument, "not in any pool"},
                        Case{{ip("10.0.0.8"), ip("10.0.0.0")}, Errc::invalid_argument, "network or broadcast"},
                        Case{{ip("10.0.0.9"), ip("10.0.0.9")}, Errc::invalid_argument, "listed twice"}}) {
    auto r = ipam_.reserve({"s2", "h1", c.addrs, {}});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, c.code);
    EXPECT_NE(r.error().message.find(c.message), std::string::npos) << r.error().message;
    EXPECT_FALSE(*ipam_.handle("s2"));
  }
  EXPECT_EQ(ipam_.addresses()->size(), 1u);
}

TEST_F(IpamTest, ReleaseByAddressesWhoeverHoldsThem) {
  auto a = alloc("u1", "h1", 2).v4;
  auto b = alloc("u2", "h2", 1).v4;
  auto r = ipam_.release_addresses({a[1], b[0]});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->size(), 2u);
  auto h1 = *ipam_.handle("u1");
  ASSERT_TRUE(h1);
  EXPECT_EQ(h1->addresses, std::vector<net::IpAddress>{a[0]});
  EXPECT_FALSE(*ipam_.handle("u2"));  // no addresses left: record gone
  // Releasing what is not allocated is not an error.
  auto again = ipam_.release_addresses({b[0]});
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->empty());
  EXPECT_TRUE(ipam_.release_handle("never-existed"));
  // An address outside every pool is an error and releases nothing.
  auto bad = ipam_.release_addresses({a[0], ip("203.0.113.9")});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("203.0.113.9 is not in any pool"), std::string::npos);
  EXPECT_TRUE(*ipam_.handle("u1"));
  expect_consistent();
}

TEST_F(IpamTest, AttributesAreRecorded) {
  auto r = ipam_.allocate({"u1", "h1", 1, 0, {{"public", "star-1"}, {{"app", "probe"}}}, {}});
  ASSERT_TRUE(r);
  auto recs = *ipam_.addresses();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].attrs.netgroups, (std::vector<std::string>{"public", "star-1"}));
  EXPECT_EQ(recs[0].attrs.labels.at("app"), "probe");
}

TEST_F(IpamTest, RestrictedToNamedPools) {
  ASSERT_TRUE(ipam_.add_pool({cidr("10.1.0.0/24")}));
  ASSERT_TRUE(ipam_.add_pool({cidr("10.2.0.0/24")}));
  // Named requests: built in a braced temporary, GCC 12 at -O3 warns
  // (falsely) that the labels map inside may be used uninitialised.
  AutoRequest req;
  req.handle = "u", req.host = "h", req.num_v4 = 1, req.pools = {cidr("10.2.0.0/24")};
  auto r = ipam_.allocate(req);
  ASSERT_TRUE(r);
  EXPECT_TRUE(cidr("10.2.0.0/24").contains(r->v4[0]));
  req.handle = "u2", req.pools = {cidr("10.3.0.0/24")};
  auto missing = ipam_.allocate(req);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::not_found);
}

TEST_F(IpamTest, AbsurdCountsAreRejected) {
  auto r = ipam_.allocate({"u", "h", 100000, 0, {}, {}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
  EXPECT_TRUE(ipam_.pools()->empty());  // nothing changed, not even default pools
}

TEST_F(IpamTest, RemovePoolRefusesWhileInUseUnlessForced) {
  ASSERT_TRUE(ipam_.add_pool({cidr("10.0.0.0/24")}));
  ASSERT_TRUE(ipam_.add_pool({cidr("10.1.0.0/24")}));
  alloc("u1", "h1", 1);
  auto r = ipam_.remove_pool(cidr("10.0.0.0/24"), false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::conflict);
  EXPECT_NE(r.error().message.find("u1"), std::string::npos);
  EXPECT_EQ(ipam_.pools()->size(), 2u);
  ASSERT_TRUE(ipam_.remove_pool(cidr("10.0.0.0/24"), true));
  EXPECT_EQ(ipam_.pools()->size(), 1u);
  EXPECT_TRUE(ipam_.addresses()->empty());
  EXPECT_FALSE(*ipam_.handle("u1"));
  EXPECT_TRUE(ipam_.snapshot()->blocks.empty());
  auto gone = ipam_.remove_pool(cidr("10.0.0.0/24"), false);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, Errc::not_found);
  expect_consistent();
}

TEST_F(IpamTest, NatOutgoingCanBeChanged) {
  ASSERT_TRUE(ipam_.add_pool({cidr("10.0.0.0/24")}));
  auto p = ipam_.set_nat_outgoing(cidr("10.0.0.0/24"), true);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->nat_outgoing);
  EXPECT_TRUE(ipam_.pools()->at(0).nat_outgoing);
  EXPECT_FALSE(ipam_.set_nat_outgoing(cidr("10.9.0.0/24"), true));
}

TEST_F(IpamTest, StoreFailureLeavesNothingChanged) {
  alloc("u0", "h1", 1);
  store_.fail_next_commits(1);
  auto r = ipam_.allocate({"u1", "h1", 1, 0, {}, {}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::unavailable);
  EXPECT_FALSE(*ipam_.handle("u1"));
  EXPECT_EQ(ipam_.addresses()->size(), 1u);
}

}  // namespace
}  // namespace netmod::ipam

namespace netmod::ipam {
namespace {

TEST_F(IpamTest, HolderAndBlocksOfHost) {
  auto a = alloc("u1", "h1", 1).v4.at(0);
  EXPECT_EQ(*ipam_.holder(a), std::optional<std::string>("u1"));
  EXPECT_FALSE(*ipam_.holder(ip("10.65.200.1")));  // free
  EXPECT_FALSE(*ipam_.holder(ip("192.0.2.1")));    // in no pool
  auto blocks = ipam_.blocks_of("h1");
  ASSERT_TRUE(blocks);
  ASSERT_EQ(blocks->size(), 1u);
  EXPECT_TRUE(blocks->at(0).contains(a));
  EXPECT_TRUE(ipam_.blocks_of("h2")->empty());
}

}  // namespace
}  // namespace netmod::ipam

namespace netmod::ipam {
namespace {

TEST_F(IpamTest, RenameHandleMovesEveryAddressAndLeavesTheOldNameFree) {
  Assigned a = alloc("c1:eth0", "h1", 1, 1);
  ASSERT_TRUE(store_.update([&](store::Tx& tx) -> Result<void> {
    NETMOD_ASSIGN_OR_RETURN(bool moved, ipam_.rename_handle(tx, "c1:eth0", "c1:eth0@released-1"));
    EXPECT_TRUE(moved);
    return ok();
  }));
  EXPECT_FALSE(*ipam_.handle("c1:eth0"));
  auto parked = *ipam_.handle("c1:eth0@released-1");
  ASSERT_TRUE(parked);
  EXPECT_EQ(parked->host, "h1");
  EXPECT_EQ(parked->addresses.size(), 2u);
  EXPECT_EQ(**ipam_.holder(a.v4.at(0)), "c1:eth0@released-1");
  // A new attachment under the old name is independent of the parked one.
  Assigned b = alloc("c1:eth0", "h1", 1);
  EXPECT_NE(b.v4.at(0), a.v4.at(0));
  ASSERT_TRUE(ipam_.release_handle("c1:eth0@released-1"));
  EXPECT_EQ(**ipam_.holder(b.v4.at(0)), "c1:eth0");
  EXPECT_FALSE(*ipam_.holder(a.v4.at(0)));
  expect_consistent();
  // Renaming what does not exist moves nothing; onto a taken name is refused.
  ASSERT_TRUE(store_.update([&](store::Tx& tx) -> Result<void> {
    EXPECT_FALSE(*ipam_.rename_handle(tx, "nobody", "x"));
    auto taken = ipam_.rename_handle(tx, "c1:eth0", "c1:eth0");
    EXPECT_FALSE(taken);
    return ok();
  }));
}

}  // namespace
}  // namespace netmod::ipam

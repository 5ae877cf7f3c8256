// Contract tests of leases (store.hpp), run on every backend.
#include <thread>

#include "store/store_contract.hpp"

namespace netmod::store::contract {
namespace {

using namespace std::chrono_literals;

Txn put_with(std::string key, int64_t lease) {
  Txn t;
  t.compares.push_back({key, 0});
  t.ops.push_back({Op::Kind::put, std::move(key), "registered", lease});
  return t;
}

TEST_P(StoreContract, RevokingALeaseDeletesItsKeysWithAnEvent) {
  auto lease = store_->grant_lease(10s);
  ASSERT_TRUE(lease) << lease.error().message;
  ASSERT_TRUE(*store_->commit(put_with("/hosts/a", *lease)));
  Txn plain;
  plain.ops.push_back({Op::Kind::put, "/hosts/b", "no lease"});
  ASSERT_TRUE(*store_->commit(plain));
  const int64_t from = (*store_->get("/hosts/b"))->revision + 1;
  ASSERT_TRUE(store_->revoke_lease(*lease));
  EXPECT_FALSE(store_->get("/hosts/a")->has_value());
  EXPECT_TRUE(store_->get("/hosts/b")->has_value());
  auto w = store_->watch("/hosts/", from, 0ms);
  ASSERT_TRUE(w) << w.error().message;
  ASSERT_EQ(w->events.size(), 1u);
  EXPECT_EQ(w->events[0].kind, Event::Kind::del);
  EXPECT_EQ(w->events[0].key, "/hosts/a");
  // Gone is gone: renewing fails, revoking again is fine.
  auto renewed = store_->keep_alive(*lease);
  ASSERT_FALSE(renewed);
  EXPECT_EQ(renewed.error().code, Errc::not_found);
  EXPECT_TRUE(store_->revoke_lease(*lease));
}

TEST_P(StoreContract, APutWithAnEndedLeaseIsRefusedAndWritesNothing) {
  auto lease = store_->grant_lease(10s);
  ASSERT_TRUE(lease);
  ASSERT_TRUE(store_->revoke_lease(*lease));
  auto r = store_->commit(put_with("/hosts/late", *lease));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::not_found);
  EXPECT_FALSE(store_->get("/hosts/late")->has_value());
}

// Real time: etcd's shortest lease is about 2 s.
TEST_P(StoreContract, ALeaseKeptAliveLivesAndOneLeftAloneExpires) {
  auto kept = store_->grant_lease(2s);
  auto left = store_->grant_lease(2s);
  ASSERT_TRUE(kept && left);
  ASSERT_TRUE(*store_->commit(put_with("/hosts/kept", *kept)));
  ASSERT_TRUE(*store_->commit(put_with("/hosts/left", *left)));
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (store_->get("/hosts/left")->has_value() && std::chrono::steady_clock::now() < deadline) {
    auto ttl = store_->keep_alive(*kept);
    ASSERT_TRUE(ttl) << ttl.error().message;
    EXPECT_GE(*ttl, 1);
    std::this_thread::sleep_for(300ms);
  }
  EXPECT_FALSE(store_->get("/hosts/left")->has_value());
  EXPECT_TRUE(store_->get("/hosts/kept")->has_value());
  auto ended = store_->keep_alive(*left);
  ASSERT_FALSE(ended);
  EXPECT_EQ(ended.error().code, Errc::not_found);
}

}  // namespace
}  // namespace netmod::store::contract

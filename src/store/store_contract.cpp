// The bodies of the contract tests declared in store_contract.hpp.
#include "store/store_contract.hpp"

#include <atomic>
#include <thread>
#include <vector>

namespace netmod::store::contract {
namespace {

Txn put(std::string key, std::string value, std::vector<Compare> compares = {}) {
  Txn t;
  t.compares = std::move(compares);
  t.ops.push_back({Op::Kind::put, std::move(key), std::move(value)});
  return t;
}

TEST_P(StoreContract, GetOfAbsentKeyIsNotFoundNotError) {
  auto r = store_->get("/nothing");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(r->has_value());
}

TEST_P(StoreContract, CommitWritesWithIncreasingRevisions) {
  ASSERT_TRUE(*store_->commit(put("/a", "1")));
  auto a = *store_->get("/a");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->value, "1");
  EXPECT_GT(a->revision, 0);
  ASSERT_TRUE(*store_->commit(put("/b", std::string("x\0y", 3))));
  auto b = *store_->get("/b");
  EXPECT_GT(b->revision, a->revision);
  EXPECT_EQ(b->value, std::string("x\0y", 3));
}

TEST_P(StoreContract, ListReturnsOnlyThePrefixInKeyOrder) {
  Txn t;
  for (const char* k : {"/p/b", "/p/a", "/p0", "/q/a", "/p/c/d"}) t.ops.push_back({Op::Kind::put, k, k});
  ASSERT_TRUE(*store_->commit(t));
  auto l = *store_->list("/p/");
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l[0].key, "/p/a");
  EXPECT_EQ(l[1].key, "/p/b");
  EXPECT_EQ(l[2].key, "/p/c/d");
  EXPECT_TRUE(store_->list("/zzz")->empty());
}

TEST_P(StoreContract, FailedCompareChangesNothing) {
  ASSERT_TRUE(*store_->commit(put("/k", "v1")));
  int64_t rev = (*store_->get("/k"))->revision;
  // Create-if-absent fails on an existing key.
  Txn create = put("/other", "x", {{"/k", 0}});
  EXPECT_FALSE(*store_->commit(create));
  EXPECT_FALSE(store_->get("/other")->has_value());
  // A stale revision fails; the right one succeeds.
  EXPECT_FALSE(*store_->commit(put("/k", "v2", {{"/k", rev + 100}})));
  EXPECT_EQ((*store_->get("/k"))->value, "v1");
  EXPECT_TRUE(*store_->commit(put("/k", "v2", {{"/k", rev}})));
  EXPECT_EQ((*store_->get("/k"))->value, "v2");
}

TEST_P(StoreContract, DeleteAndRecreate) {
  ASSERT_TRUE(*store_->commit(put("/d", "1")));
  Txn del;
  del.ops.push_back({Op::Kind::del, "/d", {}});
  ASSERT_TRUE(*store_->commit(del));
  EXPECT_FALSE(store_->get("/d")->has_value());
  EXPECT_TRUE(*store_->commit(put("/d", "2", {{"/d", 0}})));
}

TEST_P(StoreContract, UpdateSeesItsOwnWrites) {
  ASSERT_TRUE(*store_->commit(put("/u/1", "one")));
  auto r = store_->update([](Tx& tx) -> Result<void> {
    tx.put("/u/2", "two");
    tx.del("/u/1");
    NETMOD_ASSIGN_OR_RETURN(auto two, tx.get("/u/2"));
    if (!two || two->value != "two") return make_error(Errc::internal, "own put not visible");
    NETMOD_ASSIGN_OR_RETURN(auto l, tx.list("/u/"));
    if (l.size() != 1 || l[0].key != "/u/2") return make_error(Errc::internal, "list wrong");
    return ok();
  });
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(store_->get("/u/1")->has_value());
  EXPECT_EQ((*store_->get("/u/2"))->value, "two");
}

TEST_P(StoreContract, UpdateErrorWritesNothing) {
  auto r = store_->update([](Tx& tx) -> Result<void> {
    tx.put("/e/1", "x");
    return make_error(Errc::invalid_argument, "changed my mind");
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "changed my mind");
  EXPECT_FALSE(store_->get("/e/1")->has_value());
}

TEST_P(StoreContract, ViewReadsAndRefusesWrites) {
  ASSERT_TRUE(*store_->commit(put("/v/1", "one")));
  std::string seen;
  ASSERT_TRUE(store_->view([&](Tx& tx) -> Result<void> {
    NETMOD_ASSIGN_OR_RETURN(auto kv, tx.get("/v/1"));
    seen = kv ? kv->value : "";
    return ok();
  }));
  EXPECT_EQ(seen, "one");
  auto w = store_->view([](Tx& tx) -> Result<void> {
    tx.put("/v/2", "two");
    return ok();
  });
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, Errc::internal);
  EXPECT_FALSE(store_->get("/v/2")->has_value());
}

TEST_P(StoreContract, ConcurrentUpdatesAreSerialisable) {
  constexpr int kThreads = 4, kIncrements = 100;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      auto s = open_();
      for (int i = 0; i < kIncrements; ++i) {
        auto r = s->update([](Tx& tx) -> Result<void> {
          NETMOD_ASSIGN_OR_RETURN(auto kv, tx.get("/counter"));
          int n = kv ? std::stoi(kv->value) : 0;
          tx.put("/counter", std::to_string(n + 1));
          return ok();
        });
        if (!r) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ((*store_->get("/counter"))->value, std::to_string(kThreads * kIncrements));
}

}  // namespace
}  // namespace netmod::store::contract

namespace netmod::store::contract {
namespace {

// Two keys that every writer changes together (as IPAM changes a block and
// its handle): a consistent read never sees them disagree.
TEST_P(StoreContract, ReadSeesOneRevisionWhileOthersWrite) {
  ASSERT_TRUE(*store_->commit([] {
    Txn t;
    t.ops.push_back({Op::Kind::put, "/pair/a", "0"});
    t.ops.push_back({Op::Kind::put, "/pair/b", "0"});
    return t;
  }()));
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    auto other = open_();
    for (int i = 1; !stop; ++i) {
      Txn t;
      t.ops.push_back({Op::Kind::put, "/pair/a", std::to_string(i)});
      t.ops.push_back({Op::Kind::put, "/pair/b", std::to_string(i)});
      (void)other->commit(t);
    }
  });
  int mismatches = 0;
  for (int i = 0; i < 200; ++i) {
    std::string a, b;
    auto r = store_->read([&](Tx& tx) -> Result<void> {
      NETMOD_ASSIGN_OR_RETURN(auto ka, tx.get("/pair/a"));
      NETMOD_ASSIGN_OR_RETURN(auto list, tx.list("/pair/"));
      a = ka ? ka->value : "";
      b = list.size() == 2 ? list[1].value : "";
      return ok();
    });
    ASSERT_TRUE(r) << r.error().message;
    if (a != b) ++mismatches;
  }
  stop = true;
  writer.join();
  EXPECT_EQ(mismatches, 0);
}

TEST_P(StoreContract, ReadRefusesWritesAndChangesNothing) {
  auto r = store_->read([](Tx& tx) -> Result<void> {
    tx.put("/written-in-a-read", "x");
    return ok();
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::internal);
  EXPECT_FALSE(store_->get("/written-in-a-read")->has_value());
}

TEST_P(StoreContract, ProbeWriteOfAWritableStore) { EXPECT_TRUE(store_->probe_write()); }

}  // namespace
}  // namespace netmod::store::contract

namespace netmod::store::contract {
namespace {

// One handle used by several threads at once (an agent renews its lease
// on one thread while its loop writes, reads and watches on another).
TEST_P(StoreContract, OneHandleIsSafeToShareBetweenThreads) {
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 30; ++i) {
        auto r = store_->update([&](Tx& tx) -> Result<void> {
          NETMOD_ASSIGN_OR_RETURN(auto kv, tx.get("/shared/n"));
          tx.put("/shared/n", std::to_string(kv ? std::stoi(kv->value) + 1 : 1));
          tx.put("/shared/t" + std::to_string(t), std::to_string(i));
          return ok();
        });
        if (!r) ++failures;
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 10; ++i) {
      if (!store_->watch("/shared/", 1, std::chrono::milliseconds(5))) ++failures;
      if (!store_->list_at_once({"/shared/"})) ++failures;
    }
  });
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ((*store_->get("/shared/n"))->value, "90");
}

}  // namespace
}  // namespace netmod::store::contract

// Contract tests of watch(), compaction and list_at_once() (store.hpp),
// run on every backend that instantiates StoreContract.
#include <atomic>
#include <thread>
#include <vector>

#include "store/store_contract.hpp"

namespace netmod::store::contract {
namespace {

using namespace std::chrono_literals;

Txn ops(std::vector<Op> o) {
  Txn t;
  t.ops = std::move(o);
  return t;
}

Op put(std::string k, std::string v) { return {Op::Kind::put, std::move(k), std::move(v)}; }
Op del(std::string k) { return {Op::Kind::del, std::move(k), ""}; }

std::string str(const std::vector<Event>& events) {
  std::string out;
  for (const auto& e : events) {
    out += std::to_string(e.revision) + (e.kind == Event::Kind::put ? " put " : " del ") + e.key +
           (e.kind == Event::Kind::put ? "=" + e.value : "") + "\n";
  }
  return out;
}

int64_t revision_of(Store& s, const std::string& key) { return (*s.get(key))->revision; }

TEST_P(StoreContract, WatchReadsEveryChangeUnderItsPrefixInOrder) {
  ASSERT_TRUE(*store_->commit(ops({put("/w/a", "1"), put("/x/a", "other prefix")})));
  const int64_t r1 = revision_of(*store_, "/w/a");
  ASSERT_TRUE(*store_->commit(ops({put("/w/b", "2"), put("/w/a", "3")})));
  ASSERT_TRUE(*store_->commit(ops({del("/w/a"), del("/w/never-there")})));
  ASSERT_TRUE(store_->update([](Tx& tx) -> Result<void> {
    tx.put("/w/c", "4");
    return ok();
  }));
  auto w = store_->watch("/w/", r1, 0ms);
  ASSERT_TRUE(w) << w.error().message;
  EXPECT_FALSE(w->compacted);
  const std::string r = std::to_string(r1);
  EXPECT_EQ(str(w->events), r + " put /w/a=1\n" + std::to_string(r1 + 1) + " put /w/a=3\n" + std::to_string(r1 + 1) +
                                " put /w/b=2\n" + std::to_string(r1 + 2) + " del /w/a\n" + std::to_string(r1 + 3) +
                                " put /w/c=4\n");
  EXPECT_EQ(w->next_revision, r1 + 4);
  // Resumed from where it stopped: nothing new, then only what is new.
  auto again = store_->watch("/w/", w->next_revision, 0ms);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->events.empty());
  EXPECT_EQ(again->next_revision, w->next_revision);
  ASSERT_TRUE(*store_->commit(ops({put("/w/d", "5")})));
  auto next = store_->watch("/w/", again->next_revision, 0ms);
  ASSERT_TRUE(next);
  EXPECT_EQ(str(next->events), std::to_string(r1 + 4) + " put /w/d=5\n");
}

TEST_P(StoreContract, WatchWaitsForAnotherHandlesChange) {
  ASSERT_TRUE(*store_->commit(ops({put("/wait/start", "0")})));
  const int64_t from = revision_of(*store_, "/wait/start") + 1;
  std::thread writer([&] {
    auto other = open_();
    std::this_thread::sleep_for(50ms);
    (void)other->commit(ops({put("/elsewhere", "x")}));
    (void)other->commit(ops({put("/wait/k", "v")}));
  });
  std::vector<Event> seen;
  int64_t at = from;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (seen.empty() && std::chrono::steady_clock::now() < deadline) {
    auto w = store_->watch("/wait/", at, 2s);
    ASSERT_TRUE(w) << w.error().message;
    seen = w->events;
    at = w->next_revision;
  }
  writer.join();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].key, "/wait/k");
  EXPECT_EQ(seen[0].value, "v");
}

TEST_P(StoreContract, WatchFromACompactedRevisionSaysListAgain) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(*store_->commit(ops({put("/c/k", std::to_string(i))})));
  const int64_t last = revision_of(*store_, "/c/k");
  ASSERT_TRUE(store_->compact(last - 2));
  auto gone = store_->watch("/c/", last - 2, 0ms);
  ASSERT_TRUE(gone);
  EXPECT_TRUE(gone->compacted);
  EXPECT_TRUE(gone->events.empty());
  auto kept = store_->watch("/c/", last - 1, 0ms);
  ASSERT_TRUE(kept);
  EXPECT_FALSE(kept->compacted);
  EXPECT_EQ(kept->events.size(), 2u);
  // Listing again gives the revision to watch on from.
  auto snap = store_->list_at_once({"/c/"});
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->revision, last);
  ASSERT_EQ(snap->lists.at(0).size(), 1u);
  EXPECT_EQ(snap->lists[0][0].value, "4");
  // A compaction past the store's revision is refused, and changes nothing.
  auto bad = store_->compact(last + 10);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::invalid_argument);
  EXPECT_FALSE(store_->watch("/c/", last - 1, 0ms)->compacted);
}

// Every writer moves a token between two prefixes in one commit: a
// listing of both at once always holds it exactly once, at a revision no
// older than any key it shows.
TEST_P(StoreContract, ListAtOnceReadsSeveralPrefixesAtOneRevision) {
  ASSERT_TRUE(*store_->commit(ops({put("/left/token", "0")})));
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    auto other = open_();
    for (int i = 1; !stop; ++i) {
      const bool to_right = i % 2 == 1;
      (void)other->commit(ops({del(to_right ? "/left/token" : "/right/token"),
                               put(to_right ? "/right/token" : "/left/token", std::to_string(i))}));
    }
  });
  int wrong = 0;
  for (int i = 0; i < 300; ++i) {
    auto snap = store_->list_at_once({"/left/", "/right/"});
    ASSERT_TRUE(snap) << snap.error().message;
    ASSERT_EQ(snap->lists.size(), 2u);
    if (snap->lists[0].size() + snap->lists[1].size() != 1) ++wrong;
    for (const auto& l : snap->lists) {
      for (const auto& kv : l) {
        if (kv.revision > snap->revision) ++wrong;
      }
    }
  }
  stop = true;
  writer.join();
  EXPECT_EQ(wrong, 0);
}

}  // namespace
}  // namespace netmod::store::contract

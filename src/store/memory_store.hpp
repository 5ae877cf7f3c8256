// An in-memory Store for unit tests of everything above the store. Uses the
// generic optimistic update(), so tests of IPAM through it also exercise the
// path the etcd backend takes.
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>

#include "store/store.hpp"

namespace netmod::store {

class MemoryStore final : public Store {
 public:
  Result<std::optional<KeyValue>> get(std::string_view key) override;
  Result<std::vector<KeyValue>> list(std::string_view prefix) override;
  Result<bool> commit(const Txn& txn) override;
  Result<Snapshot> list_at_once(const std::vector<std::string>& prefixes) override;
  Result<WatchResult> watch(std::string_view prefix, int64_t from_revision, std::chrono::milliseconds wait) override;
  Result<void> compact(int64_t revision) override;
  std::string describe() const override { return "memory"; }

  // Test hook: make the next `n` commits fail with Errc::unavailable.
  void fail_next_commits(int n) { fail_commits_ = n; }

 private:
  std::vector<KeyValue> list_locked(std::string_view prefix) const;

  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::map<std::string, KeyValue, std::less<>> data_;
  int64_t revision_ = 0;
  std::deque<Event> events_;  // revision order
  int64_t compacted_ = 0;     // events up to this revision are gone
  int fail_commits_ = 0;
};

}  // namespace netmod::store

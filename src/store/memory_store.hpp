// An in-memory Store for unit tests of everything above the store. Uses the
// generic optimistic update(), so tests of IPAM through it also exercise the
// path the etcd backend takes.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <set>
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
  Result<int64_t> grant_lease(std::chrono::seconds ttl) override;
  Result<int64_t> keep_alive(int64_t lease) override;
  Result<void> revoke_lease(int64_t lease) override;
  std::string describe() const override { return "memory"; }

  // Test hook: the clock leases expire by (default: steady_clock).
  void set_clock(std::function<std::chrono::steady_clock::time_point()> now) { now_ = std::move(now); }

  // Test hook: make the next `n` commits fail with Errc::unavailable.
  void fail_next_commits(int n) { fail_commits_ = n; }

 private:
  std::vector<KeyValue> list_locked(std::string_view prefix) const;
  // Deletes the keys of every lease past its expiry (one revision).
  void expire_locked();
  void end_leases_locked(const std::vector<int64_t>& leases);

  struct Lease {
    std::chrono::seconds ttl;
    std::chrono::steady_clock::time_point expires;
    std::set<std::string> keys;
  };
  std::map<int64_t, Lease> leases_;
  int64_t next_lease_ = 1;
  std::function<std::chrono::steady_clock::time_point()> now_ = [] { return std::chrono::steady_clock::now(); };

  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::map<std::string, KeyValue, std::less<>> data_;
  int64_t revision_ = 0;
  std::deque<Event> events_;  // revision order
  int64_t compacted_ = 0;     // events up to this revision are gone
  int fail_commits_ = 0;
};

}  // namespace netmod::store

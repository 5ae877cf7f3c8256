// The generic read-modify-write over get/list/commit: an optimistic
// software-transactional memory, as etcd's client-side STM does it. Every
// key read becomes a Compare on its revision, so the commit succeeds only if
// nothing read has changed since; otherwise the function runs again.
//
// Phantoms: a key created under a listed prefix after the list is not
// detected. Callers that need "nothing new under this prefix" read a single
// index key that every such writer also writes (IPAM keeps pools in one key
// for this reason).
#include <chrono>
#include <map>
#include <random>
#include <thread>

#include "store/store.hpp"
#include "store/tx_writes.hpp"

namespace netmod::store {

namespace {

constexpr int kMaxAttempts = 64;

class OptimisticTx final : public Tx {
 public:
  explicit OptimisticTx(Store& store) : store_(store) {}

  Result<std::optional<KeyValue>> get(std::string_view key) override {
    if (auto written = writes_.get(key)) return *written;
    NETMOD_ASSIGN_OR_RETURN(auto kv, store_.get(key));
    reads_.emplace(std::string(key), kv ? kv->revision : 0);
    return kv;
  }

  Result<std::vector<KeyValue>> list(std::string_view prefix) override {
    NETMOD_ASSIGN_OR_RETURN(auto kvs, store_.list(prefix));
    for (const auto& kv : kvs) reads_.emplace(kv.key, kv.revision);
    return writes_.over(std::move(kvs), prefix);
  }

  void put(std::string_view key, std::string_view value) override { writes_.put(key, value); }
  void del(std::string_view key) override { writes_.del(key); }

  Txn to_txn() const {
    Txn txn;
    for (const auto& [k, rev] : reads_) txn.compares.push_back({k, rev});
    for (const auto& [k, v] : writes_.all()) {
      if (v) {
        txn.ops.push_back({Op::Kind::put, k, *v});
      } else {
        txn.ops.push_back({Op::Kind::del, k, {}});
      }
    }
    return txn;
  }

 private:
  Store& store_;
  std::map<std::string, int64_t> reads_;
  TxWrites writes_;
};

// The read-only view of Store::view().
class ReadTx final : public Tx {
 public:
  explicit ReadTx(Store& store) : store_(store) {}
  Result<std::optional<KeyValue>> get(std::string_view key) override { return store_.get(key); }
  Result<std::vector<KeyValue>> list(std::string_view prefix) override { return store_.list(prefix); }
  void put(std::string_view key, std::string_view) override { wrote_ = std::string(key); }
  void del(std::string_view key) override { wrote_ = std::string(key); }
  const std::string& wrote() const { return wrote_; }

 private:
  Store& store_;
  std::string wrote_;
};

}  // namespace

Result<void> Store::view(const UpdateFn& fn) {
  ReadTx tx(*this);
  NETMOD_TRY(fn(tx));
  if (!tx.wrote().empty()) {
    return make_error(Errc::internal, "write of " + tx.wrote() + " through a read-only view");
  }
  return ok();
}

Result<void> Store::read(const UpdateFn& fn) {
  thread_local std::minstd_rand rng(std::random_device{}());
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    OptimisticTx tx(*this);
    NETMOD_TRY(fn(tx));
    Txn txn = tx.to_txn();
    if (!txn.ops.empty()) return make_error(Errc::internal, "write of " + txn.ops.front().key + " in a read");
    NETMOD_ASSIGN_OR_RETURN(bool unchanged, commit(txn));
    if (unchanged) return ok();
    int cap_us = 100 << std::min(attempt, 6);
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % cap_us));
  }
  return make_error(Errc::unavailable, "datastore " + describe() + ": changing too fast for a consistent read; try again");
}

Result<void> Store::update(const UpdateFn& fn) {
  // Seeded once per thread: std::random_device is a system call.
  thread_local std::minstd_rand rng(std::random_device{}());
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    OptimisticTx tx(*this);
    NETMOD_TRY(fn(tx));
    Txn txn = tx.to_txn();
    if (txn.ops.empty()) return ok();
    NETMOD_ASSIGN_OR_RETURN(bool committed, commit(txn));
    if (committed) return ok();
    // Conflict: someone changed what we read. Back off with jitter so
    // competing writers spread out instead of colliding again.
    int cap_us = 100 << std::min(attempt, 6);
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % cap_us));
  }
  return make_error(Errc::unavailable, "datastore " + describe() + ": too many conflicting updates; try again");
}

std::string prefix_end(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    unsigned char c = static_cast<unsigned char>(end.back());
    if (c != 0xff) {
      end.back() = static_cast<char>(c + 1);
      return end;
    }
    end.pop_back();
  }
  return end;
}

}  // namespace netmod::store

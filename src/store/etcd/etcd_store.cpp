#include "store/etcd/etcd_store.hpp"

#include <map>
#include <random>
#include <set>
#include <thread>

#include "store/etcd/codec.hpp"
#include "store/tx_writes.hpp"

namespace netmod::store {

using etcd::TxnCompare;
using etcd::TxnOp;

namespace {

constexpr int64_t kPageSize = 5000;
constexpr int kMaxAttempts = 64;

// A read at a revision etcd has compacted away while a view was reading:
// the view starts again.
constexpr std::string_view kCompactedMarker = "required revision has been compacted";

bool compacted_error(const Error& e) { return e.code == Errc::conflict && e.message.find(kCompactedMarker) != std::string::npos; }

void backoff(int attempt) {
  thread_local std::minstd_rand rng(std::random_device{}());
  const int cap_us = 100 << std::min(attempt, 6);
  std::this_thread::sleep_for(std::chrono::microseconds(rng() % cap_us));
}

}  // namespace

EtcdStore::EtcdStore(EtcdOptions options, std::unique_ptr<etcd::HttpClient> http)
    : options_(std::move(options)), http_(std::move(http)) {}

Result<std::unique_ptr<EtcdStore>> EtcdStore::open(EtcdOptions options) {
  if (options.prefix.empty() || options.prefix.front() != '/') {
    return make_error(Errc::invalid_argument, "etcd prefix " + options.prefix + " must start with '/'");
  }
  while (options.prefix.size() > 1 && options.prefix.back() == '/') options.prefix.pop_back();
  NETMOD_ASSIGN_OR_RETURN(auto http, etcd::HttpClient::create(options.http));
  return std::unique_ptr<EtcdStore>(new EtcdStore(std::move(options), std::move(http)));
}

std::string EtcdStore::describe() const {
  std::string s = "etcd:";
  for (size_t i = 0; i < options_.http.endpoints.size(); ++i) s += (i ? "," : "") + options_.http.endpoints[i];
  return s + options_.prefix;
}

Result<std::string> EtcdStore::to_etcd(std::string_view key) const {
  if (key.substr(0, options_.logical_root.size()) != options_.logical_root) {
    return make_error(Errc::internal, "key " + std::string(key) + " is outside " + options_.logical_root);
  }
  return options_.prefix + std::string(key.substr(options_.logical_root.size()));
}

std::string EtcdStore::to_logical(std::string_view etcd_key) const {
  return options_.logical_root + std::string(etcd_key.substr(std::min(options_.prefix.size(), etcd_key.size())));
}

Result<std::string> EtcdStore::call(std::string_view path, std::string_view body) {
  ++requests_;
  auto r = http_->post(path, body);
  if (!r) return std::move(r).error().with_context("datastore " + describe());
  if (r->status == 200) return std::move(r->body);
  auto e = etcd::decode_error(r->body);
  const std::string where = "datastore " + describe() + ": " + std::string(path) + ": ";
  if (e.message.find(kCompactedMarker) != std::string::npos) return make_error(Errc::conflict, where + e.message);
  if (e.message.find("future revision") != std::string::npos) return make_error(Errc::invalid_argument, where + e.message);
  if (e.message.find("too many operations") != std::string::npos) {
    return make_error(Errc::storage, where + e.message + " (raise etcd's --max-txn-ops; docs/cluster.md)");
  }
  if (e.code == 3) return make_error(Errc::invalid_argument, where + e.message);
  if (e.code == 5) return make_error(Errc::not_found, where + e.message);
  return make_error(Errc::unavailable, where + "HTTP " + std::to_string(r->status) + ": " + e.message);
}

Result<EtcdStore::Range> EtcdStore::range(std::string_view logical_key, bool prefix, int64_t revision) {
  NETMOD_ASSIGN_OR_RETURN(std::string key, to_etcd(logical_key));
  etcd::RangeRequest req;
  req.key = key;
  if (prefix) {
    req.range_end = prefix_end(key);
    if (req.range_end.empty()) req.range_end = std::string(1, '\0');
    req.limit = kPageSize;
  }
  req.revision = revision;
  Range out;
  for (;;) {
    NETMOD_ASSIGN_OR_RETURN(auto body, call("/v3/kv/range", etcd::encode_range(req)));
    NETMOD_ASSIGN_OR_RETURN(auto page, etcd::decode_range(body));
    // Later pages at the first page's revision: one consistent listing.
    if (req.revision == 0) req.revision = page.revision;
    if (out.revision == 0) out.revision = page.revision;
    for (auto& kv : page.kvs) {
      kv.key = to_logical(kv.key);
      out.kvs.push_back(std::move(kv));
    }
    if (!prefix || !page.more || page.kvs.empty()) break;
    NETMOD_ASSIGN_OR_RETURN(req.key, to_etcd(out.kvs.back().key));
    req.key.push_back('\0');
  }
  if (revision > 0) out.revision = revision;
  return out;
}

Result<std::optional<KeyValue>> EtcdStore::get(std::string_view key) {
  NETMOD_ASSIGN_OR_RETURN(auto r, range(key, false, 0));
  if (r.kvs.empty()) return std::optional<KeyValue>();
  return std::optional<KeyValue>(std::move(r.kvs.front()));
}

Result<std::vector<KeyValue>> EtcdStore::list(std::string_view prefix) {
  NETMOD_ASSIGN_OR_RETURN(auto r, range(prefix, true, 0));
  return std::move(r.kvs);
}

Result<bool> EtcdStore::commit_raw(const std::vector<TxnCompare>& compares, const std::vector<TxnOp>& ops) {
  NETMOD_ASSIGN_OR_RETURN(auto body, call("/v3/kv/txn", etcd::encode_txn(compares, ops)));
  NETMOD_ASSIGN_OR_RETURN(auto r, etcd::decode_txn(body));
  return r.succeeded;
}

Result<bool> EtcdStore::commit(const Txn& txn) {
  std::vector<TxnCompare> compares;
  for (const auto& c : txn.compares) {
    NETMOD_ASSIGN_OR_RETURN(auto k, to_etcd(c.key));
    compares.push_back({TxnCompare::Kind::mod_equal, std::move(k), {}, c.revision});
  }
  std::vector<TxnOp> ops;
  for (const auto& op : txn.ops) {
    NETMOD_ASSIGN_OR_RETURN(auto k, to_etcd(op.key));
    ops.push_back({op.kind, std::move(k), op.value, op.lease});
  }
  return commit_raw(compares, ops);
}

namespace {

// A view whose reads all happen at one revision (the first read's), and
// which records what it read for the commit's compares.
class PinnedTx final : public Tx {
 public:
  explicit PinnedTx(EtcdStore& store) : store_(store) {}

  Result<std::optional<KeyValue>> get(std::string_view key) override {
    if (auto written = writes_.get(key)) return *written;
    NETMOD_ASSIGN_OR_RETURN(auto r, store_.range(key, false, revision_));
    revision_ = r.revision;
    std::optional<KeyValue> kv;
    if (!r.kvs.empty()) kv = std::move(r.kvs.front());
    reads_.emplace(std::string(key), kv ? kv->revision : 0);
    return kv;
  }

  Result<std::vector<KeyValue>> list(std::string_view prefix) override {
    NETMOD_ASSIGN_OR_RETURN(auto r, store_.range(prefix, true, revision_));
    revision_ = r.revision;
    listed_.emplace(prefix);
    for (const auto& kv : r.kvs) reads_.emplace(kv.key, kv.revision);
    return writes_.over(std::move(r.kvs), prefix);
  }

  void put(std::string_view key, std::string_view value) override { writes_.put(key, value); }
  void del(std::string_view key) override { writes_.del(key); }

  bool wrote() const { return !writes_.empty(); }
  const std::string& first_write() const { return writes_.all().begin()->first; }

  // Compares: each key read is as it was; no key under a listed prefix
  // was written after the view's revision (a new key is a phantom).
  Result<bool> commit() {
    std::vector<TxnCompare> compares;
    for (const auto& [k, rev] : reads_) {
      NETMOD_ASSIGN_OR_RETURN(auto ek, store_.to_etcd(k));
      compares.push_back({TxnCompare::Kind::mod_equal, std::move(ek), {}, rev});
    }
    for (const auto& p : listed_) {
      NETMOD_ASSIGN_OR_RETURN(auto ek, store_.to_etcd(p));
      std::string end = prefix_end(ek);
      compares.push_back({TxnCompare::Kind::mod_less, std::move(ek), std::move(end), revision_ + 1});
    }
    std::vector<TxnOp> ops;
    for (const auto& [k, v] : writes_.all()) {
      NETMOD_ASSIGN_OR_RETURN(auto ek, store_.to_etcd(k));
      ops.push_back({v ? Op::Kind::put : Op::Kind::del, std::move(ek), v.value_or(""), 0});
    }
    return store_.commit_raw(compares, ops);
  }

 private:
  EtcdStore& store_;
  int64_t revision_ = 0;
  std::map<std::string, int64_t> reads_;
  std::set<std::string> listed_;
  TxWrites writes_;
};

}  // namespace

Result<void> EtcdStore::update(const UpdateFn& fn) {
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    PinnedTx tx(*this);
    auto r = fn(tx);
    if (!r) {
      if (compacted_error(r.error())) continue;
      return r;
    }
    if (!tx.wrote()) return ok();
    NETMOD_ASSIGN_OR_RETURN(bool committed, tx.commit());
    if (committed) return ok();
    backoff(attempt);
  }
  return make_error(Errc::unavailable, "datastore " + describe() + ": too many conflicting updates; try again");
}

Result<void> EtcdStore::read(const UpdateFn& fn) {
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    PinnedTx tx(*this);
    auto r = fn(tx);
    if (!r && compacted_error(r.error())) continue;
    NETMOD_TRY(std::move(r));
    if (tx.wrote()) return make_error(Errc::internal, "write of " + tx.first_write() + " in a read");
    return ok();
  }
  return make_error(Errc::unavailable, "datastore " + describe() + ": compacting too fast for a consistent read");
}

Result<Snapshot> EtcdStore::list_at_once(const std::vector<std::string>& prefixes) {
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    Snapshot snap;
    bool again = false;
    for (const auto& p : prefixes) {
      auto r = range(p, true, snap.revision);
      if (!r && compacted_error(r.error())) {
        again = true;
        break;
      }
      NETMOD_TRY(r);
      snap.revision = r->revision;
      snap.lists.push_back(std::move(r->kvs));
    }
    if (again) continue;
    if (prefixes.empty()) {
      NETMOD_ASSIGN_OR_RETURN(auto r, range(options_.logical_root, false, 0));
      snap.revision = r.revision;
    }
    return snap;
  }
  return make_error(Errc::unavailable, "datastore " + describe() + ": compacting too fast for a consistent listing");
}

// The contract forgets the events *up to* `revision`; etcd's compaction at
// R keeps R's. So netmod compacts etcd at revision + 1, or at the newest
// revision when that is `revision` itself (its events stay watchable).
Result<void> EtcdStore::compact(int64_t revision) {
  NETMOD_ASSIGN_OR_RETURN(auto now, range(options_.logical_root, false, 0));
  if (revision > now.revision) {
    return make_error(Errc::invalid_argument, "datastore " + describe() + ": cannot compact revision " +
                                                  std::to_string(revision) + ", past the newest, " +
                                                  std::to_string(now.revision));
  }
  auto r = call("/v3/kv/compaction", etcd::encode_compaction(std::min(revision + 1, now.revision)));
  if (!r && compacted_error(r.error())) return ok();  // compacted already
  NETMOD_TRY(r);
  return ok();
}

Result<void> EtcdStore::probe_write() {
  NETMOD_TRY(range(options_.logical_root, false, 0));
  return ok();
}

Result<int64_t> EtcdStore::grant_lease(std::chrono::seconds ttl) {
  NETMOD_ASSIGN_OR_RETURN(auto body, call("/v3/lease/grant", etcd::encode_lease_grant(std::max<int64_t>(1, ttl.count()))));
  NETMOD_ASSIGN_OR_RETURN(auto r, etcd::decode_lease(body));
  if (r.id == 0) return make_error(Errc::unavailable, "datastore " + describe() + ": etcd granted no lease");
  return r.id;
}

Result<int64_t> EtcdStore::keep_alive(int64_t lease) {
  NETMOD_ASSIGN_OR_RETURN(auto body, call("/v3/lease/keepalive", etcd::encode_lease_id(lease)));
  NETMOD_ASSIGN_OR_RETURN(auto r, etcd::decode_lease(body));
  if (r.ttl <= 0) {
    return make_error(Errc::not_found, "datastore " + describe() + ": lease " + std::to_string(lease) + " has ended");
  }
  return r.ttl;
}

Result<void> EtcdStore::revoke_lease(int64_t lease) {
  auto r = call("/v3/lease/revoke", etcd::encode_lease_id(lease));
  if (!r && r.error().code == Errc::not_found) return ok();
  NETMOD_TRY(r);
  return ok();
}

}  // namespace netmod::store

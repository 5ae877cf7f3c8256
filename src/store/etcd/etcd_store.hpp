// The etcd v3 backend: the Store interface over etcd's JSON gateway
// (codec.hpp, http.hpp), so every host of a cluster sees one IPAM and one
// membership (DESIGN.md, "Cluster").
//
// Keys: netmod's keys all start with "/netmod" (records/keys.hpp); in etcd
// that root is replaced by the configured prefix (default "/netmod"), so
// several clusters can share one etcd. A backend made with an empty
// `logical_root` prepends `prefix` to every key (the contract tests).
//
// Consistency: read() and the reads of update() all happen at one
// revision (the first read's); update() commits with a compare per key
// read (mod_revision unchanged, or still absent) and, per prefix listed, a
// compare that no key in it was written since (no phantoms). etcd limits a
// txn to --max-txn-ops compares and ops (128 by default): a host whose
// updates read more keys needs a larger limit (docs/cluster.md).
//
// watch(): one /v3/watch stream per call. etcd delivers the history of a
// watch that starts in the past from a loop that runs every 100 ms, and
// says nothing when there is none; so a call that starts in the past and
// hears nothing within kCatchUp checks with two reads that nothing under
// the prefix changed before it moves on (else it stays where it was).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "store/etcd/codec.hpp"
#include "store/etcd/http.hpp"
#include "store/store.hpp"

namespace netmod::store {

struct EtcdOptions {
  etcd::HttpOptions http;
  std::string prefix = "/netmod";       // where netmod's keys live in etcd
  std::string logical_root = "/netmod";  // what `prefix` replaces
};

class EtcdStore final : public Store {
 public:
  static constexpr std::chrono::milliseconds kCatchUp{250};

  // Checks the options and loads libcurl; talks to etcd only when used.
  static Result<std::unique_ptr<EtcdStore>> open(EtcdOptions options);

  Result<std::optional<KeyValue>> get(std::string_view key) override;
  Result<std::vector<KeyValue>> list(std::string_view prefix) override;
  Result<bool> commit(const Txn& txn) override;
  Result<void> update(const UpdateFn& fn) override;
  Result<void> read(const UpdateFn& fn) override;
  Result<Snapshot> list_at_once(const std::vector<std::string>& prefixes) override;
  Result<WatchResult> watch(std::string_view prefix, int64_t from_revision, std::chrono::milliseconds wait) override;
  Result<void> compact(int64_t revision) override;
  Result<void> probe_write() override;
  Result<int64_t> grant_lease(std::chrono::seconds ttl) override;
  Result<int64_t> keep_alive(int64_t lease) override;
  Result<void> revoke_lease(int64_t lease) override;
  std::string describe() const override;

  // How many HTTP requests this handle has made (benchmarks: round trips
  // per allocation).
  uint64_t requests() const { return requests_; }

  // Internal: reads at a revision (0: the newest), for the views.
  struct Range {
    int64_t revision = 0;
    std::vector<KeyValue> kvs;
  };
  Result<Range> range(std::string_view logical_key, bool prefix, int64_t revision);
  Result<bool> commit_raw(const std::vector<etcd::TxnCompare>& compares, const std::vector<etcd::TxnOp>& ops);
  Result<std::string> to_etcd(std::string_view logical_key) const;

 private:
  explicit EtcdStore(EtcdOptions options, std::unique_ptr<etcd::HttpClient> http);
  Result<std::string> call(std::string_view path, std::string_view body);
  std::string to_logical(std::string_view etcd_key) const;

  EtcdOptions options_;
  std::unique_ptr<etcd::HttpClient> http_;
  std::atomic<uint64_t> requests_{0};
};

}  // namespace netmod::store

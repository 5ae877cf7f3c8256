// The datastore: a small key-value interface with revisions, shaped after
// etcd v3 so that the embedded backend and the etcd backend are
// interchangeable behind it. IPAM and everything above it are written once
// against this interface and hold no backend-specific logic.
//
// Model
//  - Keys and values are byte strings. Keys are ordered bytewise.
//  - The store has one revision counter. Every successful commit that changes
//    anything increments it once; each key written in that commit gets that
//    revision as its `revision` (etcd's mod_revision).
//  - A Compare holds when the key's current revision equals `revision`;
//    revision 0 means "the key does not exist".
//  - Every change is also an event (a put with its value, or a delete),
//    numbered by its commit's revision, kept until compacted: watch() reads
//    them in order from any revision still kept, and says "compacted" for
//    one that is not, when the watcher must list again (list_at_once) and
//    watch on from that listing's revision + 1.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace netmod::store {

struct KeyValue {
  std::string key;
  std::string value;
  int64_t revision = 0;
};

struct Compare {
  std::string key;
  int64_t revision = 0;  // 0: key must be absent
};

struct Op {
  enum class Kind { put, del };
  Kind kind = Kind::put;
  std::string key;
  std::string value;  // for put
  int64_t lease = 0;  // put: the key is deleted when this lease ends (0: none)
};

struct Txn {
  std::vector<Compare> compares;
  std::vector<Op> ops;
};

struct Event {
  enum class Kind { put, del };
  Kind kind = Kind::put;
  std::string key;
  std::string value;     // put: the value written
  int64_t revision = 0;  // the commit's
};

// What several prefixes held at one revision.
struct Snapshot {
  int64_t revision = 0;                      // the store's revision they were read at
  std::vector<std::vector<KeyValue>> lists;  // one per prefix, in the order asked
};

struct WatchResult {
  // Events under the prefix, in revision order (key order within one).
  std::vector<Event> events;
  // Where the next watch() of the same prefix resumes.
  int64_t next_revision = 0;
  // The revisions asked for are compacted away: list again, then watch
  // from the listing's revision + 1. `events` is empty.
  bool compacted = false;
};

// The view a read-modify-write function sees inside Store::update(). Reads
// observe the transaction's own earlier writes.
class Tx {
 public:
  virtual ~Tx() = default;
  // Three outcomes: value, nullopt (absent), error.
  virtual Result<std::optional<KeyValue>> get(std::string_view key) = 0;
  // Every key starting with `prefix`, in key order.
  virtual Result<std::vector<KeyValue>> list(std::string_view prefix) = 0;
  virtual void put(std::string_view key, std::string_view value) = 0;
  virtual void del(std::string_view key) = 0;
};

using UpdateFn = std::function<Result<void>(Tx&)>;

class Store {
 public:
  virtual ~Store() = default;

  virtual Result<std::optional<KeyValue>> get(std::string_view key) = 0;
  virtual Result<std::vector<KeyValue>> list(std::string_view prefix) = 0;

  // Applies txn.ops atomically if every compare holds, and returns true; if
  // any compare fails, changes nothing and returns false. Errc::unavailable
  // when the store is busy or unreachable.
  virtual Result<bool> commit(const Txn& txn) = 0;

  // Runs `fn` as one serialisable read-modify-write transaction and commits
  // its writes atomically; if `fn` returns an error nothing is written and
  // that error is returned. `fn` may run more than once (a backend that
  // detects conflicts optimistically retries), so it must reset any output it
  // captures at its start. The default is optimistic: reads are recorded,
  // and the commit compares every key read against the revision seen.
  virtual Result<void> update(const UpdateFn& fn);

  // Runs `fn` for reading only: no lock, no commit. Its reads go straight
  // to the store (each is consistent; together they are not a snapshot);
  // a write through the view is an Errc::internal error.
  Result<void> view(const UpdateFn& fn);

  // Runs `fn` for reading only over one consistent view: every read sees
  // the store at one revision (what `ipam show` and `ipam check` need
  // while others write). `fn` may run more than once. The default reads
  // optimistically and validates every key read with a compare-only
  // commit; a write through the view is an Errc::internal error.
  virtual Result<void> read(const UpdateFn& fn);

  // Every key under each of `prefixes`, all read at one revision, and
  // that revision (an agent's starting point for watch()).
  virtual Result<Snapshot> list_at_once(const std::vector<std::string>& prefixes) = 0;

  // The events under `prefix` from `from_revision` on (1: from the
  // store's start, if never compacted), in order. When there are none yet,
  // waits up to `wait` for the first; returns what there is then (maybe
  // nothing). Resumable: call again from next_revision.
  virtual Result<WatchResult> watch(std::string_view prefix, int64_t from_revision,
                                    std::chrono::milliseconds wait) = 0;

  // Forgets the events of revisions up to `revision` (watch() from one of
  // them then answers compacted). Backends also compact on their own,
  // keeping at least kKeptRevisions.
  virtual Result<void> compact(int64_t revision) = 0;
  static constexpr int64_t kKeptRevisions = 10000;

  // Leases, as etcd's: a key put with a lease (Op::lease) is deleted, with
  // a delete event, when the lease is revoked or expires unrenewed. An
  // agent registers its host this way.
  //  - grant_lease: a new lease living `ttl` (the backend may round up:
  //    etcd's minimum is about 2 s); its id.
  //  - keep_alive: renews it for its whole TTL; the seconds left, or
  //    Errc::not_found when it has expired or was revoked (its keys are
  //    gone: register again).
  //  - revoke_lease: ends it now; a lease that is gone already is fine.
  virtual Result<int64_t> grant_lease(std::chrono::seconds ttl) = 0;
  virtual Result<int64_t> keep_alive(int64_t lease) = 0;
  virtual Result<void> revoke_lease(int64_t lease) = 0;

  // Whether a write could succeed now: the store is open for writing and
  // its write lock can be had (CNI STATUS). Writes nothing.
  virtual Result<void> probe_write() { return ok(); }

  // A short description for messages: "embedded:/var/lib/netmod/netmod.db".
  virtual std::string describe() const = 0;
};

// Smallest key greater than every key with this prefix (for range scans);
// empty when there is none (prefix of all 0xff bytes).
std::string prefix_end(std::string_view prefix);

}  // namespace netmod::store

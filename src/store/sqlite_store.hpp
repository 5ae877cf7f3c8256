// The embedded backend: one SQLite database file in WAL mode.
//
// On-disk layout (schema version 2; PRAGMA application_id 0x4e4d4f44 "NMOD",
// PRAGMA user_version 2):
//   kv(key TEXT PRIMARY KEY, value BLOB, revision INTEGER)  -- the key space
//   meta(name TEXT PRIMARY KEY, value INTEGER)              -- 'revision',
//                                                              'compacted'
//   events(revision, key, value, deleted)                   -- for watch()
// A schema 1 file (before events) gains the events table when opened, its
// history before then compacted.
// A file that is not SQLite, or SQLite without netmod's application id, is
// refused with Errc::corrupt and left untouched.
//
// Threads: a handle is safe to share; its operations run one at a time
// (a watch holds the handle only while it looks, not while it waits).
//
// Safety: writers take SQLite's write lock (BEGIN IMMEDIATE), so update()
// runs its function under the lock and never conflicts; many processes may
// use one file at once. A process killed at any instant leaves either the
// whole transaction or none of it (the WAL is rolled back by the next
// opener). synchronous=NORMAL: durable across process crashes; a power loss
// may lose the last transactions, never half of one.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "store/store.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace netmod::store {

struct SqliteOptions {
  std::string path;
  // How long a writer waits for another process' write lock before giving up
  // with Errc::unavailable.
  int busy_timeout_ms = 10000;
  // A connection that lives for one short call (the plugin, the CLI): no
  // checkpoint at close, and the commit that takes the WAL past 128 frames
  // checkpoints and truncates it (so each new process reads a short WAL).
  // A long-lived one (an agent, a benchmark) keeps SQLite's own policy:
  // passive checkpoints every 1,000 frames, which that same connection's
  // next write resets, and a checkpoint when it closes.
  bool short_lived = true;
};

class SqliteStore final : public Store {
 public:
  // Opens (creating the file and its parent directories on first use) and
  // checks that the file is a netmod datastore.
  static Result<std::unique_ptr<SqliteStore>> open(const SqliteOptions& options);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  Result<std::optional<KeyValue>> get(std::string_view key) override;
  Result<std::vector<KeyValue>> list(std::string_view prefix) override;
  Result<bool> commit(const Txn& txn) override;
  Result<void> update(const UpdateFn& fn) override;
  // One SQLite read transaction: a snapshot of the WAL, no lock taken.
  Result<void> read(const UpdateFn& fn) override;
  // Refuses a file opened read-only, and takes and drops the write lock.
  Result<void> probe_write() override;
  // One read transaction.
  Result<Snapshot> list_at_once(const std::vector<std::string>& prefixes) override;
  // Polls the events table every 10 ms while waiting (other processes'
  // commits raise no callback here).
  Result<WatchResult> watch(std::string_view prefix, int64_t from_revision, std::chrono::milliseconds wait) override;
  Result<void> compact(int64_t revision) override;
  // Leases (sqlite_leases.cpp): tables of their own, made on first use;
  // expired leases are ended by the next grant, keep_alive or revoke of
  // any handle (agents renew every few seconds), their keys deleted then.
  // A key keeps its lease until deleted, even if put again without one.
  Result<int64_t> grant_lease(std::chrono::seconds ttl) override;
  Result<int64_t> keep_alive(int64_t lease) override;
  Result<void> revoke_lease(int64_t lease) override;
  std::string describe() const override { return "embedded:" + options_.path; }

  // Internal plumbing shared with the in-transaction view; not for callers.
  struct Conn;

 private:
  explicit SqliteStore(SqliteOptions options);
  Result<void> init();

  SqliteOptions options_;
  std::unique_ptr<Conn> conn_;
  // One connection, shared by a process' threads (an agent renews its
  // lease while its loop reads): each operation holds it whole. Recursive:
  // an update's function may read through the store itself.
  mutable std::recursive_mutex mu_;
};

}  // namespace netmod::store

#include "store/sqlite_store.hpp"

#include "store/sqlite_conn.hpp"

#include <sqlite3.h>
#include <sys/stat.h>
#include <time.h>

#include <cerrno>
#include <chrono>
#include <random>
#include <thread>

#include "common/cleanup.hpp"
#include "common/trace.hpp"

namespace netmod::store {

namespace {

constexpr int kApplicationId = 0x4e4d4f44;  // "NMOD"
constexpr int kSchemaVersion = 2;

// mkdir -p for the directory holding `path`.
Result<void> make_parent_dirs(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return ok();
  std::string dir = path.substr(0, slash);
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/') continue;
    std::string part = dir.substr(0, pos);
    if (mkdir(part.c_str(), 0755) != 0 && errno != EEXIST) {
      Error e = sys_error("cannot create datastore directory " + part);
      e.code = Errc::storage;
      return e;
    }
  }
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0) {
    Error e = sys_error("cannot use datastore directory " + dir);
    e.code = Errc::storage;
    return e;
  }
  if (!S_ISDIR(st.st_mode)) {
    return make_error(Errc::storage, "cannot use datastore directory " + dir + ": not a directory");
  }
  return ok();
}

}  // namespace


namespace {

// SQLite's default busy handler sleeps in steps of 1 ms and more; writers
// here hold the lock for tens of microseconds, so short jittered sleeps keep
// latency low under contention. Gives up after busy_timeout_ms.
// WAL frames (1 KiB pages) after which a commit checkpoints and truncates
// the WAL: every ~10-15 CNI ADDs, ~0.8 ms each time.
constexpr int kCheckpointFrames = 128;

int wal_checkpoint_hook(void*, sqlite3* db, const char* schema, int frames) {
  // Busy (another process reads or writes): a later commit will do it.
  if (frames >= kCheckpointFrames) sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  return SQLITE_OK;
}

int busy_handler(void* arg, int count) {
  auto* c = static_cast<SqliteStore::Conn*>(arg);
  auto now = std::chrono::steady_clock::now();
  if (count == 0) c->busy_since = now;
  if (now - c->busy_since > std::chrono::milliseconds(c->busy_timeout_ms)) return 0;
  int cap_us = count < 8 ? 100 : (count < 64 ? 500 : 2000);
  std::this_thread::sleep_for(std::chrono::microseconds(20 + c->rng() % cap_us));
  return 1;
}

// The read-modify-write view: runs under the write lock, so reads and
// writes go straight to the connection and nothing can conflict.
class SqliteTx final : public Tx {
 public:
  // `revision` 0: a read; writes through it are refused, not made.
  SqliteTx(SqliteStore::Conn& conn, int64_t revision) : conn_(conn), revision_(revision) {}

  Result<std::optional<KeyValue>> get(std::string_view key) override {
    if (failed()) return *failure_;
    return conn_.get(key);
  }
  Result<std::vector<KeyValue>> list(std::string_view prefix) override {
    if (failed()) return *failure_;
    return conn_.list(prefix);
  }
  void put(std::string_view key, std::string_view value) override {
    if (failed()) return;
    wrote_ = true;
    if (revision_ == 0) return;
    if (auto r = conn_.put(key, value, revision_); !r) failure_ = std::move(r).error();
  }
  void del(std::string_view key) override {
    if (failed()) return;
    wrote_ = true;
    if (revision_ == 0) return;
    if (auto r = conn_.del(key, revision_); !r) failure_ = std::move(r).error();
  }

  bool failed() const { return failure_.has_value(); }
  const std::optional<Error>& failure() const { return failure_; }
  bool wrote() const { return wrote_; }

 private:
  SqliteStore::Conn& conn_;
  int64_t revision_;
  bool wrote_ = false;
  std::optional<Error> failure_;
};

}  // namespace

SqliteStore::SqliteStore(SqliteOptions options)
    : options_(std::move(options)), conn_(std::make_unique<Conn>()) {}

SqliteStore::~SqliteStore() = default;

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const SqliteOptions& options) {
  if (options.path.empty()) return make_error(Errc::invalid_argument, "datastore path is empty");
  NETMOD_TRY(make_parent_dirs(options.path));
  std::unique_ptr<SqliteStore> store(new SqliteStore(options));
  NETMOD_TRY(store->init());
  return store;
}

Result<void> SqliteStore::init() {
  Conn& c = *conn_;
  c.path = options_.path;
  c.busy_timeout_ms = options_.busy_timeout_ms;
  int rc = sqlite3_open_v2(options_.path.c_str(), &c.db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Error e = c.error(rc, "cannot open");
    return e;
  }
  trace_point("sqlite-opened");
  sqlite3_extended_result_codes(c.db, 1);
  sqlite3_busy_handler(c.db, busy_handler, &c);
  // Each plugin call is a short-lived process and usually the only
  // connection, and the last connection to close deletes the WAL file, so
  // the next process creates it again (with a directory sync). Keep the
  // file, truncated to nothing after the closing checkpoint.
  int persist = 1;
  sqlite3_file_control(c.db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);

  // The first read of the header tells a foreign or corrupt file apart.
  NETMOD_ASSIGN_OR_RETURN(int64_t app_id, c.single_int("PRAGMA application_id"));
  trace_point("sqlite-header-read");
  auto foreign = [&] {
    return make_error(Errc::corrupt, "datastore " + c.path +
                                         ": not a netmod datastore (an SQLite database of another application)");
  };
  if (app_id != 0 && app_id != kApplicationId) return foreign();
  if (app_id == 0) {
    // New (or foreign) file. Decide under the write lock: several processes
    // may be opening a new store at once, and only one may create it.
    // Page size and WAL must be set before the first table exists; both
    // persist in the file (and are no-ops once it has tables).
    // Switching to WAL needs the file to itself and answers SQLITE_BUSY at
    // once, without the busy handler, while another opener holds it.
    for (int attempt = 0;; ++attempt) {
      auto wal = c.exec("PRAGMA page_size=1024; PRAGMA journal_mode=WAL");
      if (wal) break;
      if (wal.error().code != Errc::unavailable || attempt * 2 > options_.busy_timeout_ms) return wal;
      std::this_thread::sleep_for(std::chrono::microseconds(500 + c.rng() % 1500));
    }
    NETMOD_ASSIGN_OR_RETURN(Cleanup rollback, c.begin_write());
    NETMOD_ASSIGN_OR_RETURN(int64_t locked_id, c.single_int("PRAGMA application_id"));
    NETMOD_ASSIGN_OR_RETURN(int64_t objects, c.single_int("SELECT count(*) FROM sqlite_master"));
    if (locked_id == 0 && objects != 0) return foreign();
    if (locked_id != 0 && locked_id != kApplicationId) return foreign();
    if (locked_id == 0) {
      NETMOD_TRY(c.exec(
          "CREATE TABLE kv(key TEXT PRIMARY KEY, value BLOB NOT NULL, revision INTEGER NOT NULL) WITHOUT ROWID;"
          "CREATE TABLE meta(name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
          "CREATE TABLE events(revision INTEGER NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, "
          "deleted INTEGER NOT NULL, PRIMARY KEY(revision, key)) WITHOUT ROWID;"
          "PRAGMA application_id = 1313689412;"  // kApplicationId
          "PRAGMA user_version = 2;"));
    }
    NETMOD_TRY(c.exec("COMMIT"));
    rollback.cancel();
  }
  NETMOD_ASSIGN_OR_RETURN(int64_t version, c.single_int("PRAGMA user_version"));
  trace_point("sqlite-schema-checked");
  if (version > kSchemaVersion) {
    return make_error(Errc::corrupt, "datastore " + c.path + ": schema version " + std::to_string(version) +
                                         " was written by a newer netmod");
  }
  if (version < kSchemaVersion) {
    // Schema 1 had no events: from now on, it has; the revisions before are
    // compacted (a watcher from one of them lists again).
    NETMOD_ASSIGN_OR_RETURN(Cleanup rollback, c.begin_write());
    NETMOD_ASSIGN_OR_RETURN(int64_t locked_version, c.single_int("PRAGMA user_version"));
    if (locked_version < 2) {
      NETMOD_TRY(c.exec(
          "CREATE TABLE IF NOT EXISTS events(revision INTEGER NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, "
          "deleted INTEGER NOT NULL, PRIMARY KEY(revision, key)) WITHOUT ROWID;"
          "PRAGMA user_version = 2;"));
      NETMOD_ASSIGN_OR_RETURN(int64_t rev, c.revision());
      NETMOD_TRY(c.compact_to(rev));
    }
    NETMOD_TRY(c.exec("COMMIT"));
    rollback.cancel();
  }
  static_assert(kApplicationId == 1313689412);
  // No checkpoint when the connection closes: a plugin call is a short
  // process, and the closing checkpoint (two fsyncs, the pages copied, the
  // WAL truncated) cost each call ~0.7 ms. Instead, the commit that takes
  // the WAL past kCheckpointFrames checkpoints it and truncates it
  // (wal_checkpoint_hook), so a new connection's WAL recovery reads at
  // most that much. (SQLite's own autocheckpoint is passive and leaves the
  // WAL's length to the next write transaction of the same connection to
  // reset; a process that commits once never does, and the WAL, read in
  // full by every new connection, grew without bound.) Commits are not
  // fsynced (synchronous=NORMAL): a process crash loses nothing; a power
  // loss may lose the commits since the last checkpoint, and the tasks
  // they describe with it.
  if (options_.short_lived) {
    sqlite3_db_config(c.db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
    sqlite3_wal_hook(c.db, wal_checkpoint_hook, nullptr);
  }
  NETMOD_TRY(c.exec("PRAGMA synchronous=NORMAL; PRAGMA journal_size_limit=0"));
  trace_point("sqlite-configured");
  return ok();
}

Result<std::optional<KeyValue>> SqliteStore::get(std::string_view key) {
  std::lock_guard lock(mu_); return conn_->get(key); }

Result<std::vector<KeyValue>> SqliteStore::list(std::string_view prefix) {
  std::lock_guard lock(mu_);
  return conn_->list(prefix);
}

Result<bool> SqliteStore::commit(const Txn& txn) {
  std::lock_guard lock(mu_);
  Conn& c = *conn_;
  NETMOD_ASSIGN_OR_RETURN(Cleanup rollback, c.begin_write());
  for (const Compare& cmp : txn.compares) {
    NETMOD_ASSIGN_OR_RETURN(auto kv, c.get(cmp.key));
    if ((kv ? kv->revision : 0) != cmp.revision) return false;
  }
  if (!txn.ops.empty()) {
    NETMOD_ASSIGN_OR_RETURN(int64_t rev, c.revision());
    ++rev;
    for (const Op& op : txn.ops) {
      if (op.kind == Op::Kind::put) {
        if (op.lease != 0) NETMOD_TRY(attach_lease(c, op.key, op.lease));
        NETMOD_TRY(c.put(op.key, op.value, rev));
      } else {
        NETMOD_TRY(c.del(op.key, rev));
      }
    }
    NETMOD_TRY(c.set_revision(rev));
    NETMOD_TRY(c.maybe_compact(rev));
  }
  NETMOD_TRY(c.exec("COMMIT"));
  rollback.cancel();
  return true;
}

Result<void> SqliteStore::read(const UpdateFn& fn) {
  std::lock_guard lock(mu_);
  Conn& c = *conn_;
  NETMOD_TRY(c.exec("BEGIN DEFERRED"));
  Cleanup end([&c] { sqlite3_exec(c.db, "COMMIT", nullptr, nullptr, nullptr); });
  SqliteTx tx(c, 0);
  NETMOD_TRY(fn(tx));
  if (tx.failed()) return *tx.failure();
  if (tx.wrote()) return make_error(Errc::internal, "write through a read of datastore " + c.path);
  return ok();
}

Result<void> SqliteStore::probe_write() {
  std::lock_guard lock(mu_);
  Conn& c = *conn_;
  if (sqlite3_db_readonly(c.db, "main") == 1) {
    return make_error(Errc::storage, "datastore " + c.path + ": the file is read-only");
  }
  NETMOD_ASSIGN_OR_RETURN(Cleanup rollback, c.begin_write());
  return ok();
}

Result<void> SqliteStore::update(const UpdateFn& fn) {
  std::lock_guard lock(mu_);
  Conn& c = *conn_;
  NETMOD_ASSIGN_OR_RETURN(Cleanup rollback, c.begin_write());
  NETMOD_ASSIGN_OR_RETURN(int64_t rev, c.revision());
  SqliteTx tx(c, rev + 1);
  NETMOD_TRY(fn(tx));
  if (tx.failed()) return *tx.failure();
  if (!tx.wrote()) return ok();  // the guard rolls back the read-only transaction
  NETMOD_TRY(c.set_revision(rev + 1));
  NETMOD_TRY(c.maybe_compact(rev + 1));
  NETMOD_TRY(c.exec("COMMIT"));
  rollback.cancel();
  return ok();
}

Result<Snapshot> SqliteStore::list_at_once(const std::vector<std::string>& prefixes) {
  std::lock_guard lock(mu_);
  Conn& c = *conn_;
  NETMOD_TRY(c.exec("BEGIN DEFERRED"));
  Cleanup end([&c] { sqlite3_exec(c.db, "COMMIT", nullptr, nullptr, nullptr); });
  Snapshot snap;
  NETMOD_ASSIGN_OR_RETURN(snap.revision, c.revision());
  for (const auto& p : prefixes) {
    NETMOD_ASSIGN_OR_RETURN(auto kvs, c.list(p));
    snap.lists.push_back(std::move(kvs));
  }
  return snap;
}

Result<WatchResult> SqliteStore::watch(std::string_view prefix, int64_t from_revision, std::chrono::milliseconds wait) {
  Conn& c = *conn_;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    WatchResult out;
    {
      std::lock_guard lock(mu_);
      NETMOD_TRY(c.exec("BEGIN DEFERRED"));
      Cleanup end([&c] { sqlite3_exec(c.db, "COMMIT", nullptr, nullptr, nullptr); });
      NETMOD_ASSIGN_OR_RETURN(int64_t gone, c.compacted());
      if (from_revision <= gone) {
        out.compacted = true;
        out.next_revision = from_revision;
        return out;
      }
      NETMOD_ASSIGN_OR_RETURN(out.events, c.events_from(prefix, from_revision));
      NETMOD_ASSIGN_OR_RETURN(int64_t rev, c.revision());
      out.next_revision = std::max(from_revision, rev + 1);
    }
    // Another process's commit shows in no callback: look again shortly
    // (an agent watches with a wait of seconds; 10 ms costs nothing).
    if (!out.events.empty() || std::chrono::steady_clock::now() >= deadline) return out;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

Result<void> SqliteStore::compact(int64_t revision) {
  std::lock_guard lock(mu_);
  Conn& c = *conn_;
  NETMOD_ASSIGN_OR_RETURN(Cleanup rollback, c.begin_write());
  NETMOD_ASSIGN_OR_RETURN(int64_t rev, c.revision());
  NETMOD_ASSIGN_OR_RETURN(int64_t gone, c.compacted());
  if (revision <= gone) return ok();
  if (revision > rev) {
    return make_error(Errc::invalid_argument, "cannot compact to revision " + std::to_string(revision) +
                                                  ": the store is at " + std::to_string(rev));
  }
  NETMOD_TRY(c.compact_to(revision));
  NETMOD_TRY(c.exec("COMMIT"));
  rollback.cancel();
  return ok();
}

}  // namespace netmod::store

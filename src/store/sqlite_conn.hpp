// The SQLite backend's connection: prepared statements and the key-space
// primitives (sqlite_store.cpp, sqlite_leases.cpp). Private to the store.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "common/cleanup.hpp"
#include "store/sqlite_store.hpp"

namespace netmod::store {

struct StmtDeleter {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Stmt = std::unique_ptr<sqlite3_stmt, StmtDeleter>;

inline Errc classify(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return Errc::unavailable;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT: return Errc::corrupt;
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_IOERR:
    case SQLITE_FULL: return Errc::storage;
    default: return Errc::internal;
  }
}

struct SqliteStore::Conn {
  sqlite3* db = nullptr;
  std::string path;
  int busy_timeout_ms = 0;
  std::chrono::steady_clock::time_point busy_since;
  std::minstd_rand rng{std::random_device{}()};
  Stmt get_stmt, list_stmt, list_all_stmt, put_stmt, del_stmt, rev_get_stmt, rev_set_stmt, event_stmt;

  ~Conn() {
    get_stmt.reset();
    list_stmt.reset();
    list_all_stmt.reset();
    put_stmt.reset();
    del_stmt.reset();
    rev_get_stmt.reset();
    rev_set_stmt.reset();
    if (db) sqlite3_close_v2(db);
  }

  Error error(int rc, std::string_view what) const {
    std::string msg = "datastore " + path + ": " + std::string(what) + ": ";
    if ((rc & 0xff) == SQLITE_BUSY) {
      msg += "locked by another process for more than " + std::to_string(busy_timeout_ms) + " ms";
    } else if ((rc & 0xff) == SQLITE_NOTADB) {
      msg += "not a netmod datastore (the file is not a database)";
    } else {
      msg += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    }
    return make_error(classify(rc), msg);
  }

  Result<void> exec(const char* sql) {
    int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return error(rc, sql);
    return ok();
  }

  Result<sqlite3_stmt*> prepare(Stmt& slot, const char* sql) {
    if (!slot) {
      sqlite3_stmt* s = nullptr;
      int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
      if (rc != SQLITE_OK) return error(rc, "preparing statement");
      slot.reset(s);
    }
    sqlite3_reset(slot.get());
    sqlite3_clear_bindings(slot.get());
    return slot.get();
  }

  Result<int64_t> single_int(const char* sql) {
    Stmt s;
    NETMOD_ASSIGN_OR_RETURN(sqlite3_stmt * st, prepare(s, sql));
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) return static_cast<int64_t>(sqlite3_column_int64(st, 0));
    if (rc == SQLITE_DONE) return int64_t{0};
    return error(rc, sql);
  }

  Result<std::optional<KeyValue>> get(std::string_view key) {
    NETMOD_ASSIGN_OR_RETURN(sqlite3_stmt * st,
                            prepare(get_stmt, "SELECT value, revision FROM kv WHERE key = ?1"));
    sqlite3_bind_text(st, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) return std::optional<KeyValue>();
    if (rc != SQLITE_ROW) return error(rc, "reading key");
    KeyValue kv;
    kv.key = std::string(key);
    kv.value.assign(static_cast<const char*>(sqlite3_column_blob(st, 0)),
                    static_cast<size_t>(sqlite3_column_bytes(st, 0)));
    kv.revision = sqlite3_column_int64(st, 1);
    sqlite3_reset(st);
    return std::optional<KeyValue>(std::move(kv));
  }

  Result<std::vector<KeyValue>> list(std::string_view prefix) {
    // Two statements, not "?2 = '' OR key < ?2": with the OR, SQLite cannot
    // use the upper bound and scans to the end of the table.
    std::string end = prefix_end(prefix);
    sqlite3_stmt* st = nullptr;
    if (end.empty()) {
      NETMOD_ASSIGN_OR_RETURN(st, prepare(list_all_stmt,
                                          "SELECT key, value, revision FROM kv WHERE key >= ?1 ORDER BY key"));
    } else {
      NETMOD_ASSIGN_OR_RETURN(
          st, prepare(list_stmt, "SELECT key, value, revision FROM kv WHERE key >= ?1 AND key < ?2 ORDER BY key"));
      sqlite3_bind_text(st, 2, end.data(), static_cast<int>(end.size()), SQLITE_STATIC);
    }
    sqlite3_bind_text(st, 1, prefix.data(), static_cast<int>(prefix.size()), SQLITE_STATIC);
    std::vector<KeyValue> out;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      KeyValue kv;
      kv.key.assign(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)),
                    static_cast<size_t>(sqlite3_column_bytes(st, 0)));
      kv.value.assign(static_cast<const char*>(sqlite3_column_blob(st, 1)),
                      static_cast<size_t>(sqlite3_column_bytes(st, 1)));
      kv.revision = sqlite3_column_int64(st, 2);
      out.push_back(std::move(kv));
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) return error(rc, "listing keys");
    return out;
  }

  Result<void> put(std::string_view key, std::string_view value, int64_t revision) {
    NETMOD_ASSIGN_OR_RETURN(
        sqlite3_stmt * st,
        prepare(put_stmt, "INSERT OR REPLACE INTO kv(key, value, revision) VALUES(?1, ?2, ?3)"));
    sqlite3_bind_text(st, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, revision);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) return error(rc, "writing key");
    return event(key, value, false, revision);
  }

  Result<void> del(std::string_view key, int64_t revision) {
    NETMOD_ASSIGN_OR_RETURN(sqlite3_stmt * st, prepare(del_stmt, "DELETE FROM kv WHERE key = ?1"));
    sqlite3_bind_text(st, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) return error(rc, "deleting key");
    if (sqlite3_changes(db) == 0) return ok();  // nothing was there: no event
    return event(key, "", true, revision);
  }

  // The change as an event of its revision (the last of a key's changes
  // in one revision stands).
  Result<void> event(std::string_view key, std::string_view value, bool deleted, int64_t revision) {
    NETMOD_ASSIGN_OR_RETURN(
        sqlite3_stmt * st,
        prepare(event_stmt, "INSERT OR REPLACE INTO events(revision, key, value, deleted) VALUES(?1, ?2, ?3, ?4)"));
    sqlite3_bind_int64(st, 1, revision);
    sqlite3_bind_text(st, 2, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
    sqlite3_bind_int(st, 4, deleted ? 1 : 0);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) return error(rc, "writing event");
    return ok();
  }

  Result<int64_t> compacted() { return single_int("SELECT value FROM meta WHERE name = 'compacted'"); }

  // Events up to `revision` go; watch() from one of them answers compacted.
  Result<void> compact_to(int64_t revision) {
    Stmt del, set;
    NETMOD_ASSIGN_OR_RETURN(sqlite3_stmt * d, prepare(del, "DELETE FROM events WHERE revision <= ?1"));
    sqlite3_bind_int64(d, 1, revision);
    if (int rc = sqlite3_step(d); rc != SQLITE_DONE) return error(rc, "compacting events");
    NETMOD_ASSIGN_OR_RETURN(sqlite3_stmt * u,
                            prepare(set, "INSERT OR REPLACE INTO meta(name, value) VALUES('compacted', ?1)"));
    sqlite3_bind_int64(u, 1, revision);
    if (int rc = sqlite3_step(u); rc != SQLITE_DONE) return error(rc, "compacting events");
    return ok();
  }

  // After a commit's writes at `revision`, under the write lock: every
  // 1,000 revisions, the events older than kKeptRevisions go.
  Result<void> maybe_compact(int64_t revision) {
    if (revision % 1000 != 0 || revision <= Store::kKeptRevisions) return ok();
    return compact_to(revision - Store::kKeptRevisions);
  }

  Result<std::vector<Event>> events_from(std::string_view prefix, int64_t from) {
    std::string end = prefix_end(prefix);
    Stmt s;
    NETMOD_ASSIGN_OR_RETURN(
        sqlite3_stmt * st,
        prepare(s, end.empty() ? "SELECT revision, key, value, deleted FROM events WHERE revision >= ?1 AND key >= ?2 "
                                 "ORDER BY revision, key"
                               : "SELECT revision, key, value, deleted FROM events WHERE revision >= ?1 AND key >= ?2 "
                                 "AND key < ?3 ORDER BY revision, key"));
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_text(st, 2, prefix.data(), static_cast<int>(prefix.size()), SQLITE_STATIC);
    if (!end.empty()) sqlite3_bind_text(st, 3, end.data(), static_cast<int>(end.size()), SQLITE_STATIC);
    std::vector<Event> out;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      Event e;
      e.revision = sqlite3_column_int64(st, 0);
      e.key.assign(reinterpret_cast<const char*>(sqlite3_column_text(st, 1)),
                   static_cast<size_t>(sqlite3_column_bytes(st, 1)));
      if (sqlite3_column_bytes(st, 2) > 0) {
        e.value.assign(static_cast<const char*>(sqlite3_column_blob(st, 2)),
                       static_cast<size_t>(sqlite3_column_bytes(st, 2)));
      }
      e.kind = sqlite3_column_int(st, 3) ? Event::Kind::del : Event::Kind::put;
      out.push_back(std::move(e));
    }
    if (rc != SQLITE_DONE) return error(rc, "reading events");
    return out;
  }

  Result<int64_t> revision() {
    NETMOD_ASSIGN_OR_RETURN(sqlite3_stmt * st,
                            prepare(rev_get_stmt, "SELECT value FROM meta WHERE name = 'revision'"));
    int rc = sqlite3_step(st);
    int64_t rev = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return error(rc, "reading revision");
    return rev;
  }

  Result<void> set_revision(int64_t rev) {
    NETMOD_ASSIGN_OR_RETURN(
        sqlite3_stmt * st,
        prepare(rev_set_stmt, "INSERT OR REPLACE INTO meta(name, value) VALUES('revision', ?1)"));
    sqlite3_bind_int64(st, 1, rev);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) return error(rc, "writing revision");
    return ok();
  }

  // Holds SQLite's write lock until commit() or the guard's rollback.
  Result<Cleanup> begin_write() {
    NETMOD_TRY(exec("BEGIN IMMEDIATE"));
    return Cleanup([this] { sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr); });
  }
};


// Under the write lock: records that `key` goes with `lease`;
// Errc::not_found when the lease has ended.
Result<void> attach_lease(SqliteStore::Conn& c, std::string_view key, int64_t lease);

}  // namespace netmod::store

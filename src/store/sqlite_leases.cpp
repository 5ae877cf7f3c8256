// Leases of the SQLite backend (sqlite_store.hpp): etcd's semantics over
// two tables, so that agents of simulated hosts sharing one file register
// and expire as they would on etcd.
//   leases(id INTEGER PRIMARY KEY, ttl_ms, expires_ms)   -- wall clock, ms
//   lease_keys(key TEXT PRIMARY KEY, lease)              -- which keys go with it
#include <time.h>

#include "store/sqlite_conn.hpp"

namespace netmod::store {

namespace {

int64_t now_ms() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

Result<void> ensure_tables(SqliteStore::Conn& c) {
  return c.exec(
      "CREATE TABLE IF NOT EXISTS leases(id INTEGER PRIMARY KEY, ttl_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL);"
      "CREATE TABLE IF NOT EXISTS lease_keys(key TEXT PRIMARY KEY, lease INTEGER NOT NULL) WITHOUT ROWID;");
}

Result<std::vector<int64_t>> ids(SqliteStore::Conn& c, const char* sql, int64_t arg) {
  Stmt s;
  NETMOD_ASSIGN_OR_RETURN(sqlite3_stmt * st, c.prepare(s, sql));
  sqlite3_bind_int64(st, 1, arg);
  std::vector<int64_t> out;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) out.push_back(sqlite3_column_int64(st, 0));
  if (rc != SQLITE_DONE) return c.error(rc, "reading leases");
  return out;
}

Result<void> run(SqliteStore::Conn& c, const char* sql, int64_t arg) {
  Stmt s;
  NETMOD_ASSIGN_OR_RETURN(sqlite3_stmt * st, c.prepare(s, sql));
  sqlite3_bind_int64(st, 1, arg);
  if (int rc = sqlite3_step(st); rc != SQLITE_DONE) return c.error(rc, "writing leases");
  return ok();
}

// Ends `leases`: their keys are deleted at one new revision.
Result<void> end_leases(SqliteStore::Conn& c, const std::vector<int64_t>& leases) {
  std::vector<std::string> keys;
  for (int64_t id : leases) {
    Stmt s;
    NETMOD_ASSIGN_OR_RETURN(sqlite3_stmt * st, c.prepare(s, "SELECT key FROM lease_keys WHERE lease = ?1"));
    sqlite3_bind_int64(st, 1, id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      keys.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)),
                        static_cast<size_t>(sqlite3_column_bytes(st, 0)));
    }
    if (rc != SQLITE_DONE) return c.error(rc, "reading lease keys");
    NETMOD_TRY(run(c, "DELETE FROM lease_keys WHERE lease = ?1", id));
    NETMOD_TRY(run(c, "DELETE FROM leases WHERE id = ?1", id));
  }
  if (keys.empty()) return ok();
  NETMOD_ASSIGN_OR_RETURN(int64_t rev, c.revision());
  ++rev;
  int deleted = 0;
  for (const auto& k : keys) {
    NETMOD_ASSIGN_OR_RETURN(auto kv, c.get(k));
    if (!kv) continue;
    NETMOD_TRY(c.del(k, rev));
    ++deleted;
  }
  if (deleted > 0) NETMOD_TRY(c.set_revision(rev));
  return ok();
}

Result<void> expire(SqliteStore::Conn& c) {
  NETMOD_ASSIGN_OR_RETURN(auto ended, ids(c, "SELECT id FROM leases WHERE expires_ms <= ?1", now_ms()));
  if (ended.empty()) return ok();
  return end_leases(c, ended);
}

// Runs `fn` under the write lock with the tables made and expired leases
// ended, and commits.
template <class Fn>
auto with_leases(SqliteStore::Conn& c, Fn fn) -> decltype(fn()) {
  NETMOD_ASSIGN_OR_RETURN(Cleanup rollback, c.begin_write());
  NETMOD_TRY(ensure_tables(c));
  NETMOD_TRY(expire(c));
  auto r = fn();
  if (!r) return r;
  NETMOD_TRY(c.exec("COMMIT"));
  rollback.cancel();
  return r;
}

}  // namespace

Result<void> attach_lease(SqliteStore::Conn& c, std::string_view key, int64_t lease) {
  NETMOD_TRY(ensure_tables(c));
  NETMOD_ASSIGN_OR_RETURN(auto live, ids(c, "SELECT id FROM leases WHERE id = ?1", lease));
  if (live.empty()) {
    return make_error(Errc::not_found, "datastore " + c.path + ": lease " + std::to_string(lease) + " has ended");
  }
  Stmt s;
  NETMOD_ASSIGN_OR_RETURN(sqlite3_stmt * st, c.prepare(s, "INSERT OR REPLACE INTO lease_keys(key, lease) VALUES(?1, ?2)"));
  sqlite3_bind_text(st, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, lease);
  if (int rc = sqlite3_step(st); rc != SQLITE_DONE) return c.error(rc, "writing lease keys");
  return ok();
}

Result<int64_t> SqliteStore::grant_lease(std::chrono::seconds ttl) {
  std::lock_guard lock(mu_);
  Conn& c = *conn_;
  return with_leases(c, [&]() -> Result<int64_t> {
    const int64_t ttl_ms = std::max<int64_t>(1, ttl.count()) * 1000;
    Stmt s;
    NETMOD_ASSIGN_OR_RETURN(sqlite3_stmt * st, c.prepare(s, "INSERT INTO leases(ttl_ms, expires_ms) VALUES(?1, ?2)"));
    sqlite3_bind_int64(st, 1, ttl_ms);
    sqlite3_bind_int64(st, 2, now_ms() + ttl_ms);
    if (int rc = sqlite3_step(st); rc != SQLITE_DONE) return c.error(rc, "granting a lease");
    return static_cast<int64_t>(sqlite3_last_insert_rowid(c.db));
  });
}

Result<int64_t> SqliteStore::keep_alive(int64_t lease) {
  std::lock_guard lock(mu_);
  Conn& c = *conn_;
  return with_leases(c, [&]() -> Result<int64_t> {
    Stmt s;
    NETMOD_ASSIGN_OR_RETURN(sqlite3_stmt * st,
                            c.prepare(s, "UPDATE leases SET expires_ms = ?2 + ttl_ms WHERE id = ?1 RETURNING ttl_ms"));
    sqlite3_bind_int64(st, 1, lease);
    sqlite3_bind_int64(st, 2, now_ms());
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
      return make_error(Errc::not_found, "datastore " + c.path + ": lease " + std::to_string(lease) + " has ended");
    }
    if (rc != SQLITE_ROW) return c.error(rc, "renewing a lease");
    const int64_t ttl_s = sqlite3_column_int64(st, 0) / 1000;
    sqlite3_step(st);  // finish the statement
    return ttl_s;
  });
}

Result<void> SqliteStore::revoke_lease(int64_t lease) {
  std::lock_guard lock(mu_);
  Conn& c = *conn_;
  return with_leases(c, [&]() -> Result<void> { return end_leases(c, {lease}); });
}

}  // namespace netmod::store

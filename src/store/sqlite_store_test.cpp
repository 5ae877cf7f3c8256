#include "store/sqlite_store.hpp"

#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "store/store_contract.hpp"

namespace netmod::store {
namespace {

namespace fs = std::filesystem;
using contract::Backend;
using contract::StoreContract;

// Every directory temp_dir() made, removed when the test program ends (the
// contract tests' stores have no fixture of their own to do it).
class TempDirs : public ::testing::Environment {
 public:
  void TearDown() override {
    for (const auto& p : made) fs::remove_all(p);
  }
  std::vector<fs::path> made;
};
TempDirs* const temp_dirs = static_cast<TempDirs*>(::testing::AddGlobalTestEnvironment(new TempDirs));

std::string temp_dir() {
  static std::atomic<int> counter{0};
  fs::path p = fs::temp_directory_path() /
               ("netmod-sqlite-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
  fs::remove_all(p);
  temp_dirs->made.push_back(p);
  return p;
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContract,
                         ::testing::Values(Backend{"sqlite", [] {
                           std::string path = temp_dir() + "/store.db";
                           return std::function<std::shared_ptr<Store>()>(
                               [path]() -> std::shared_ptr<Store> {
                                 auto s = SqliteStore::open({path});
                                 if (!s) ADD_FAILURE() << s.error().message;
                                 return s ? std::shared_ptr<Store>(std::move(*s)) : nullptr;
                               });
                         }}));

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = temp_dir(); }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_;
};

TEST_F(SqliteStoreTest, CreatesDirectoriesAndPersists) {
  std::string path = dir_ + "/a/b/netmod.db";
  {
    auto s = SqliteStore::open({path});
    ASSERT_TRUE(s) << s.error().message;
    Txn t;
    t.ops.push_back({Op::Kind::put, "/k", "v"});
    ASSERT_TRUE(*(*s)->commit(t));
  }
  auto s = SqliteStore::open({path});
  ASSERT_TRUE(s);
  EXPECT_EQ((*(*s)->get("/k"))->value, "v");
}

TEST_F(SqliteStoreTest, ManyOpenersOfANewStoreAllSucceed) {
  // Several processes may create the same store at once (the first plugin
  // calls on a new host); exactly one initialises it, none mistakes the
  // half-made file for a foreign one.
  for (int round = 0; round < 20; ++round) {
    std::string path = dir_ + "/race-" + std::to_string(round) + ".db";
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&] {
        auto s = SqliteStore::open({path});
        if (!s) {
          ADD_FAILURE() << s.error().message;
          ++failures;
        }
      });
    }
    for (auto& th : threads) th.join();
    ASSERT_EQ(failures.load(), 0);
  }
}

TEST_F(SqliteStoreTest, RefusesAFileThatIsNotADatabaseAndLeavesItAlone) {
  fs::create_directories(dir_);
  std::string path = dir_ + "/junk.db";
  std::string junk(8192, 'x');
  std::ofstream(path) << junk;
  auto s = SqliteStore::open({path});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::corrupt);
  EXPECT_NE(s.error().message.find("not a netmod datastore"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find(path), std::string::npos);
  std::ifstream in(path);
  std::string back((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(back, junk);
}

TEST_F(SqliteStoreTest, RefusesAnotherApplicationsDatabase) {
  fs::create_directories(dir_);
  std::string path = dir_ + "/foreign.db";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES(42);", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto s = SqliteStore::open({path});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::corrupt);
  EXPECT_NE(s.error().message.find("another application"), std::string::npos);
}

// A file of schema 1 (before watch): opened, it keeps its keys and gains
// the events table; watching from before the upgrade says list again.
TEST_F(SqliteStoreTest, UpgradesASchemaOneFileForWatch) {
  fs::create_directories(dir_);
  std::string path = dir_ + "/v1.db";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "PRAGMA journal_mode=WAL;"
                         "CREATE TABLE kv(key TEXT PRIMARY KEY, value BLOB NOT NULL, revision INTEGER NOT NULL) WITHOUT ROWID;"
                         "CREATE TABLE meta(name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
                         "INSERT INTO kv VALUES('/old', 'kept', 7); INSERT INTO meta VALUES('revision', 7);"
                         "PRAGMA application_id = 1313689412; PRAGMA user_version = 1;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto s = SqliteStore::open({path});
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ((*(*s)->get("/old"))->value, "kept");
  EXPECT_TRUE((*s)->watch("/", 1, std::chrono::milliseconds(0))->compacted);
  Txn t;
  t.ops.push_back({Op::Kind::put, "/new", "x"});
  ASSERT_TRUE(*(*s)->commit(t));
  auto w = (*s)->watch("/", 8, std::chrono::milliseconds(0));
  ASSERT_TRUE(w) << w.error().message;
  ASSERT_EQ(w->events.size(), 1u);
  EXPECT_EQ(w->events[0].key, "/new");
  EXPECT_EQ(w->events[0].revision, 8);
}

TEST_F(SqliteStoreTest, PathThatCannotBeCreatedIsAClearError) {
  fs::create_directories(dir_);
  std::ofstream(dir_ + "/file") << "x";
  auto s = SqliteStore::open({dir_ + "/file/sub/netmod.db"});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::storage);
  EXPECT_NE(s.error().message.find("cannot create datastore directory"), std::string::npos)
      << s.error().message;
}

TEST_F(SqliteStoreTest, LockedStoreIsUnavailableAfterTheBusyTimeout) {
  std::string path = dir_ + "/locked.db";
  auto s = SqliteStore::open({path, 200});
  ASSERT_TRUE(s);
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto r = (*s)->update([](Tx& tx) -> Result<void> {
    tx.put("/x", "1");
    return ok();
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::unavailable);
  EXPECT_NE(r.error().message.find("locked"), std::string::npos) << r.error().message;
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  EXPECT_FALSE((*s)->get("/x")->has_value());
}

}  // namespace
}  // namespace netmod::store

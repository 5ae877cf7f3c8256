#include "agent/gc_tasks.hpp"

#include <gtest/gtest.h>

#include "agent/fake_processes.hpp"
#include "store/memory_store.hpp"

namespace netmod::agent {
namespace {

namespace keys = records::keys;

// A launcher filed web.0 (app /web) on h1 with port 9100 and its name, and
// then died (pid 12 is gone); api.0's launcher (pid 10) lives.
class GcTasks : public ::testing::Test {
 protected:
  void SetUp() override {
    procs_.running = {{10, 500}};
    file(record("web.0", "/web", "h1", 12, {9100}));
    file(record("api.0", "/api", "h1", 10, {9200}));
  }

  static records::TaskRecord record(const std::string& id, const std::string& app, const std::string& host, int64_t pid,
                                    std::vector<uint16_t> ports) {
    records::TaskRecord t;
    t.id = id;
    t.app = app;
    t.name = app.substr(1);
    t.host = host;
    t.state = records::TaskState::running;
    t.host_network = !ports.empty();
    t.ports = std::move(ports);
    t.pid = pid;
    t.pid_start = 500;
    t.boot_id = "boot-1";
    return t;
  }

  void file(const records::TaskRecord& t) {
    ASSERT_TRUE(store_.update([&](store::Tx& tx) -> Result<void> {
      tx.put(keys::task(t.id), records::encode_task(t));
      for (const auto& n : records::mesos_dns_names(t.app)) tx.put(keys::name(n, t.id), records::encode_name({}));
      for (uint16_t p : t.ports) tx.put(keys::port(t.host, "tcp", p), records::encode_port_claim(t.id));
      return ok();
    }));
  }
  void put(const std::string& key, const std::string& value) {
    ASSERT_TRUE(store_.update([&](store::Tx& tx) -> Result<void> {
      tx.put(key, value);
      return ok();
    }));
  }

  // What h1's agent sees as garbage of tasks now.
  std::vector<GcCandidate> candidates(const std::string& host = "h1") {
    GcInput in;
    in.host = host;
    EXPECT_TRUE(store_.read([&](store::Tx& tx) { return read_task_records(tx, in); }));
    for (const auto& t : in.tasks) {
      if (launcher_dead(t, procs_)) in.tasks_launcher_dead.insert(t.id);
    }
    return gc_candidates(in);
  }
  std::string collect_all(const std::vector<GcCandidate>& cs) {
    std::string out;
    for (const auto& c : cs) {
      auto done = collect_task_garbage(store_, procs_, c);
      EXPECT_TRUE(done) << done.error().message;
      if (done && !done->empty()) out += *done + "\n";
    }
    return out;
  }
  std::vector<std::string> keys_under(std::string_view prefix) {
    std::vector<std::string> out;
    auto kvs = store_.list(prefix);
    EXPECT_TRUE(kvs);
    if (kvs) {
      for (const auto& kv : *kvs) out.push_back(kv.key);
    }
    return out;
  }

  store::MemoryStore store_;
  FakeProcesses procs_;
};

TEST_F(GcTasks, ADeadLaunchersTaskGoesWithItsNameAndPortClaim) {
  auto cs = candidates();
  ASSERT_EQ(cs.size(), 1u);
  EXPECT_EQ(cs[0].kind, GcCandidate::Kind::task_dead);
  EXPECT_EQ(collect_all(cs), "task web.0 (/web) of a dead launcher (pid 12): removed its record, names web, port claims 9100\n");
  EXPECT_EQ(keys_under(keys::kTasks), std::vector<std::string>{keys::task("api.0")});
  EXPECT_EQ(keys_under(keys::kNames), std::vector<std::string>{keys::name("api", "api.0")});
  EXPECT_EQ(keys_under(keys::kPorts), std::vector<std::string>{keys::port("h1", "tcp", 9200)});
  EXPECT_TRUE(candidates().empty());
  EXPECT_EQ(collect_all(cs), "");  // a second agent, or a second look: nothing left to do
}

TEST_F(GcTasks, AnotherHostsAgentLeavesIt) { EXPECT_TRUE(candidates("h2").empty()); }

TEST_F(GcTasks, AWaitingTaskGoesWithAnyAgentOfItsMachine) {
  file(record("queued.0", "/queued", "", 13, {}));
  std::set<std::string> ids;
  for (const auto& c : candidates("h2")) ids.insert(c.id);
  EXPECT_EQ(ids, std::set<std::string>{"queued.0"});
  EXPECT_EQ(collect_all(candidates("h2")), "task queued.0 (/queued) of a dead launcher (pid 13): removed its record, names queued\n");
}

TEST_F(GcTasks, CheckedAgainWhenRemoved) {
  auto cs = candidates();
  ASSERT_EQ(cs.size(), 1u);
  // The pid runs its launcher after all (a record rewritten meanwhile by a
  // live launcher looks the same): nothing goes.
  procs_.running[12] = 500;
  EXPECT_EQ(collect_all(cs), "");
  procs_.running.erase(12);
  // Placed on another host meanwhile: that host's agent decides.
  file(record("web.0", "/web", "h2", 12, {}));
  EXPECT_EQ(collect_all(cs), "");
  EXPECT_EQ(keys_under(keys::kTasks).size(), 2u);
  // Another boot's record: never known dead.
  auto other_boot = record("web.0", "/web", "h1", 12, {9100});
  other_boot.boot_id = "boot-0";
  file(other_boot);
  EXPECT_EQ(collect_all(cs), "");
  EXPECT_TRUE(candidates().empty());
}

TEST_F(GcTasks, OrphanedNamesAndPortClaimsGo) {
  put(keys::name("old", "old.0"), records::encode_name({}));
  put(keys::port("h2", "tcp", 9300), records::encode_port_claim("old.0"));
  put(keys::name("bad", "bad.0"), records::encode_name({}));
  put(keys::task("bad.0"), "an unreadable record still owns its names");
  procs_.running[12] = 500;  // web.0's launcher lives here
  auto cs = candidates();
  ASSERT_EQ(cs.size(), 2u);
  EXPECT_EQ(collect_all(cs),
            "name old of task old.0, which has no record: removed " + keys::name("old", "old.0") + "\n" +
                "port tcp/9300 claimed by task old.0, which has no record: removed " + keys::port("h2", "tcp", 9300) + "\n");
  EXPECT_EQ(keys_under(keys::kNames).size(), 3u);  // web, api, bad
  EXPECT_EQ(keys_under(keys::kPorts).size(), 2u);
}

TEST_F(GcTasks, AnOrphanWhoseTaskCameBackOrWhosePortWasClaimedAgainStays) {
  put(keys::name("old", "old.0"), records::encode_name({}));
  put(keys::port("h2", "tcp", 9300), records::encode_port_claim("old.0"));
  procs_.running[12] = 500;
  auto cs = candidates();
  ASSERT_EQ(cs.size(), 2u);
  put(keys::port("h2", "tcp", 9300), records::encode_port_claim("new.0"));
  EXPECT_EQ(collect_all({cs[1]}), "");
  file(record("old.0", "/old", "h1", 10, {}));
  EXPECT_EQ(collect_all({cs[0]}), "");
  EXPECT_EQ(keys_under(keys::kNames).size(), 3u);
}

}  // namespace
}  // namespace netmod::agent

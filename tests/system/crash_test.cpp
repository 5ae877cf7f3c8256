// kill -9 of allocating processes at random instants must never leave the
// store inconsistent or holding addresses nobody asked for.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "etcd_server.hpp"
#include "process.hpp"

namespace netmod::testing {
namespace {

using json = nlohmann::json;

// Rounds of 8 calls, about half of them killed at random instants.
void kill_nine_rounds(const std::string& conf, int rounds) {
  std::mt19937 rng(std::random_device{}());
  std::map<std::string, std::set<std::string>> answered;  // uid -> addresses it was told
  std::set<std::string> killed;                            // uids whose process died by SIGKILL
  std::set<std::string> refused;                           // uids that got an error answer
  int n = 0;

  for (int round = 0; round < rounds; ++round) {
    std::vector<std::pair<std::string, Child>> children;
    for (int k = 0; k < 8; ++k) {
      std::string uid = "u" + std::to_string(n++);
      std::string op = (k % 4 == 3 && !answered.empty())
                           ? json{{"command", "release"}, {"args", {{"uid", answered.begin()->first}}}}.dump()
                           : json{{"command", "allocate"},
                                  {"args", {{"hostname", "h"}, {"uid", uid}, {"num_ipv4", 2}, {"num_ipv6", 1}}}}
                                 .dump();
      if (op.find("release") != std::string::npos) {
        // Releases race with allocations; count the released uid as gone only
        // if the release answered (below).
        uid = "release:" + answered.begin()->first;
      }
      children.emplace_back(uid, Child({netmod_bin(), "--config", conf, "netmodules"}, op));
    }
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 4000));
    for (auto& [uid, child] : children) {
      if (rng() % 2) child.kill(SIGKILL);
    }
    for (auto& [uid, child] : children) {
      Outcome o = child.wait();
      bool is_release = uid.rfind("release:", 0) == 0;
      if (o.signal == SIGKILL) {
        if (!is_release) killed.insert(uid);
        continue;
      }
      json j = json::parse(o.out, nullptr, false);
      ASSERT_TRUE(j.is_object()) << "a finished call must answer: " << o.out << o.err;
      if (is_release) {
        if (j["error"].is_null()) answered.erase(uid.substr(8));
        continue;
      }
      if (!j["error"].is_null()) {
        refused.insert(uid);
        continue;
      }
      for (const auto& a : j["ipv4"]) answered[uid].insert(a.get<std::string>());
      for (const auto& a : j["ipv6"]) answered[uid].insert(a.get<std::string>());
    }
  }
  ASSERT_FALSE(answered.empty());
  ASSERT_FALSE(killed.empty());

  auto check = run({netmod_bin(), "--config", conf, "ipam", "check", "--json"});
  ASSERT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_TRUE(json::parse(check.out)["consistent"].get<bool>());

  // What survives: every answered uid with exactly the addresses it was
  // told; besides those, only uids whose process was killed (a kill after
  // the commit and before the answer leaves an allocation that nobody
  // heard of, to be reclaimed by garbage collection), never a refused one.
  std::map<std::string, std::set<std::string>> stored;
  for (const auto& r : json::parse(run({netmod_bin(), "--config", conf, "ipam", "show", "--json"}).out)) {
    stored[r["handle"]].insert(r["address"].get<std::string>());
  }
  for (const auto& [uid, addrs] : answered) EXPECT_EQ(stored[uid], addrs) << uid;
  for (const auto& [uid, addrs] : stored) {
    if (answered.count(uid)) continue;
    EXPECT_TRUE(killed.count(uid)) << "allocation of " << uid << " that never succeeded";
    EXPECT_FALSE(refused.count(uid));
    EXPECT_EQ(addrs.size(), 3u) << "a killed allocation is all or nothing: " << uid;
  }
}

TEST(Crash, KillNineAtRandomInstantsLeavesAConsistentStore) {
  TempDir dir;
  kill_nine_rounds(dir.write_config(R"("release_cooldown_seconds": 0)"), 40);
}

// The same against a real etcd: a process killed between its requests
// leaves whole transactions or none.
TEST(Crash, KillNineAtRandomInstantsLeavesEtcdConsistent) {
  TempDir dir;
  EtcdServer etcd;
  const std::string conf = dir.path() + "/etcd.conf";
  std::ofstream(conf) << R"({"datastore": {"type": "etcd", "endpoints": [")" << etcd.endpoint()
                      << R"("]}, "hostname": "test-host", "release_cooldown_seconds": 0})";
  kill_nine_rounds(conf, 15);
}

}  // namespace
}  // namespace netmod::testing

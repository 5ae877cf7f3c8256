// Many `netmod netmodules` processes on one store file at once.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "etcd_server.hpp"
#include "process.hpp"

namespace netmod::testing {
namespace {

using json = nlohmann::json;

constexpr int kStreams = 8;
constexpr int kCallsPerStream = 250;

// Runs `calls` requests in each of kStreams concurrent streams of processes.
template <class MakeRequest, class OnAnswer>
void in_parallel(const std::string& conf, MakeRequest make, OnAnswer on_answer, int calls = kCallsPerStream) {
  std::vector<std::thread> streams;
  for (int s = 0; s < kStreams; ++s) {
    streams.emplace_back([&, s] {
      for (int i = 0; i < calls; ++i) {
        Outcome o = run({netmod_bin(), "--config", conf, "netmodules"}, make(s, i));
        on_answer(s, i, o);
      }
    });
  }
  for (auto& t : streams) t.join();
}

void allocate_and_release_all(const std::string& conf, int calls) {
  std::mutex mu;
  std::set<std::string> addresses;
  std::vector<std::string> failures;
  auto uid = [](int s, int i) { return "task-" + std::to_string(s) + "-" + std::to_string(i); };

  in_parallel(
      conf,
      [&](int s, int i) {
        return json{{"command", "allocate"},
                    {"args", {{"hostname", "agent-" + std::to_string(s % 2)}, {"uid", uid(s, i)},
                              {"num_ipv4", 1}, {"num_ipv6", 0}}}}
            .dump();
      },
      [&](int, int, const Outcome& o) {
        std::lock_guard lock(mu);
        json j = json::parse(o.out, nullptr, false);
        if (o.exit_code != 0 || !j.is_object() || !j["error"].is_null()) {
          failures.push_back(o.out + o.err);
          return;
        }
        for (const auto& a : j["ipv4"]) addresses.insert(a.get<std::string>());
      },
      calls);
  ASSERT_TRUE(failures.empty()) << failures.size() << " failed, first: " << failures.front();
  EXPECT_EQ(addresses.size(), size_t(kStreams * calls));

  in_parallel(
      conf,
      [&](int s, int i) { return json{{"command", "release"}, {"args", {{"uid", uid(s, i)}}}}.dump(); },
      [&](int, int, const Outcome& o) {
        std::lock_guard lock(mu);
        if (o.exit_code != 0) failures.push_back(o.out + o.err);
      },
      calls);
  ASSERT_TRUE(failures.empty()) << failures.front();

  auto show = run({netmod_bin(), "--config", conf, "ipam", "show", "--json"});
  EXPECT_EQ(json::parse(show.out).size(), 0u) << show.out.substr(0, 500);
  auto check = run({netmod_bin(), "--config", conf, "ipam", "check", "--json"});
  EXPECT_EQ(check.exit_code, 0) << check.out;
  EXPECT_EQ(json::parse(check.out)["handles"], 0);
}

TEST(Concurrency, EightProcessStreamsAllocateDistinctAddressesAndReleaseAll) {
  TempDir dir;
  allocate_and_release_all(dir.write_config(), kCallsPerStream);
}

// The same on a real etcd, two hosts' worth of processes at once.
TEST(Concurrency, EightProcessStreamsOnEtcdNeverShareAnAddress) {
  TempDir dir;
  EtcdServer etcd;
  const std::string conf = dir.path() + "/etcd.conf";
  std::ofstream(conf) << R"({"datastore": {"type": "etcd", "endpoints": [")" << etcd.endpoint()
                      << R"("]}, "hostname": "test-host"})";
  allocate_and_release_all(conf, 30);
}

}  // namespace
}  // namespace netmod::testing

namespace netmod::testing {
namespace {

// `ipam show` reads in one consistent view: while allocations and releases
// run, every row it shows has its holder's record (once, rows without a
// host appeared: the block read before the handle's record was written).
TEST(Concurrency, IpamShowIsConsistentWhileOthersAllocate) {
  TempDir dir;
  std::string conf = dir.write_config();
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int s = 0; s < 2; ++s) {
    writers.emplace_back([&, s] {
      for (int i = 0; !stop; ++i) {
        std::string uid = "w" + std::to_string(s) + "-" + std::to_string(i);
        run({netmod_bin(), "--config", conf, "netmodules"},
            json{{"command", "allocate"}, {"args", {{"hostname", "h"}, {"uid", uid}, {"num_ipv4", 2}, {"num_ipv6", 1}}}}.dump());
        if (i % 2) run({netmod_bin(), "--config", conf, "netmodules"}, json{{"command", "release"}, {"args", {{"uid", uid}}}}.dump());
      }
    });
  }
  int shown = 0, torn = 0;
  for (int k = 0; k < 60; ++k) {
    Outcome o = run({netmod_bin(), "--config", conf, "ipam", "show", "--json"}, "");
    json rows = json::parse(o.out, nullptr, false);
    if (!rows.is_array()) continue;  // the store was busy past its timeout: no view at all
    for (const auto& r : rows) {
      ++shown;
      if (r.value("host", "").empty()) ++torn;
    }
  }
  stop = true;
  for (auto& t : writers) t.join();
  EXPECT_GT(shown, 0);
  EXPECT_EQ(torn, 0) << "rows without their holder's record";
}

}  // namespace
}  // namespace netmod::testing

// Whole `netmod netmodules allocate` calls, process start to exit, as the
// Mesos module makes them: one at a time, and 8 concurrent streams on one
// store. Peers measured in the same run: spawning /bin/true (the floor of
// any plugin call) and Debian's host-local CNI IPAM plugin allocating one
// address (the reference IPAM a runtime would otherwise call).
//
//   netmodules_bench NETMOD_BIN [calls] [streams] [calls_per_stream]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "process.hpp"

namespace {

using netmod::testing::Outcome;
using netmod::testing::TempDir;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Stats {
  double median_ms = 0, p95_ms = 0, per_s = 0;
  size_t n = 0, failed = 0;
};

Stats summarise(std::vector<double> ms, double wall_s, size_t failed) {
  Stats s;
  s.n = ms.size();
  s.failed = failed;
  if (ms.empty()) return s;
  std::sort(ms.begin(), ms.end());
  s.median_ms = ms[ms.size() / 2];
  s.p95_ms = ms[std::min(ms.size() - 1, ms.size() * 95 / 100)];
  s.per_s = static_cast<double>(ms.size()) / wall_s;
  return s;
}

// Runs `make(stream, i)` -> (argv, stdin, env) in `streams` concurrent streams.
template <class Make>
Stats measure(int streams, int per_stream, Make make) {
  std::mutex mu;
  std::vector<double> ms;
  size_t failed = 0;
  auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int s = 0; s < streams; ++s) {
    threads.emplace_back([&, s] {
      for (int i = 0; i < per_stream; ++i) {
        auto [argv, input] = make(s, i);
        auto start = Clock::now();
        Outcome o = netmod::testing::run(argv, input);
        double d = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        std::lock_guard lock(mu);
        if (o.exit_code != 0) {
          if (failed++ == 0) std::fprintf(stderr, "failed call: %s %s\n", o.out.c_str(), o.err.c_str());
          continue;
        }
        ms.push_back(d);
      }
    });
  }
  for (auto& t : threads) t.join();
  return summarise(ms, std::chrono::duration<double>(Clock::now() - t0).count(), failed);
}

void print(const char* what, const Stats& s) {
  std::printf("%-44s n=%-5zu failed=%-3zu median %7.3f ms   p95 %7.3f ms   %8.0f calls/s\n", what, s.n,
              s.failed, s.median_ms, s.p95_ms, s.per_s);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s NETMOD_BIN [calls] [streams] [calls_per_stream]\n", argv[0]);
    return 2;
  }
  std::string bin = argv[1];
  int calls = argc > 2 ? std::atoi(argv[2]) : 1000;
  int streams = argc > 3 ? std::atoi(argv[3]) : 8;
  int per_stream = argc > 4 ? std::atoi(argv[4]) : 250;

  using Call = std::pair<std::vector<std::string>, std::string>;
  auto allocate = [&](const std::string& conf, const std::string& tag) {
    return [&bin, conf, tag](int s, int i) -> Call {
      return {{bin, "--config", conf, "netmodules"},
              json{{"command", "allocate"},
                   {"args", {{"hostname", "bench-host"}, {"uid", tag + std::to_string(s) + "-" + std::to_string(i)},
                             {"num_ipv4", 1}, {"num_ipv6", 0}, {"netgroups", {"public"}}}}}
                  .dump()};
    };
  };

  print("spawn /bin/true (floor)", measure(1, calls, [](int, int) -> Call { return {{"/bin/true"}, ""}; }));

  {
    TempDir dir;
    std::string conf = dir.write_config();
    print("netmod netmodules allocate, sequential", measure(1, calls, allocate(conf, "seq-")));
  }

  const char* host_local = "/usr/lib/cni/host-local";
  if (access(host_local, X_OK) == 0) {
    TempDir dir;
    std::string netconf = json{{"cniVersion", "0.4.0"},
                               {"name", "bench"},
                               {"type", "ptp"},
                               {"ipam", {{"type", "host-local"}, {"subnet", "10.201.0.0/16"},
                                         {"dataDir", dir.path() + "/host-local"}}}}
                              .dump();
    // host-local reads its request from the environment; env(1) sets it.
    print("host-local ADD (peer), sequential", measure(1, calls, [&](int, int i) -> Call {
            return {{"/usr/bin/env", "CNI_COMMAND=ADD", "CNI_CONTAINERID=bench" + std::to_string(i),
                     "CNI_NETNS=/proc/self/ns/net", "CNI_IFNAME=eth0", "CNI_PATH=/usr/lib/cni", host_local},
                    netconf};
          }));
  }

  {
    TempDir dir;
    std::string conf = dir.write_config();
    char label[96];
    std::snprintf(label, sizeof label, "netmod netmodules allocate, %d streams", streams);
    print(label, measure(streams, per_stream, allocate(conf, "par-")));
  }
  return 0;
}

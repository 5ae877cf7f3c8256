// isolate and cleanup of one task, end to end through the binary, with 10,
// 100 and 1,000 tasks already wired on the host. Run inside a network
// namespace standing for the host (bench/dataplane.sh does that):
//
//   dataplane_bench NETMOD_BIN CONFIG [levels=10,100,1000] [samples=30]
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/trace.hpp"
#include "process.hpp"

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string bin, conf;

// A task: a child process in its own network namespace, waiting.
pid_t start_task() {
  int ready[2];
  if (pipe(ready) != 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    close(ready[0]);
    if (unshare(CLONE_NEWNET) != 0) _exit(1);
    char c = 1;
    if (write(ready[1], &c, 1) != 1) _exit(1);
    for (;;) pause();
  }
  close(ready[1]);
  char c = 0;
  if (read(ready[0], &c, 1) != 1) pid = -1;
  close(ready[0]);
  return pid;
}

void stop_task(pid_t pid) {
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

json call(const json& req) {
  // With NETMOD_TRACE set, the calls' trace points (src/common/trace.hpp)
  // are passed on, between this process's own "spawn" and "reaped", to see
  // where their time goes.
  static const bool trace = std::getenv("NETMOD_TRACE") != nullptr;
  if (trace) netmod::trace_point("spawn");
  auto o = netmod::testing::run({bin, "--config", conf, "netmodules"}, req.dump());
  if (trace) netmod::trace_point("reaped");
  json j = json::parse(o.out, nullptr, false);
  if (o.exit_code != 0 || !j.is_object() || !j["error"].is_null()) {
    std::fprintf(stderr, "call failed: %s -> %s %s\n", req.dump().c_str(), o.out.c_str(), o.err.c_str());
    std::exit(1);
  }
  if (trace) std::fputs(o.err.c_str(), stderr);
  return j;
}

double timed_call(const json& req) {
  auto t0 = Clock::now();
  call(req);
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

json isolate_req(const std::string& id, pid_t pid, const json& alloc, const char* group) {
  return {{"command", "isolate"},
          {"args", {{"hostname", "bench-host"}, {"container_id", id}, {"pid", pid},
                    {"ipv4_addrs", alloc["ipv4"]}, {"ipv6_addrs", alloc["ipv6"]}, {"netgroups", {group}}}}};
}

json allocate_req(const std::string& id) {
  return {{"command", "allocate"},
          {"args", {{"hostname", "bench-host"}, {"uid", id}, {"num_ipv4", 1}, {"num_ipv6", 1}}}};
}

struct Stat {
  double median, p95;
};
Stat stat(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v[std::min(v.size() - 1, v.size() * 95 / 100)]};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s NETMOD_BIN CONFIG [levels] [samples]\n", argv[0]);
    return 2;
  }
  bin = argv[1];
  conf = argv[2];
  std::vector<int> levels;
  std::stringstream ls(argc > 3 ? argv[3] : "10,100,1000");
  for (std::string x; std::getline(ls, x, ',');) levels.push_back(std::stoi(x));
  int samples = argc > 4 ? std::atoi(argv[4]) : 30;

  std::vector<pid_t> background;
  const char* groups[] = {"g1", "g2", "g3", "public"};
  std::printf("%-8s %-24s %-24s\n", "tasks", "isolate median/p95 ms", "cleanup median/p95 ms");
  std::vector<Stat> iso_stats;
  for (int level : levels) {
    while (static_cast<int>(background.size()) < level) {
      std::string id = "bg-" + std::to_string(background.size());
      pid_t pid = start_task();
      json a = call(allocate_req(id));
      call(isolate_req(id, pid, a, groups[background.size() % 4]));
      background.push_back(pid);
    }
    // "Already running": let the kernel finish what new links start for a
    // few seconds (IPv6 duplicate address detection and MLD reports in the
    // tasks, each of which the host handles) before timing anything.
    std::this_thread::sleep_for(std::chrono::seconds(3));
    std::vector<double> iso, clean;
    for (int s = 0; s < samples; ++s) {
      std::string id = "probe-" + std::to_string(level) + "-" + std::to_string(s);
      pid_t pid = start_task();
      json a = call(allocate_req(id));
      iso.push_back(timed_call(isolate_req(id, pid, a, "g1")));
      clean.push_back(timed_call({{"command", "cleanup"}, {"args", {{"hostname", "bench-host"}, {"container_id", id}}}}));
      call({{"command", "release"}, {"args", {{"uid", id}}}});
      stop_task(pid);
    }
    Stat i = stat(iso), c = stat(clean);
    iso_stats.push_back(i);
    std::printf("%-8d %7.2f / %-14.2f %7.2f / %-14.2f\n", level, i.median, i.p95, c.median, c.p95);
    std::fflush(stdout);
  }
  if (iso_stats.size() >= 2) {
    std::printf("isolate median ratio, %d tasks vs %d tasks: %.2f\n", levels.back(), levels.front(),
                iso_stats.back().median / iso_stats.front().median);
  }
  for (size_t i = 0; i < background.size(); ++i) {
    std::string id = "bg-" + std::to_string(i);
    call({{"command", "cleanup"}, {"args", {{"hostname", "bench-host"}, {"container_id", id}}}});
    stop_task(background[i]);
  }
  return 0;
}

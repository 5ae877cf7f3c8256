#include "agent/gc.hpp"

#include <gtest/gtest.h>

#include "agent/fake_processes.hpp"

namespace netmod::agent {
namespace {

using namespace std::chrono_literals;

net::IpAddress ip(const char* s) { return *net::IpAddress::parse(s); }

records::EndpointRecord endpoint(const std::string& host, const std::string& id, const char* addr) {
  records::EndpointRecord e;
  e.host = host;
  e.container_id = id;
  e.netns = "/proc/1/ns/net";
  e.addresses = {ip(addr)};
  return e;
}

std::string str(const std::vector<GcCandidate>& v) {
  std::string s;
  for (const auto& c : v) s += c.key() + ": " + c.why + "\n";
  return s;
}

GcInput cluster() {
  GcInput in;
  in.host = "h1";
  in.hosts_with_fabric = {"h1", "h2", "h3"};
  in.hosts_with_agent = {"h1", "h2"};  // h3's lease expired
  in.endpoints = {endpoint("h1", "live", "10.65.0.1"), endpoint("h1", "dead", "10.65.0.2"),
                  endpoint("h3", "t3", "10.65.0.70")};
  in.endpoints_without_namespace = {"dead"};
  in.handles = {{"live", "h1", {ip("10.65.0.1")}, {}},
                {"dead", "h1", {ip("10.65.0.2")}, {}},
                {"never-isolated", "h1", {ip("10.65.0.3")}, {}},
                {"parked@released:12", "h1", {ip("10.65.0.4")}, {}},
                {"other-host", "h2", {ip("10.65.0.65")}, {}}};
  return in;
}

TEST(Gc, CandidatesAreGoneHostsDeadTasksAndUnusedAllocationsOfThisHost) {
  EXPECT_EQ(str(gc_candidates(cluster())),
            "0/h3/h3: its agent's lease expired\n"
            "1/h1/dead: its task's namespace /proc/1/ns/net is gone\n"
            "2/h1/never-isolated: no endpoint uses 10.65.0.3\n");
}

TEST(Gc, AHostThatNeverHadAnAgentIsNotGone) {
  GcInput in = cluster();
  in.hosts_with_fabric = {"h1", "h2"};  // h3 runs plugins only
  for (const auto& c : gc_candidates(in)) EXPECT_NE(c.kind, GcCandidate::Kind::host_gone) << c.key();
}

TEST(Gc, OnlyWhatIsSeenTwiceAGraceApartIsDue) {
  GcClock clock(60s);
  const auto t0 = std::chrono::steady_clock::time_point{} + 1000s;
  auto all = gc_candidates(cluster());
  EXPECT_TRUE(clock.due(all, t0).empty());        // first seen
  EXPECT_TRUE(clock.due(all, t0 + 30s).empty());  // not a grace later yet
  EXPECT_EQ(clock.due(all, t0 + 60s).size(), 3u);
  // One that stopped being garbage (its agent came back) starts again.
  GcInput back = cluster();
  back.hosts_with_agent.insert("h3");
  EXPECT_EQ(clock.due(gc_candidates(back), t0 + 70s).size(), 2u);
  EXPECT_EQ(clock.due(all, t0 + 80s).size(), 2u);  // h3 is new again
  EXPECT_EQ(clock.due(all, t0 + 140s).size(), 3u);
}

TEST(Gc, WithNoGraceStillTwoObservations) {
  GcClock clock(0s);
  const auto t = std::chrono::steady_clock::time_point{} + 5s;
  auto all = gc_candidates(cluster());
  EXPECT_TRUE(clock.due(all, t).empty());
  EXPECT_EQ(clock.due(all, t).size(), 3u);
}

records::TaskRecord task(const std::string& id, const std::string& host, int64_t pid, int64_t start,
                         const std::string& boot = "boot-1") {
  records::TaskRecord t;
  t.id = id;
  t.app = "/" + id.substr(0, id.find('.'));
  t.host = host;
  t.pid = pid;
  t.pid_start = start;
  t.boot_id = boot;
  return t;
}

TEST(Gc, ALauncherIsDeadOnlyWhenThisBootKnowsItsPidIsGoneOrReused) {
  FakeProcesses procs;  // boot-1; pid 10 started at 500, pid 11's /proc unreadable
  procs.running = {{10, 500}, {11, 600}};
  procs.unknowable = {11};
  struct Case {
    const char* what;
    records::TaskRecord t;
    bool dead;
  };
  const Case cases[] = {
      {.what = "its pid runs the process that filed it", .t = task("a.0", "h1", 10, 500), .dead = false},
      {.what = "its pid is gone", .t = task("a.0", "h1", 12, 500), .dead = true},
      {.what = "its pid runs another process (reused)", .t = task("a.0", "h1", 10, 499), .dead = true},
      {.what = "another boot (or machine)", .t = task("a.0", "h1", 12, 500, "boot-0"), .dead = false},
      {.what = "no boot id recorded (an app task before its launcher filed it)", .t = task("a.0", "h1", 12, 500, ""),
       .dead = false},
      {.what = "no pid recorded", .t = task("a.0", "h1", 0, 0), .dead = false},
      {.what = "no start recorded, the pid runs", .t = task("a.0", "h1", 10, 0), .dead = false},
      {.what = "no start recorded, the pid is gone", .t = task("a.0", "h1", 12, 0), .dead = true},
      {.what = "its /proc cannot be read", .t = task("a.0", "h1", 11, 1), .dead = false},
  };
  for (const auto& c : cases) EXPECT_EQ(launcher_dead(c.t, procs), c.dead) << c.what;
  FakeProcesses no_boot;
  no_boot.boot = "";
  EXPECT_FALSE(launcher_dead(task("a.0", "h1", 12, 500, ""), no_boot)) << "this machine's boot id unreadable";
}

GcInput tasks_of_h1() {
  GcInput in;
  in.host = "h1";
  in.tasks = {task("web.0", "h1", 12, 5), task("live.0", "h1", 10, 500), task("other.0", "h2", 13, 5),
              task("waiting.0", "", 14, 5)};
  in.tasks_launcher_dead = {"web.0", "other.0", "waiting.0"};
  in.task_ids = {"web.0", "live.0", "other.0", "waiting.0", "unreadable.0"};
  in.names = {{"/k/names/web/web.0", "web", "web.0"},
              {"/k/names/gone/gone.0", "gone", "gone.0"},
              {"/k/names/u/unreadable.0", "u", "unreadable.0"}};
  in.port_claims = {{"/k/ports/h1/tcp/9100", "h1", "tcp", 9100, "live.0"},
                    {"/k/ports/h2/tcp/9200", "h2", "tcp", 9200, "gone.0"}};
  return in;
}

TEST(Gc, DeadLaunchersTasksOfThisHostOrWaitingAndOrphansOfAnyHost) {
  EXPECT_EQ(str(gc_candidates(tasks_of_h1())),
            "3/h1/web.0: its launcher (pid 12) is gone\n"
            "3/h1/waiting.0: its launcher (pid 14) is gone while it waited for a host\n"
            "4///k/names/gone/gone.0: name gone of task gone.0, which has no record\n"
            "5/h2//k/ports/h2/tcp/9200: port tcp/9200 claimed by task gone.0, which has no record\n");
}

TEST(Gc, AnOrphanNamesItsTask) {
  for (const auto& c : gc_candidates(tasks_of_h1())) {
    if (c.kind == GcCandidate::Kind::name_orphan || c.kind == GcCandidate::Kind::port_claim_orphan) {
      EXPECT_EQ(c.task, "gone.0") << c.key();
    }
  }
  EXPECT_EQ(kind_name(GcCandidate::Kind::task_dead), "task-dead");
  EXPECT_EQ(kind_name(GcCandidate::Kind::port_claim_orphan), "port-claim-orphan");
}

}  // namespace
}  // namespace netmod::agent

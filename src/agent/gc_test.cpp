#include "agent/gc.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace netmod::agent

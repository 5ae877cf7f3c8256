#include "agent/registration.hpp"

#include <gtest/gtest.h>

#include "store/memory_store.hpp"

namespace netmod::agent {
namespace {

using namespace std::chrono_literals;

records::AgentRecord agent(int64_t pid) {
  records::AgentRecord r;
  r.host = "h1";
  r.pid = pid;
  r.pid_start = 100 + pid;
  r.boot_id = "boot";
  r.fabric = {*net::IpAddress::parse("192.168.50.2")};
  return r;
}

TEST(Registration, RegistersUnderALeaseWithTheFabricRecordBeside) {
  store::MemoryStore s;
  auto r = Registration::acquire(s, agent(1), 10s, [](const records::AgentRecord&) { return true; });
  ASSERT_TRUE(r) << r.error().message;
  auto held = *s.get(records::keys::agent("h1"));
  ASSERT_TRUE(held);
  EXPECT_EQ(records::decode_agent(held->value)->pid, 1);
  ASSERT_TRUE(s.get(records::keys::fabric("h1"))->has_value());
  ASSERT_TRUE(r->renew());
  EXPECT_EQ(r->renewals(), 1u);
  // A clean stop: the agent record goes, the fabric record stays.
  ASSERT_TRUE(r->release());
  EXPECT_FALSE(s.get(records::keys::agent("h1"))->has_value());
  EXPECT_TRUE(s.get(records::keys::fabric("h1"))->has_value());
}

TEST(Registration, ALiveHolderIsRefusedAndNamedADeadOneIsTakenOver) {
  store::MemoryStore s;
  ASSERT_TRUE(Registration::acquire(s, agent(1), 10s, [](const records::AgentRecord&) { return true; }));
  auto second = Registration::acquire(s, agent(2), 10s, [](const records::AgentRecord&) { return true; });
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, Errc::conflict);
  EXPECT_NE(second.error().message.find("held by a live agent (pid 1"), std::string::npos) << second.error().message;
  EXPECT_EQ(records::decode_agent((*s.get(records::keys::agent("h1")))->value)->pid, 1);  // untouched
  // Agent 1 was killed: its record remains until its lease ends, but its
  // successor takes over at once.
  auto after_kill = Registration::acquire(s, agent(3), 10s, [](const records::AgentRecord& h) { return h.pid != 1; });
  ASSERT_TRUE(after_kill) << after_kill.error().message;
  EXPECT_EQ(records::decode_agent((*s.get(records::keys::agent("h1")))->value)->pid, 3);
}

TEST(Registration, ALapsedLeaseIsTakenAgainUnlessAnotherAgentHasTheHost) {
  store::MemoryStore s;
  auto now = std::chrono::steady_clock::now();
  s.set_clock([&] { return now; });
  auto r = Registration::acquire(s, agent(1), 10s, [](const records::AgentRecord&) { return true; });
  ASSERT_TRUE(r);
  now += 11s;  // the store was out of reach: the lease ended
  EXPECT_FALSE(s.get(records::keys::agent("h1"))->has_value());
  ASSERT_TRUE(r->renew());
  EXPECT_TRUE(s.get(records::keys::agent("h1"))->has_value());
  now += 11s;
  ASSERT_TRUE(Registration::acquire(s, agent(2), 10s, [](const records::AgentRecord&) { return true; }));
  auto lost = r->renew();
  ASSERT_FALSE(lost);
  EXPECT_EQ(lost.error().code, Errc::conflict);
}

}  // namespace
}  // namespace netmod::agent

#include "launch/registry.hpp"

#include <gtest/gtest.h>

#include "records/hosts.hpp"
#include "store/memory_store.hpp"

namespace netmod::launch {
namespace {

TaskRecord task(const std::string& id, const std::string& app) {
  TaskRecord t;
  t.id = id;
  t.app = app;
  return t;
}

TEST(ClaimTasks, AllOrNoneAndASecondLaunchIsRefused) {
  store::MemoryStore s;
  ASSERT_TRUE(claim_tasks(s, {task("g.a.0", "/g/a"), task("g.b.0", "/g/b")}));
  auto again = claim_tasks(s, {task("g.c.0", "/g/c"), task("g.b.1", "/g/b")});
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("app /g/b is already running"), std::string::npos) << again.error().message;
  EXPECT_NE(again.error().message.find("netmod stop /g/b"), std::string::npos);
  auto list = list_tasks(s);
  ASSERT_TRUE(list);
  EXPECT_EQ(list->tasks.size(), 2u);  // g.c.0 was not filed
}

TEST(ClaimPorts, OneHolderPerHostPort) {
  store::MemoryStore s;
  ASSERT_TRUE(claim_tasks(s, {task("a", "/a"), task("b", "/b")}));
  auto first = claim_ports(s, "a", "h1", {9000});
  ASSERT_TRUE(first);
  EXPECT_FALSE(first->has_value());
  auto second = claim_ports(s, "b", "h1", {9000});
  ASSERT_TRUE(second);
  ASSERT_TRUE(second->has_value());
  EXPECT_EQ(**second, "9000 (a)");
  auto elsewhere = claim_ports(s, "b", "h2", {9000});
  ASSERT_TRUE(elsewhere);
  EXPECT_FALSE(elsewhere->has_value());
  auto rec = get_task(s, "b");
  ASSERT_TRUE(rec && *rec);
  EXPECT_EQ((*rec)->host, "h2");
  // Removing a frees its port for b on h1.
  ASSERT_TRUE(remove_task(s, "a"));
  auto moved = claim_ports(s, "b", "h1", {9000});
  ASSERT_TRUE(moved);
  EXPECT_FALSE(moved->has_value());
  // b's claim on h2 was given up when it moved.
  ASSERT_TRUE(claim_tasks(s, {task("c", "/c")}));
  auto c = claim_ports(s, "c", "h2", {9000});
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->has_value());
}

TEST(ClaimPorts, AStoppedTaskCannotClaim) {
  store::MemoryStore s;
  auto r = claim_ports(s, "ghost", "h1", {9000});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::not_found);
}

TEST(UpdateTask, RunningFilesNamesAndRemoveTakesThemAway) {
  store::MemoryStore s;
  TaskRecord t = task("star.probe-a.0", "/star/probe-a");
  ASSERT_TRUE(claim_tasks(s, {t}));
  t.state = TaskState::running;
  t.addresses = {*net::IpAddress::parse("10.65.0.9")};
  ASSERT_TRUE(update_task(s, t, records::mesos_dns_names(t.app)));
  auto found = records::lookup_name(s, "probe-a.star");
  ASSERT_TRUE(found && found->has_value());
  EXPECT_EQ((**found)[0].str(), "10.65.0.9");
  ASSERT_TRUE(records::lookup_name(s, "probe-a-star") && records::lookup_name(s, "probe-a-star")->has_value());
  ASSERT_TRUE(remove_task(s, t.id));
  auto gone = records::lookup_name(s, "probe-a.star");
  ASSERT_TRUE(gone);
  EXPECT_FALSE(gone->has_value());
  auto none = list_tasks(s);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->tasks.empty());
  EXPECT_TRUE(remove_task(s, t.id));  // nothing there: fine
}

TEST(UpdateTask, AStopIsNeverLost) {
  store::MemoryStore s;
  TaskRecord t = task("a.0", "/a");
  ASSERT_TRUE(claim_tasks(s, {t}));
  ASSERT_TRUE(request_stop(s, "/a"));
  t.state = TaskState::running;
  ASSERT_TRUE(update_task(s, t));
  auto rec = get_task(s, "a.0");
  ASSERT_TRUE(rec && *rec);
  EXPECT_TRUE((*rec)->stop_requested);
}

TEST(RequestStop, ByGroupAppOrId) {
  store::MemoryStore s;
  ASSERT_TRUE(claim_tasks(s, {task("g.a.0", "/g/a"), task("g.b.0", "/g/b"), task("gx.c.0", "/gx/c")}));
  auto group = request_stop(s, "/g");
  ASSERT_TRUE(group);
  EXPECT_EQ(group->size(), 2u);
  auto bare = request_stop(s, "gx");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->size(), 1u);
  auto by_id = request_stop(s, "g.a.0");
  ASSERT_TRUE(by_id);
  EXPECT_EQ(by_id->size(), 1u);
  auto none = request_stop(s, "/nothing");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(LiveHosts, FromAgentRecords) {
  store::MemoryStore s;
  ASSERT_TRUE(s.update([](store::Tx& tx) -> Result<void> {
    tx.put(records::keys::agent("h2"), "{}");
    tx.put(records::keys::agent("h1"), "{}");
    return ok();
  }));
  auto hosts = live_hosts(s);
  ASSERT_TRUE(hosts);
  EXPECT_EQ(*hosts, (std::vector<std::string>{"h1", "h2"}));
}

}  // namespace
}  // namespace netmod::launch

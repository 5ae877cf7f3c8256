#include "records/tasks.hpp"

#include <gtest/gtest.h>

#include "store/memory_store.hpp"

namespace netmod::records {
namespace {

TEST(MesosDnsNames, ReversedPathDottedAndDashed) {
  EXPECT_EQ(mesos_dns_names("/star-iso/probe-b"), (std::vector<std::string>{"probe-b.star-iso", "probe-b-star-iso"}));
  EXPECT_EQ(mesos_dns_names("/a/b/c"), (std::vector<std::string>{"c.b.a", "c-b-a"}));
  EXPECT_EQ(mesos_dns_names("/web"), (std::vector<std::string>{"web"}));
}

TEST(MesosDnsNames, LabelsAreLowerCasedAndCleaned) {
  EXPECT_EQ(dns_label("Probe_B.x"), "probe-b-x");
  EXPECT_EQ(dns_label("a b!c"), "abc");
  EXPECT_EQ(dns_label(std::string(100, 'a')).size(), 63u);
  EXPECT_EQ(mesos_dns_names("/Star_Iso//Probe.B"), (std::vector<std::string>{"probe-b.star-iso", "probe-b-star-iso"}));
}

TEST(MesosDnsNames, NothingUsableHasNoName) {
  EXPECT_TRUE(mesos_dns_names("/").empty());
  EXPECT_TRUE(mesos_dns_names("/!!!/***").empty());
}

TEST(MesosDnsNames, DashedFormIsOneLabel) {
  auto names = mesos_dns_names("/" + std::string(40, 'a') + "/" + std::string(40, 'b'));
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(names[1].size(), 63u);
}

TEST(TaskRecord, RoundTrips) {
  TaskRecord r;
  r.id = "star-iso.probe-a.1";
  r.app = "/star-iso/probe-a";
  r.name = "probe-a";
  r.host = "agent-1";
  r.state = TaskState::running;
  r.addresses = {*net::IpAddress::parse("10.65.0.3"), *net::IpAddress::parse("fd65::3")};
  r.netgroups = {"star-1"};
  r.labels = {{"k", "v"}};
  r.host_network = true;
  r.ports = {9000};
  r.pid = 42;
  r.pid_start = 7;
  r.boot_id = "b";
  r.started_ms = 99;
  r.stop_requested = true;
  auto back = decode_task(encode_task(r));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->id, r.id);
  EXPECT_EQ(back->app, r.app);
  EXPECT_EQ(back->host, r.host);
  EXPECT_EQ(back->state, TaskState::running);
  EXPECT_EQ(back->addresses, r.addresses);
  EXPECT_EQ(back->netgroups, r.netgroups);
  EXPECT_EQ(back->labels, r.labels);
  EXPECT_TRUE(back->host_network);
  EXPECT_EQ(back->ports, r.ports);
  EXPECT_EQ(back->pid, 42);
  EXPECT_TRUE(back->stop_requested);
}

TEST(TaskRecord, BadRecordsAreErrorsNotCrashes) {
  EXPECT_FALSE(decode_task("not json"));
  EXPECT_FALSE(decode_task("{}"));
  EXPECT_FALSE(decode_task(R"({"id": "x", "state": "dancing"})"));
  EXPECT_FALSE(decode_task(R"({"id": "x", "ports": [70000]})"));
  EXPECT_FALSE(decode_task(R"({"id": "x", "addresses": ["nope"]})"));
}

TEST(LookupName, ThreeOutcomes) {
  store::MemoryStore s;
  auto none = lookup_name(s, "probe-a.star");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(s.update([](store::Tx& tx) -> Result<void> {
    tx.put(keys::name("probe-a.star", "t1"), encode_name({{*net::IpAddress::parse("10.65.0.1")}}));
    tx.put(keys::name("probe-a.star", "t2"), encode_name({{*net::IpAddress::parse("10.65.0.2")}}));
    tx.put(keys::name("probe-a.star", "t3"), "garbage");
    tx.put(keys::name("probe-a.starx", "t4"), encode_name({{*net::IpAddress::parse("10.65.0.4")}}));
    return ok();
  }));
  auto found = lookup_name(s, "probe-a.star");
  ASSERT_TRUE(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->size(), 2u);
}

}  // namespace
}  // namespace netmod::records

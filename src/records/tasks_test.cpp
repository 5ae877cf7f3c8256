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

TEST(PortClaim, RoundTripsAndRefusesWhatIsNotAClaim) {
  auto back = decode_port_claim(encode_port_claim("web.0"));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, "web.0");
  EXPECT_FALSE(decode_port_claim("not json"));
  EXPECT_FALSE(decode_port_claim("{}"));
  EXPECT_FALSE(decode_port_claim(R"({"task": 7})"));
  EXPECT_FALSE(decode_port_claim(R"({"task": ""})"));
}

// A store with two tasks filed as the launcher files them: web.0 running
// with its names and a port claim, api.0 holding port 9200 on h1.
void file_two(store::Store& s) {
  TaskRecord web;
  web.id = "web.0";
  web.app = "/web";
  web.host = "h1";
  web.ports = {9100, 9200};  // 9200 is api.0's: never removed with web.0
  TaskRecord api = web;
  api.id = "api.0";
  api.app = "/a/api";
  api.ports = {9200};
  EXPECT_TRUE(s.update([&](store::Tx& tx) -> Result<void> {
    tx.put(keys::task(web.id), encode_task(web));
    tx.put(keys::task(api.id), encode_task(api));
    tx.put(keys::name("web", web.id), encode_name({{*net::IpAddress::parse("10.65.0.1")}}));
    tx.put(keys::name("api.a", api.id), encode_name({}));
    tx.put(keys::name("api-a", api.id), encode_name({}));
    tx.put(keys::port("h1", "tcp", 9100), encode_port_claim(web.id));
    tx.put(keys::port("h1", "tcp", 9200), encode_port_claim(api.id));
    return ok();
  }));
}

std::vector<std::string> keys_under(store::Store& s, std::string_view prefix) {
  std::vector<std::string> out;
  auto kvs = s.list(prefix);
  EXPECT_TRUE(kvs);
  if (kvs) {
    for (const auto& kv : *kvs) out.push_back(kv.key);
  }
  return out;
}

TEST(RemoveTaskRecords, TheRecordItsNamesAndItsClaimsNothingElse) {
  store::MemoryStore s;
  file_two(s);
  bool removed = false;
  ASSERT_TRUE(s.update([&](store::Tx& tx) -> Result<void> {
    NETMOD_ASSIGN_OR_RETURN(removed, remove_task_records(tx, "web.0"));
    return ok();
  }));
  EXPECT_TRUE(removed);
  EXPECT_EQ(keys_under(s, keys::kTasks), std::vector<std::string>{keys::task("api.0")});
  EXPECT_EQ(keys_under(s, keys::kNames), (std::vector<std::string>{keys::name("api-a", "api.0"), keys::name("api.a", "api.0")}));
  EXPECT_EQ(keys_under(s, keys::kPorts), std::vector<std::string>{keys::port("h1", "tcp", 9200)});
  ASSERT_TRUE(s.update([&](store::Tx& tx) -> Result<void> {
    NETMOD_ASSIGN_OR_RETURN(removed, remove_task_records(tx, "web.0"));
    return ok();
  }));
  EXPECT_FALSE(removed);  // gone already: nothing to do
}

TEST(RemoveTaskRecords, AnUnreadableRecordGoesAlone) {
  store::MemoryStore s;
  file_two(s);
  ASSERT_TRUE(s.update([](store::Tx& tx) -> Result<void> {
    tx.put(keys::task("web.0"), "garbage");
    NETMOD_ASSIGN_OR_RETURN(bool removed, remove_task_records(tx, "web.0"));
    EXPECT_TRUE(removed);
    return ok();
  }));
  EXPECT_EQ(keys_under(s, keys::kTasks).size(), 1u);
  EXPECT_EQ(keys_under(s, keys::kNames).size(), 3u);
  EXPECT_EQ(keys_under(s, keys::kPorts).size(), 2u);
}

TEST(ListTaskKeys, NamesClaimsAndIdsFromTheKeys) {
  store::MemoryStore s;
  file_two(s);
  ASSERT_TRUE(s.update([](store::Tx& tx) -> Result<void> {
    tx.put(keys::name("odd/name", "a/b.0"), encode_name({}));  // escaped segments
    tx.put(std::string(keys::kNames) + "no-task-segment", encode_name({}));
    tx.put(keys::port("h%2", "tcp", 80), encode_port_claim("x/y"));
    tx.put(std::string(keys::kPorts) + "h1/tcp/99999", encode_port_claim("web.0"));
    tx.put(keys::port("h1", "tcp", 81), "not a claim");
    tx.put(keys::task("bad/id"), "garbage");
    return ok();
  }));
  ASSERT_TRUE(s.read([](store::Tx& tx) -> Result<void> {
    size_t unreadable = 0;
    NETMOD_ASSIGN_OR_RETURN(auto names, list_names(tx, unreadable));
    EXPECT_EQ(unreadable, 1u);
    std::set<std::string> seen;
    for (const auto& n : names) seen.insert(n.name + " -> " + n.task_id);
    EXPECT_EQ(seen, (std::set<std::string>{"odd/name -> a/b.0", "web -> web.0", "api.a -> api.0", "api-a -> api.0"}));
    unreadable = 0;
    NETMOD_ASSIGN_OR_RETURN(auto claims, list_port_claims(tx, unreadable));
    EXPECT_EQ(unreadable, 2u);
    seen.clear();
    for (const auto& c : claims) {
      seen.insert(c.host + "/" + c.proto + "/" + std::to_string(c.port) + " -> " + c.task_id);
      EXPECT_EQ(c.key, keys::port(c.host, c.proto, c.port));
    }
    EXPECT_EQ(seen, (std::set<std::string>{"h%2/tcp/80 -> x/y", "h1/tcp/9100 -> web.0", "h1/tcp/9200 -> api.0"}));
    NETMOD_ASSIGN_OR_RETURN(auto ids, list_task_ids(tx));
    EXPECT_EQ(ids, (std::set<std::string>{"api.0", "bad/id", "web.0"}));
    return ok();
  }));
}

}  // namespace
}  // namespace netmod::records

#include "records/endpoints.hpp"

#include <gtest/gtest.h>

#include "store/memory_store.hpp"

namespace netmod::records {
namespace {

EndpointRecord record(const std::string& cid, std::vector<const char*> addrs,
                      std::vector<std::string> groups = {"g"}, const std::string& host = "h1") {
  EndpointRecord r;
  r.container_id = cid;
  r.host = host;
  r.host_ifname = "nm" + cid;
  for (auto a : addrs) r.addresses.push_back(*net::IpAddress::parse(a));
  r.netgroups = std::move(groups);
  r.labels = {{"k", "v"}};
  r.routes = {*net::Cidr::parse("0.0.0.0/0")};
  return r;
}

TEST(Endpoints, CreateFindListRemove) {
  store::MemoryStore s;
  Endpoints e(s);
  ASSERT_TRUE(e.create(record("c1", {"10.0.0.1", "fd00::1"})));
  auto got = e.find("c1");
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->addresses.size(), 2u);
  EXPECT_EQ((*got)->labels.at("k"), "v");
  EXPECT_EQ((*got)->routes, record("c1", {}).routes);
  EXPECT_EQ(e.list("h1")->size(), 1u);
  EXPECT_TRUE(e.list("h2")->empty());
  auto removed = e.remove("c1");
  ASSERT_TRUE(removed && *removed);
  EXPECT_EQ((*removed)->record.container_id, "c1");
  EXPECT_FALSE(*e.find("c1"));
  EXPECT_TRUE(s.list("/")->empty());  // index entries and counts gone too
  auto again = e.remove("c1");        // idempotent
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
}

// An attachment is found by its key, whatever hostname a later call names
// (cleanup or DEL with another hostname once left an orphan record).
TEST(Endpoints, FoundByKeyWhateverHostItWasFiledFor) {
  store::MemoryStore s;
  Endpoints e(s);
  ASSERT_TRUE(e.create(record("c1", {"10.0.0.1"}, {"g"}, "agent-a")));
  auto got = e.find("c1");
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->host, "agent-a");
  auto elsewhere = e.create(record("c1", {"10.0.0.2"}, {"g"}, "agent-b"));
  ASSERT_FALSE(elsewhere);
  EXPECT_EQ(elsewhere.error().code, Errc::already_exists);
  EXPECT_NE(elsewhere.error().message.find("agent-a"), std::string::npos);
  ASSERT_TRUE(e.remove("c1"));
  EXPECT_TRUE(s.list("/")->empty());
}

TEST(Endpoints, SecondIsolateAndForeignAddressAreRefused) {
  store::MemoryStore s;
  Endpoints e(s);
  ASSERT_TRUE(e.create(record("c1", {"10.0.0.1"})));
  auto again = e.create(record("c1", {"10.0.0.2"}));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::already_exists);
  auto theirs = e.create(record("c2", {"10.0.0.3", "10.0.0.1"}));
  ASSERT_FALSE(theirs);
  EXPECT_EQ(theirs.error().code, Errc::conflict);
  EXPECT_NE(theirs.error().message.find("belongs to container c1"), std::string::npos);
  EXPECT_FALSE(*e.find("c2"));
  ASSERT_TRUE(e.create(record("c2", {"10.0.0.3"})));  // nothing of the refused one was left
}

// The last endpoint of a host in a netgroup, or in exactly a combination,
// takes the host's objects for it along.
TEST(Endpoints, RemovalSaysWhichNetgroupsTheHostNoLongerUses) {
  store::MemoryStore s;
  Endpoints e(s);
  ASSERT_TRUE(e.create(record("a", {"10.0.0.1"}, {"x", "y"})));
  ASSERT_TRUE(e.create(record("b", {"10.0.0.2"}, {"x"})));
  ASSERT_TRUE(e.create(record("c", {"10.0.0.3"}, {"x"}, "h2")));  // another host's count
  auto preview = e.removal("a");
  ASSERT_TRUE(preview && *preview);
  EXPECT_EQ((*preview)->vanished_netgroups, std::vector<std::string>{"y"});
  EXPECT_TRUE((*preview)->combination_vanished);
  EXPECT_TRUE(*e.find("a"));  // a preview changes nothing
  auto a = e.remove("a");
  EXPECT_EQ((*a)->vanished_netgroups, std::vector<std::string>{"y"});
  auto b = e.remove("b");
  EXPECT_EQ((*b)->vanished_netgroups, std::vector<std::string>{"x"});
  EXPECT_TRUE((*b)->combination_vanished);
  ASSERT_TRUE(e.create(record("d", {"10.0.0.4"}, {})));  // no netgroup: no objects
  auto d = e.remove("d");
  EXPECT_TRUE((*d)->vanished_netgroups.empty());
  EXPECT_FALSE((*d)->combination_vanished);
}

TEST(Endpoints, RecordsWithoutRoutesGetTheDefaultRoutesOfTheirFamilies) {
  auto r = decode_endpoint(R"({"container_id": "c", "host": "h", "host_ifname": "nm0", "task_ifname": "eth0",
    "addresses": ["10.0.0.1", "fd00::1"], "netgroups": [], "labels": {}, "mtu": 1500})");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->routes.size(), 2u);
  EXPECT_EQ(r->routes[0].str(), "0.0.0.0/0");
  EXPECT_EQ(r->routes[1].str(), "::/0");
  EXPECT_EQ(r->table, 0u);
}

}  // namespace
}  // namespace netmod::records

#include "plugin/endpoints.hpp"

#include <gtest/gtest.h>

#include "store/memory_store.hpp"

namespace netmod::plugin {
namespace {

EndpointRecord record(const std::string& cid, std::vector<const char*> addrs) {
  EndpointRecord r;
  r.container_id = cid;
  r.host = "h1";
  r.host_ifname = "nm" + cid;
  for (auto a : addrs) r.addresses.push_back(*net::IpAddress::parse(a));
  r.netgroups = {"g"};
  r.labels = {{"k", "v"}};
  return r;
}

TEST(Endpoints, CreateGetListRemove) {
  store::MemoryStore s;
  Endpoints e(s);
  ASSERT_TRUE(e.create(record("c1", {"10.0.0.1", "fd00::1"})));
  auto got = e.get("h1", "c1");
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->addresses.size(), 2u);
  EXPECT_EQ((*got)->labels.at("k"), "v");
  EXPECT_EQ(e.list("h1")->size(), 1u);
  EXPECT_TRUE(e.list("h2")->empty());
  ASSERT_TRUE(e.remove("h1", "c1"));
  EXPECT_FALSE(*e.get("h1", "c1"));
  EXPECT_TRUE(s.list("/")->empty());  // index entries gone too
  EXPECT_TRUE(e.remove("h1", "c1"));  // idempotent
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
  EXPECT_FALSE(*e.get("h1", "c2"));
  ASSERT_TRUE(e.create(record("c2", {"10.0.0.3"})));  // nothing of the refused one was left
}

}  // namespace
}  // namespace netmod::plugin

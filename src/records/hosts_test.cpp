#include "records/hosts.hpp"

#include <gtest/gtest.h>

namespace netmod::records {
namespace {

net::IpAddress ip(const char* s) { return *net::IpAddress::parse(s); }

TEST(Hosts, FabricAndAgentRecordsRoundTrip) {
  FabricRecord f{"host-1", {ip("192.168.50.2"), ip("fd50::2")}, 123};
  auto back = decode_fabric("host-1", encode_fabric(f));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->addresses, f.addresses);
  EXPECT_EQ(back->address(net::Family::v6), ip("fd50::2"));
  AgentRecord a{"host-1", 42, 7, "b00t", 99, {ip("192.168.50.2")}};
  auto again = decode_agent(encode_agent(a));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->pid, 42);
  EXPECT_EQ(again->boot_id, "b00t");
  EXPECT_EQ(again->fabric, a.fabric);
}

TEST(Hosts, ARecordWrittenBySomethingElseIsSkippedAndNamed) {
  std::vector<store::KeyValue> kvs = {
      {std::string(keys::kFabric) + "good", R"({"addresses": ["192.168.50.2"]})", 1},
      {std::string(keys::kFabric) + "notjson", "hello", 1},
      {std::string(keys::kFabric) + "badaddr", R"({"addresses": ["192.168.50.300"]})", 1},
      {std::string(keys::kFabric) + "wrongshape", R"({"addresses": "192.168.50.2"})", 1},
  };
  auto m = decode_fabrics(kvs);
  ASSERT_EQ(m.hosts.size(), 1u);
  EXPECT_TRUE(m.hosts.count("good"));
  ASSERT_EQ(m.undecodable.size(), 3u);
  EXPECT_NE(m.undecodable[0].message.find("/netmod/v1/fabric/notjson"), std::string::npos) << m.undecodable[0].message;
  EXPECT_FALSE(decode_agent(R"({"pid": 1})"));
}

}  // namespace
}  // namespace netmod::records

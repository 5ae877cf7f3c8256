#include "plugin/netmodules/request.hpp"

#include <gtest/gtest.h>

namespace netmod::plugin::netmodules {
namespace {

TEST(Request, ParsesAllocateWithLabelsInBothShapes) {
  auto r = parse_request(R"({"command": "allocate", "args": {"hostname": "slave-1", "uid": "u-1",
      "num_ipv4": 2, "num_ipv6": 1, "netgroups": ["star-1", "public"],
      "labels": [{"key": "app", "value": "probe"}]}})");
  ASSERT_TRUE(r) << r.error().message;
  auto& a = std::get<AllocateRequest>(*r);
  EXPECT_EQ(a.hostname, "slave-1");
  EXPECT_EQ(a.num_ipv4, 2u);
  EXPECT_EQ(a.attrs.netgroups, (std::vector<std::string>{"public", "star-1"}));
  EXPECT_EQ(a.attrs.labels.at("app"), "probe");
  auto obj = parse_request(R"({"command": "allocate", "args": {"hostname": "h", "uid": "u",
      "num_ipv4": 1, "num_ipv6": 0, "labels": {"tier": "web"}}})");
  ASSERT_TRUE(obj);
  EXPECT_EQ(std::get<AllocateRequest>(*obj).attrs.labels.at("tier"), "web");
}

TEST(Request, ParsesReserveReleaseIsolateCleanup) {
  auto res = parse_request(R"({"command": "reserve", "args": {"hostname": "h", "uid": "u",
      "ipv4_addrs": ["10.65.0.9"], "ipv6_addrs": ["fd65:6e6d::9"]}})");
  ASSERT_TRUE(res) << res.error().message;
  EXPECT_EQ(std::get<ReserveRequest>(*res).ipv6_addrs.at(0).str(), "fd65:6e6d::9");
  auto rel = parse_request(R"({"command": "release", "args": {"ips": ["10.65.0.9", "fd65:6e6d::9"]}})");
  ASSERT_TRUE(rel);
  EXPECT_EQ(std::get<ReleaseRequest>(*rel).ips.size(), 2u);
  auto iso = parse_request(R"({"command": "isolate", "args": {"hostname": "h", "container_id": "c1",
      "pid": 1234, "ipv4_addrs": ["10.65.0.9"], "netgroups": ["g"]}})");
  ASSERT_TRUE(iso) << iso.error().message;
  EXPECT_EQ(std::get<IsolateRequest>(*iso).pid, 1234);
  EXPECT_TRUE(parse_request(R"({"command": "cleanup", "args": {"hostname": "h", "container_id": "c1"}})"));
}

TEST(Request, BadInputNamesWhatIsWrong) {
  struct Case {
    const char* doc;
    const char* message;
  };
  const Case cases[] = {
      {"{not json", "not valid JSON"},
      {"[1,2]", "must be a JSON object"},
      {R"({"args": {}})", "\"command\""},
      {R"({"command": "allocate"})", "\"args\" object"},
      {R"({"command": "explode", "args": {}})", "unknown command \"explode\""},
      {R"({"command": "allocate", "args": {"uid": "u", "num_ipv4": 1, "num_ipv6": 0}})", "args.hostname is required"},
      {R"({"command": "allocate", "args": {"hostname": "h", "num_ipv4": 1, "num_ipv6": 0}})", "args.uid is required"},
      {R"({"command": "allocate", "args": {"hostname": "h", "uid": "u", "num_ipv6": 0}})", "args.num_ipv4 is required"},
      {R"({"command": "allocate", "args": {"hostname": "h", "uid": "u", "num_ipv4": "two", "num_ipv6": 0}})",
       "args.num_ipv4 must be an integer from 0 to 64, got \"two\""},
      {R"({"command": "allocate", "args": {"hostname": "h", "uid": "u", "num_ipv4": -1, "num_ipv6": 0}})",
       "args.num_ipv4 must be an integer"},
      {R"({"command": "allocate", "args": {"hostname": "h", "uid": "u", "num_ipv4": 100000, "num_ipv6": 0}})",
       "got 100000"},
      {R"({"command": "allocate", "args": {"hostname": "h", "uid": "u", "num_ipv4": 1.5, "num_ipv6": 0}})",
       "args.num_ipv4 must be an integer"},
      {R"({"command": "allocate", "args": {"hostname": 7, "uid": "u", "num_ipv4": 1, "num_ipv6": 0}})",
       "args.hostname must be a string"},
      {R"({"command": "allocate", "args": {"hostname": "h", "uid": "u", "num_ipv4": 1, "num_ipv6": 0, "netgroups": "g"}})",
       "args.netgroups must be a list"},
      {R"({"command": "allocate", "args": {"hostname": "h", "uid": "u", "num_ipv4": 1, "num_ipv6": 0, "netgroups": ["a b"]}})",
       "invalid netgroup"},
      {R"({"command": "allocate", "args": {"hostname": "h", "uid": "u", "num_ipv4": 1, "num_ipv6": 0, "labels": 3}})",
       "args.labels"},
      {R"({"command": "reserve", "args": {"hostname": "h", "uid": "u", "ipv4_addrs": ["10.0.0.300"]}})",
       "args.ipv4_addrs[0]: invalid IP address \"10.0.0.300\""},
      {R"({"command": "reserve", "args": {"hostname": "h", "uid": "u", "ipv4_addrs": ["fd00::1"]}})",
       "is not an IPv4 address"},
      {R"({"command": "reserve", "args": {"hostname": "h", "uid": "u"}})", "at least one address"},
      {R"({"command": "release", "args": {"uid": "u", "ips": ["10.0.0.1"]}})", "not both"},
      {R"({"command": "release", "args": {}})", "needs args.uid or args.ips"},
      {R"({"command": "release", "args": {"ips": ["nonsense"]}})", "args.ips[0]: invalid IP address"},
      {R"({"command": "isolate", "args": {"hostname": "h", "container_id": "c", "pid": -4, "ipv4_addrs": ["10.0.0.1"]}})",
       "positive process id"},
      {R"({"command": "isolate", "args": {"hostname": "h", "container_id": "c", "pid": 5}})", "at least one address"},
      {R"({"command": "isolate", "args": {"hostname": "h", "container_id": "a b", "pid": 5, "ipv4_addrs": ["10.0.0.1"]}})",
       "args.container_id"},
      {R"({"command": "cleanup", "args": {"hostname": "h", "container_id": "a/b"}})", "invalid container id \"a/b\""},
      {R"({"command": "isolate", "args": {"hostname": "h", "container_id": "c", "pid": 5, "ipv4_addrs": ["10.0.0.1"], "netgroups": [""]}})",
       "netgroup name is empty"},
      {R"({"command": "isolate", "args": {"hostname": "h", "container_id": "c", "pid": 5, "ipv4_addrs": ["10.0.0.1"], "netgroups": ["g;drop"]}})",
       "invalid netgroup \"g;drop\""},
  };
  for (const Case& c : cases) {
    auto r = parse_request(c.doc);
    ASSERT_FALSE(r) << c.doc;
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_NE(r.error().message.find(c.message), std::string::npos) << c.doc << "\n  -> " << r.error().message;
  }
}

}  // namespace
}  // namespace netmod::plugin::netmodules

#include "plugin/cni/types.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace netmod::plugin::cni {
namespace {

using json = nlohmann::json;

AddResult sample() {
  auto v4 = *net::IpAddress::parse("10.65.0.7");
  auto v6 = *net::IpAddress::parse("fd65:6e6d::7");
  AddResult r;
  r.interfaces = {{"eth0", "02:00:00:00:00:07", "/var/run/netns/x"}};
  r.ips = {{v4, 32, net::IpAddress::parse("169.254.1.1").value(), 0},
           {v6, 128, net::IpAddress::parse("fe80::ecee:eeff:feee:eeee").value(), 0}};
  r.routes = {{*net::Cidr::parse("0.0.0.0/0"), std::nullopt}, {*net::Cidr::parse("::/0"), std::nullopt}};
  return r;
}

TEST(CniTypes, LegacyResultHasIp4AndIp6) {
  for (const char* v : {"0.1.0", "0.2.0"}) {
    json j = json::parse(result_json(v, sample()));
    EXPECT_EQ(j["cniVersion"], v);
    EXPECT_EQ(j["ip4"]["ip"], "10.65.0.7/32");
    EXPECT_EQ(j["ip4"]["gateway"], "169.254.1.1");
    EXPECT_EQ(j["ip4"]["routes"][0]["dst"], "0.0.0.0/0");
    EXPECT_EQ(j["ip6"]["ip"], "fd65:6e6d::7/128");
    EXPECT_FALSE(j.contains("ips"));
  }
}

TEST(CniTypes, CurrentResultShapes) {
  json j030 = json::parse(result_json("0.3.1", sample()));
  EXPECT_EQ(j030["ips"][0]["version"], "4");
  EXPECT_EQ(j030["interfaces"][0]["sandbox"], "/var/run/netns/x");
  for (const char* v : {"0.4.0", "1.0.0", "1.1.0"}) {
    json j = json::parse(result_json(v, sample()));
    EXPECT_EQ(j["cniVersion"], v);
    EXPECT_FALSE(j["ips"][0].contains("version")) << v;  // dropped in 0.4.0
    EXPECT_EQ(j["ips"][1]["address"], "fd65:6e6d::7/128");
    EXPECT_EQ(j["ips"][0]["interface"], 0);
    EXPECT_EQ(j["routes"][1]["dst"], "::/0");
  }
}

TEST(CniTypes, VersionAndErrors) {
  json v = json::parse(version_json("1.0.0"));
  EXPECT_EQ(v["supportedVersions"].size(), 7u);
  EXPECT_TRUE(is_supported("0.3.1"));
  EXPECT_FALSE(is_supported("0.5.0"));
  json e = json::parse(error_json("1.0.0", {Code::invalid_env, "CNI_COMMAND is not set", ""}));
  EXPECT_EQ(e["code"], 4);
  EXPECT_EQ(e["msg"], "CNI_COMMAND is not set");
  EXPECT_EQ(static_cast<int>(from_error(make_error(Errc::unavailable, "busy")).code), 11);
  EXPECT_EQ(static_cast<int>(from_error(make_error(Errc::exhausted, "full")).code), 101);
}

}  // namespace
}  // namespace netmod::plugin::cni

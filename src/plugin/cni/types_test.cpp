#include "plugin/cni/types.hpp"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

namespace netmod::plugin::cni {
namespace {

using json = nlohmann::json;

AddResult sample() {
  auto v4 = *net::IpAddress::parse("10.65.0.7");
  auto v6 = *net::IpAddress::parse("fd65:6e6d::7");
  AddResult r;
  r.interfaces = {{"nm0123456789ab", "ee:ee:ee:ee:ee:ee", ""}, {"eth0", "02:00:00:00:00:07", "/var/run/netns/x"}};
  r.ips = {{v4, 32, net::IpAddress::parse("169.254.1.1").value(), 1},
           {v6, 128, net::IpAddress::parse("fe80::ecee:eeff:feee:eeee").value(), 1}};
  r.routes = {{*net::Cidr::parse("0.0.0.0/0"), std::nullopt}, {*net::Cidr::parse("::/0"), std::nullopt}};
  return r;
}

// The ADD result of every version, exactly (SPEC.md of each version).
TEST(CniTypes, GoldenResultOfEveryVersion) {
  const std::string legacy =
      R"("ip4":{"ip":"10.65.0.7/32","gateway":"169.254.1.1","routes":[{"dst":"0.0.0.0/0"}]},)"
      R"("ip6":{"ip":"fd65:6e6d::7/128","gateway":"fe80::ecee:eeff:feee:eeee","routes":[{"dst":"::/0"}]},"dns":{}})";
  const std::string interfaces =
      R"("interfaces":[{"name":"nm0123456789ab","mac":"ee:ee:ee:ee:ee:ee"},)"
      R"({"name":"eth0","mac":"02:00:00:00:00:07","sandbox":"/var/run/netns/x"}],)";
  const std::string routes = R"("routes":[{"dst":"0.0.0.0/0"},{"dst":"::/0"}],"dns":{}})";
  const std::string ips_with_version =
      R"("ips":[{"version":"4","address":"10.65.0.7/32","gateway":"169.254.1.1","interface":1},)"
      R"({"version":"6","address":"fd65:6e6d::7/128","gateway":"fe80::ecee:eeff:feee:eeee","interface":1}],)";
  const std::string ips =
      R"("ips":[{"address":"10.65.0.7/32","gateway":"169.254.1.1","interface":1},)"
      R"({"address":"fd65:6e6d::7/128","gateway":"fe80::ecee:eeff:feee:eeee","interface":1}],)";
  const std::map<std::string, std::string> golden = {
      {"0.1.0", R"({"cniVersion":"0.1.0",)" + legacy},
      {"0.2.0", R"({"cniVersion":"0.2.0",)" + legacy},
      {"0.3.0", R"({"cniVersion":"0.3.0",)" + interfaces + ips_with_version + routes},
      {"0.3.1", R"({"cniVersion":"0.3.1",)" + interfaces + ips_with_version + routes},
      {"0.4.0", R"({"cniVersion":"0.4.0",)" + interfaces + ips_with_version + routes},
      {"1.0.0", R"({"cniVersion":"1.0.0",)" + interfaces + ips + routes},
      {"1.1.0", R"({"cniVersion":"1.1.0",)" + interfaces + ips + routes},
  };
  ASSERT_EQ(golden.size(), std::size(kSupportedVersions));
  for (const auto& [version, want] : golden) EXPECT_EQ(result_json(version, sample()), want) << version;
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

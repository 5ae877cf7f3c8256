#include "star/status.hpp"

#include <gtest/gtest.h>

#include <map>

namespace netmod::star {
namespace {

using json = nlohmann::json;

TEST(Status, TheSeedShapeAndTheProbeMember) {
  ProbeIdentity id{"probe-a", "/star/probe-a", "h1", {"10.65.0.2", "fd65::2"}, {"star-1"}};
  json s = status_json({{"http://b:9000/status", true}, {"http://c:9000/status", false}}, id);
  EXPECT_EQ(s, json::parse(R"({
    "status": {"targets": [{"reachable": true, "url": "http://b:9000/status"},
                           {"reachable": false, "url": "http://c:9000/status"}]},
    "probe": {"name": "probe-a", "app": "/star/probe-a", "host": "h1",
              "addresses": ["10.65.0.2", "fd65::2"], "netgroups": ["star-1"]}})"));
  // No targets is an empty list, not null: the seed's collector iterates it.
  EXPECT_EQ(status_json({}, {})["status"]["targets"], json::array());
  EXPECT_EQ(status_json({}, {})["probe"]["addresses"], json::array());
}

TEST(Status, IdentityFromTheTaskEnvironment) {
  std::map<std::string, std::string> env = {{"NETMOD_TASK_NAME", "probe-b"},
                                            {"NETMOD_APP_ID", "/star-iso/probe-b"},
                                            {"NETMOD_HOST", "host-1"},
                                            {"NETMOD_TASK_ADDRESSES", "10.65.0.3,fd65::3"},
                                            {"NETMOD_NETGROUPS", "star-1, public,,"}};
  Getenv getenv = [&](const char* k) -> const char* {
    auto it = env.find(k);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  EXPECT_EQ(identity_from_env(getenv),
            (ProbeIdentity{"probe-b", "/star-iso/probe-b", "host-1", {"10.65.0.3", "fd65::3"}, {"star-1", "public"}}));
  env.clear();
  EXPECT_EQ(identity_from_env(getenv), ProbeIdentity{});
}

TEST(Status, ParsesWhatItWritesAndTheSeedsProbes) {
  ProbeIdentity id{"p", "", "h", {"10.0.0.1"}, {"g"}};
  auto back = parse_status(status_json({{"http://b/", true}}, id));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->targets, (std::vector<TargetStatus>{{"http://b/", true}}));
  ASSERT_TRUE(back->identity);
  EXPECT_EQ(*back->identity, id);
  auto seed = parse_status(json::parse(R"({"status": {"targets": [{"reachable": false, "url": "http://x/"}]}})"));
  ASSERT_TRUE(seed);
  EXPECT_EQ(seed->targets, (std::vector<TargetStatus>{{"http://x/", false}}));
  EXPECT_FALSE(seed->identity);
}

TEST(Status, ReadsLeniently) {
  auto s = parse_status(json::parse(R"({"status": {"targets": [
      {"reachable": true}, 7, {"url": 5, "reachable": true}, {"url": "http://a/", "reachable": "yes"},
      {"url": "http://b/"}, {"url": "http://c/", "reachable": true}]},
      "probe": {"name": 3, "addresses": ["1.2.3.4", 5], "netgroups": "g"}})"));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->targets, (std::vector<TargetStatus>{{"http://a/", false}, {"http://b/", false}, {"http://c/", true}}));
  ASSERT_TRUE(s->identity);
  EXPECT_EQ(*s->identity, (ProbeIdentity{"", "", "", {"1.2.3.4"}, {}}));
  for (const char* bad : {"[]", "{}", R"({"status": []})", R"({"status": {}})", R"({"status": {"targets": {}}})"}) {
    EXPECT_FALSE(parse_status(json::parse(bad))) << bad;
  }
}

}  // namespace
}  // namespace netmod::star

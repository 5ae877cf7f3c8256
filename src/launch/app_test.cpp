#include "launch/app.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace netmod::launch {
namespace {

std::string read_seed(const std::string& name) {
  std::ifstream in(std::string(NETMOD_SOURCE_DIR) + "/demo/apps/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ParseApps, TheSeedsIsolatedGroup) {
  auto apps = parse_apps(read_seed("stars-isolated.json"), "/x");
  ASSERT_TRUE(apps) << apps.error().message;
  ASSERT_EQ(apps->size(), 5u);
  EXPECT_EQ((*apps)[0].id, "/star-iso/probe-a");
  EXPECT_FALSE((*apps)[0].host_network);
  EXPECT_EQ((*apps)[0].netgroups, std::vector<std::string>{"star-1"});
  ASSERT_EQ((*apps)[0].discovery.size(), 1u);
  EXPECT_EQ((*apps)[0].discovery[0].number, 9000);
  EXPECT_EQ((*apps)[4].id, "/star-iso/collect");
  EXPECT_EQ((*apps)[4].netgroups, (std::vector<std::string>{"public", "star-1", "star-2"}));
  ASSERT_EQ((*apps)[4].uris.size(), 1u);
  EXPECT_EQ((*apps)[4].uris[0], "/x/star-iso-resources.json");
}

TEST(ParseApps, TheSeedsBeforeGroupIsHostNetworking) {
  auto apps = parse_apps(read_seed("stars-before.json"));
  ASSERT_TRUE(apps) << apps.error().message;
  for (const auto& a : *apps) {
    EXPECT_TRUE(a.host_network) << a.id;
    EXPECT_TRUE(a.require_ports) << a.id;
    ASSERT_EQ(a.ports.size(), 1u);
  }
  EXPECT_EQ((*apps)[0].ports[0], 9000);
  EXPECT_EQ((*apps)[4].ports[0], 9001);
}

TEST(ParseApps, OneAppAndMarathon15Networks) {
  auto apps = parse_apps(R"({"id": "web", "cmd": "x", "instances": 3,
    "networks": [{"mode": "container", "name": "netmod", "labels": {"netgroups": "a, b", "tier": "front"}}]})");
  ASSERT_TRUE(apps) << apps.error().message;
  ASSERT_EQ(apps->size(), 1u);
  EXPECT_EQ((*apps)[0].id, "/web");
  EXPECT_EQ((*apps)[0].instances, 3u);
  EXPECT_FALSE((*apps)[0].host_network);
  EXPECT_EQ((*apps)[0].netgroups, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ((*apps)[0].labels.at("tier"), "front");
}

TEST(ParseApps, NestedGroupsAndRelativeIds) {
  auto apps = parse_apps(R"({"id": "/prod", "groups": [{"id": "db", "apps": [{"id": "pg", "cmd": "x"}]}],
    "apps": [{"id": "../top", "cmd": "y"}]})");
  ASSERT_TRUE(apps) << apps.error().message;
  ASSERT_EQ(apps->size(), 2u);
  EXPECT_EQ((*apps)[0].id, "/top");
  EXPECT_EQ((*apps)[1].id, "/prod/db/pg");
}

void expect_error(std::string_view json, std::string_view needle) {
  auto apps = parse_apps(json);
  ASSERT_FALSE(apps) << json;
  EXPECT_NE(apps.error().message.find(needle), std::string::npos) << apps.error().message;
}

TEST(ParseApps, BadInputIsNamed) {
  expect_error("{not json", "app definition");
  expect_error("[]", "object");
  expect_error(R"({"cmd": "x"})", "id is required");
  expect_error(R"({"id": "a"})", "cmd is required");
  expect_error(R"({"id": "a", "cmd": "   "})", "cmd is required");
  expect_error(R"({"id": "a", "cmd": 5})", "cmd");
  expect_error(R"({"id": "a", "cmd": "x", "instances": "two"})", "instances");
  expect_error(R"({"id": "a", "cmd": "x", "instances": -1})", "instances");
  expect_error(R"({"id": "a", "cmd": "x", "ports": ["9000"]})", "ports[0]");
  expect_error(R"({"id": "a", "cmd": "x", "requirePorts": "yes"})", "requirePorts");
  expect_error(R"({"id": "a", "cmd": "x", "ipAddress": {"groups": "star-1"}})", "ipAddress.groups");
  expect_error(R"({"id": "a", "cmd": "x", "ipAddress": {"groups": ["bad group!"]}})", "ipAddress.groups");
  expect_error(R"({"id": "a", "cmd": "x", "ipAddress": {"groups": [""]}})", "ipAddress.groups");
  expect_error(R"({"id": "a", "cmd": "x", "ipAddress": {"discovery": {"ports": [{"number": 0}]}}})", "number");
  expect_error(R"({"id": "Upper", "cmd": "x"})", "segment");
  expect_error(R"({"id": "../../a", "cmd": "x"})", "root");
  expect_error(R"({"id": "/g", "apps": [{"id": "a", "cmd": "x"}, {"id": "a", "cmd": "y"}]})", "two apps have the id /g/a");
  expect_error(R"({"id": "/g", "apps": []})", "no apps");
  expect_error(R"({"id": "/g", "apps": [{"id": "a", "cmd": "x", "uris": ["https://example.com/x"]}]})", "file URIs");
  expect_error(R"({"id": "a", "cmd": "x", "networks": [{"mode": "overlay"}]})", "mode");
}

TEST(TaskIds, FromAppPaths) {
  EXPECT_EQ(task_id("/star-iso/probe-a", 0), "star-iso.probe-a.0");
  EXPECT_TRUE(app_within("/star-iso/probe-a", "/star-iso"));
  EXPECT_TRUE(app_within("/star-iso/probe-a", "/star-iso/probe-a"));
  EXPECT_FALSE(app_within("/star-isolated/probe-a", "/star-iso"));
  EXPECT_TRUE(app_within("/star-iso/probe-a", "/"));
}

}  // namespace
}  // namespace netmod::launch

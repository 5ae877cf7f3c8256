#include "plugin/cni/plugin.hpp"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

namespace netmod::plugin::cni {
namespace {

using json = nlohmann::json;

struct Call {
  int rc;
  json out;
};

Call invoke(std::map<std::string, std::string> env, const std::string& stdin_text) {
  std::istringstream in(stdin_text);
  std::ostringstream out;
  int rc = run([&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  }, in, out);
  return {rc, json::parse(out.str(), nullptr, false)};
}

const std::map<std::string, std::string> kAddEnv = {
    {"CNI_COMMAND", "ADD"}, {"CNI_CONTAINERID", "c1"}, {"CNI_IFNAME", "eth0"},
    {"CNI_NETNS", "/proc/self/ns/net"}, {"CNI_PATH", "/usr/lib/cni"}};

const std::string kConf =
    R"({"cniVersion": "1.0.0", "name": "n", "type": "netmod", "datastore": {"path": "/proc/netmod-test-cannot-exist/x.db"}})";

void expect_error(const Call& c, int code, const std::string& needle) {
  EXPECT_NE(c.rc, 0);
  ASSERT_TRUE(c.out.is_object()) << c.out;
  EXPECT_EQ(c.out["code"], code) << c.out.dump();
  EXPECT_NE(c.out["msg"].get<std::string>().find(needle), std::string::npos) << c.out.dump();
}

TEST(CniPlugin, VersionAnswersSupportedVersions) {
  auto c = invoke({{"CNI_COMMAND", "VERSION"}}, R"({"cniVersion": "0.4.0"})");
  EXPECT_EQ(c.rc, 0);
  EXPECT_EQ(c.out["cniVersion"], "0.4.0");
  EXPECT_EQ(c.out["supportedVersions"].size(), 7u);
}

TEST(CniPlugin, EveryRequiredVariableMissingInTurn) {
  for (const char* var : {"CNI_COMMAND", "CNI_CONTAINERID", "CNI_IFNAME", "CNI_NETNS", "CNI_PATH"}) {
    auto env = kAddEnv;
    env.erase(var);
    expect_error(invoke(env, kConf), 4, std::string(var) + " is not set");
  }
}

TEST(CniPlugin, BadConfigAndEnvironment) {
  expect_error(invoke(kAddEnv, "{not json"), 6, "not a JSON object");
  expect_error(invoke(kAddEnv, R"({"cniVersion": "0.9.0", "name": "n", "type": "netmod"})"), 1, "0.9.0 is not supported");
  expect_error(invoke(kAddEnv, R"({"cniVersion": "1.0.0", "type": "netmod"})"), 7, "\"name\" is required");
  expect_error(invoke(kAddEnv, R"({"cniVersion": "1.0.0", "name": "n"})"), 7, "\"type\" is required");
  expect_error(invoke(kAddEnv, R"({"cniVersion": "1.0.0", "name": "n", "type": "netmod", "ipam": {"type": "netmod", "ipv4_pools": ["10.0.0.1/8"]}})"),
               7, "host bits are set");
  expect_error(invoke(kAddEnv, R"({"cniVersion": "1.0.0", "name": "n", "type": "netmod", "hostnme": "x", "datastore": {"pth": 1}})"),
               7, "unknown key \"pth\"");
  for (const char* bad : {"averyveryverylongname", "eth/0", "eth 0"}) {
    auto env = kAddEnv;
    env["CNI_IFNAME"] = bad;
    expect_error(invoke(env, kConf), 4, "is not a valid interface name");
  }
  auto env = kAddEnv;
  env["CNI_CONTAINERID"] = "a/b";
  expect_error(invoke(env, kConf), 4, "CNI_CONTAINERID");
  env = kAddEnv;
  env["CNI_ARGS"] = "K8S_POD_NAME=web;Colour=blue";
  expect_error(invoke(env, kConf), 4, "unknown key \"Colour\"");
  env = kAddEnv;
  env["CNI_NETNS"] = "/etc/hostname";
  expect_error(invoke(env, kConf), 4, "CNI_NETNS: /etc/hostname is not a network namespace");
  env["CNI_NETNS"] = "/run/netns/does-not-exist-netmod";
  expect_error(invoke(env, kConf), 4, "does not exist");
  expect_error(invoke(kAddEnv, R"({"cniVersion": "1.0.0", "name": "n", "type": "netmod", "prevResult": {"cniVersion": "0.4.0", "ips": []}})"),
               7, "prevResult is version \"0.4.0\"");
  env["CNI_COMMAND"] = "FROB";
  expect_error(invoke(env, kConf), 4, "not a CNI command");
}

TEST(CniPlugin, UnusableDatastoreIsStatusFifty) {
  auto c = invoke({{"CNI_COMMAND", "STATUS"}},
                  R"({"cniVersion": "1.1.0", "name": "n", "type": "netmod", "datastore": {"path": "/proc/netmod-cannot/x.db"}})");
  expect_error(c, 50, "datastore");
}

}  // namespace
}  // namespace netmod::plugin::cni

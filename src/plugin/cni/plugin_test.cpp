#include "plugin/cni/plugin.hpp"

#include <gtest/gtest.h>

#include <sqlite3.h>

#include <filesystem>
#include <fstream>
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
  FinishNow finisher;
  Machine machine{dataplane::linux_kernel(), finisher};
  int rc = run([&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  }, in, out, machine);
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
  expect_error(invoke(kAddEnv, "{not json"), 6, "not valid JSON");
  expect_error(invoke(kAddEnv, R"({"cniVersion": "0.9.0", "name": "n", "type": "netmod"})"), 1, "\"0.9.0\" is not supported");
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
  expect_error(invoke(kAddEnv, R"({"cniVersion": "1.0.0", "name": "n", "type": "netmod", "prevResult": {"ips": [1]}})"),
               7, "prevResult.ips[0] must be a JSON object, got 1");
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

namespace netmod::plugin::cni {
namespace {

// A datastore in a directory of the test's own.
class CniStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/netmod-cni-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string conf(const std::string& extra = "") const {
    return R"({"cniVersion": "1.0.0", "name": "n", "type": "netmod", "datastore": {"path": ")" + dir_ +
           R"(/s.db"})" + extra + "}";
  }
  std::string dir_;
};

TEST_F(CniStoreTest, DelSucceedsWhateverOnlyAddValidates) {
  auto del_env = kAddEnv;
  del_env["CNI_COMMAND"] = "DEL";
  struct Case {
    const char* what;
    std::map<std::string, std::string> env;
    std::string conf;
  };
  std::vector<Case> cases = {
      {"an unknown CNI_ARGS key", {{"CNI_ARGS", "Colour=blue"}}, conf()},
      {"CNI_ARGS that are not KEY=VALUE", {{"CNI_ARGS", "junk"}}, conf()},
      {"an interface name ADD refuses", {{"CNI_IFNAME", "eth/0"}}, conf()},
      {"a too long interface name", {{"CNI_IFNAME", "averyveryverylongname"}}, conf()},
      {"a container id ADD refuses", {{"CNI_CONTAINERID", "a/b"}}, conf()},
      {"no CNI_NETNS", {{"CNI_NETNS", ""}}, conf()},
      {"bad netgroups", {}, conf(R"(, "netgroups": ["no spaces allowed"])")},
      {"ipam that is not an object", {}, conf(R"(, "ipam": "x")")},
      {"ipam of the wrong types", {}, conf(R"(, "ipam": {"assign_ipv4": 1, "ipv4_pools": [7]})")},
      {"an mtu ADD refuses", {}, conf(R"(, "mtu": 99999)")},
      {"a damaged prevResult", {}, conf(R"(, "prevResult": {"ips": [{"address": "10.9.9.9/abc"}]})")},
      {"a Mesos label that is not a string", {},
       conf(R"(, "args": {"org.apache.mesos": {"network_info": {"labels": {"labels": [{"key": "k", "value": 1}]}}}})")},
  };
  for (const auto& c : cases) {
    auto env = del_env;
    for (const auto& [k, v] : c.env) env[k] = v;
    auto r = invoke(env, c.conf);
    EXPECT_EQ(r.rc, 0) << c.what << ": " << r.out.dump();
  }
}

// Inputs that once killed the process (fuzzing, ~4,700 of 95,000): each
// must end in CNI error JSON and a non-zero exit.
TEST_F(CniStoreTest, BadInputsAreErrorsNeverCrashes) {
  std::string two_byte(130 * 2, '\0');
  for (size_t i = 0; i < two_byte.size(); i += 2) two_byte[i] = '\xc3', two_byte[i + 1] = '\xa9';
  struct Case {
    std::map<std::string, std::string> env;
    std::string conf;
    int code;
  };
  std::vector<Case> cases = {
      {{{"CNI_CONTAINERID", two_byte}}, conf(), 4},
      {{{"CNI_CONTAINERID", "bad\xff"}}, conf(), 4},
      {{{"CNI_ARGS", "K8S_POD_NAME=\xff\xfe"}}, conf(), 4},
      {{{"CNI_IFNAME", "e\xff"}}, conf(), 4},
      {{{"CNI_COMMAND", "ADD\xff"}}, conf(), 4},
      {{}, conf(R"(, "ipam": "x")"), 7},
      {{}, conf(R"(, "ipam": {"assign_ipv4": 1})"), 7},
      {{}, conf(R"(, "netgroups": "web")"), 7},
      {{}, conf(R"(, "args": {"org.apache.mesos": {"network_info": {"labels": {"labels": [{"key": "k", "value": 1}]}}}})"), 7},
      {{}, conf(R"(, "args": {"org.apache.mesos": {"network_info": {"ip_addresses": [{"protocol": 4}]}}})"), 7},
      {{}, conf(R"(, "prevResult": {"ips": [1]})"), 7},
      {{}, conf(R"(, "prevResult": {"ips": [{"address": "10.9.9.9/abc"}]})"), 7},
      {{}, conf(R"(, "prevResult": {"ips": [{"address": "10.9.9.9/99"}]})"), 7},
      {{}, conf(R"(, "runtimeConfig": {"ips": [{"x": 1}]})"), 7},
      {{}, std::string(1000000, '[') + std::string(1000000, ']'), 6},
      {{}, R"({"cniVersion": "1.0.0", "name": ")" + two_byte + R"(", "type": "netmod", "hostname": ")" + two_byte + "\"}", 7},
  };
  for (const auto& c : cases) {
    auto env = kAddEnv;
    for (const auto& [k, v] : c.env) env[k] = v;
    auto r = invoke(env, c.conf);
    EXPECT_NE(r.rc, 0);
    ASSERT_TRUE(r.out.is_object()) << "not JSON for " << c.conf.substr(0, 80);
    EXPECT_EQ(r.out["code"], c.code) << r.out.dump();
    EXPECT_LT(r.out["msg"].get<std::string>().size(), 300u) << "the message quotes at most a short prefix";
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir_)) << "a refused ADD leaves nothing";
}

TEST_F(CniStoreTest, GcOfMalformedValidAttachmentsIsAnError) {
  auto r = invoke({{"CNI_COMMAND", "GC"}, {"CNI_PATH", "/x"}}, conf(R"(, "cni.dev/valid-attachments": [1])"));
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.out["code"], 7) << r.out.dump();
}

TEST_F(CniStoreTest, StatusFailsWhenTheStoreCannotBeWritten) {
  auto ok = invoke({{"CNI_COMMAND", "STATUS"}}, conf());
  EXPECT_EQ(ok.rc, 0) << ok.out.dump();
  // Another process holds the write lock past the busy timeout.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ + "/s.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto locked = invoke({{"CNI_COMMAND", "STATUS"}},
                       R"({"cniVersion": "1.1.0", "name": "n", "type": "netmod", "datastore": {"path": ")" + dir_ +
                           R"(/s.db", "busy_timeout_ms": 50}})");
  sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  expect_error(locked, 50, "locked");
}

// The plugin reads netmod.conf ($NETMOD_CONFIG) under the network config:
// with no datastore in the network config, the store is netmod.conf's.
TEST_F(CniStoreTest, NetworkConfigIsLayeredOverNetmodConf) {
  std::ofstream(dir_ + "/netmod.conf") << R"({"datastore": {"path": ")" << dir_ << R"(/from-conf.db"}, "hostname": "h9"})";
  auto env = kAddEnv;
  env["NETMOD_CONFIG"] = dir_ + "/netmod.conf";
  env["CNI_COMMAND"] = "DEL";
  auto r = invoke(env, R"({"cniVersion": "1.0.0", "name": "n", "type": "bridge", "ipam": {"type": "netmod"}})");
  EXPECT_EQ(r.rc, 0) << r.out.dump();
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/from-conf.db"));
  // A broken netmod.conf is an error that names it, for DEL too.
  std::ofstream(dir_ + "/netmod.conf") << R"({"hostnme": "x"})";
  expect_error(invoke(env, R"({"cniVersion": "1.0.0", "name": "n", "type": "netmod"})"), 7, "netmod.conf");
}

}  // namespace
}  // namespace netmod::plugin::cni

namespace netmod::plugin::cni {
namespace {

// A datastore that cannot be opened is an I/O failure naming the store,
// not "the kernel refused a change".
TEST(CniPlugin, UnopenableDatastoreIsCodeFiveNamingIt) {
  auto c = invoke(kAddEnv, R"({"cniVersion": "1.0.0", "name": "n", "type": "bridge",
      "ipam": {"type": "netmod", "datastore": {"path": "/proc/netmod-cannot/x.db"}}})");
  expect_error(c, 5, "/proc/netmod-cannot");
}

}  // namespace
}  // namespace netmod::plugin::cni

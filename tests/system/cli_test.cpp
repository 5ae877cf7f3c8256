// The real binary: the net-modules protocol's bad inputs and the CLI.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "process.hpp"

namespace netmod::testing {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

class CliTest : public ::testing::Test {
 protected:
  Outcome netmodules(const std::string& request, const std::string& conf = "") {
    return run({netmod_bin(), "--config", conf.empty() ? conf_ : conf, "netmodules"}, request);
  }
  Outcome cli(std::vector<std::string> args, const std::string& conf = "") {
    args.insert(args.begin(), {netmod_bin(), "--config", conf.empty() ? conf_ : conf});
    return run(args);
  }
  // Everything a user can see of the store.
  std::string dump() {
    auto show = cli({"ipam", "show", "--json"});
    auto pools = cli({"pool", "list", "--json"});
    EXPECT_EQ(show.exit_code, 0) << show.err;
    return show.out + pools.out;
  }
  // Exactly one JSON object with a non-empty "error" string, and a non-zero exit.
  void expect_protocol_error(const Outcome& o, const std::string& needle) {
    EXPECT_NE(o.exit_code, 0);
    ASSERT_FALSE(o.out.empty());
    EXPECT_EQ(o.out.find('\n'), o.out.size() - 1) << o.out;
    json j = json::parse(o.out, nullptr, false);
    ASSERT_TRUE(j.is_object()) << o.out;
    EXPECT_EQ(j.size(), 1u) << o.out;
    ASSERT_TRUE(j["error"].is_string()) << o.out;
    EXPECT_NE(j["error"].get<std::string>().find(needle), std::string::npos) << o.out;
  }

  TempDir dir_;
  std::string conf_ = dir_.write_config();
};

TEST_F(CliTest, AllocateAnswersExactlyAsTheMesosModuleExpects) {
  auto o = netmodules(R"({"command": "allocate", "args": {"hostname": "slave-1", "uid": "t1",
      "num_ipv4": 1, "num_ipv6": 1, "netgroups": ["star-1"], "labels": [{"key": "a", "value": "b"}]}})");
  ASSERT_EQ(o.exit_code, 0) << o.out << o.err;
  EXPECT_EQ(o.out.find("{\"ipv4\":[\""), 0u) << o.out;
  json j = json::parse(o.out);
  EXPECT_TRUE(j["error"].is_null());
  EXPECT_EQ(j["ipv4"].size(), 1u);
  EXPECT_EQ(j["ipv6"].size(), 1u);
  auto show = json::parse(cli({"ipam", "show", "--json", "--uid", "t1"}).out);
  ASSERT_EQ(show.size(), 2u);
  EXPECT_EQ(show[0]["host"], "slave-1");  // the request's hostname wins over the config's
  EXPECT_EQ(show[0]["netgroups"], json::array({"star-1"}));
}

TEST_F(CliTest, BadRequestsAreClearErrorsAndChangeNothing) {
  ASSERT_EQ(netmodules(R"({"command": "allocate", "args": {"hostname": "h", "uid": "held",
      "num_ipv4": 1, "num_ipv6": 0}})").exit_code, 0);
  std::string held = json::parse(cli({"ipam", "show", "--json"}).out)[0]["address"];
  std::string before = dump();
  struct Case {
    std::string request;
    std::string message;
  };
  const Case cases[] = {
      {"{\"command\": \"allocate\", ", "not valid JSON"},
      {"", "not valid JSON"},
      {R"({"command": "teleport", "args": {}})", "unknown command \"teleport\""},
      {R"({"command": "allocate", "args": {"hostname": "h", "num_ipv4": 1, "num_ipv6": 0}})", "args.uid is required"},
      {R"({"command": "allocate", "args": {"hostname": "h", "uid": "u", "num_ipv4": "two", "num_ipv6": 0}})",
       "args.num_ipv4 must be an integer"},
      {R"({"command": "allocate", "args": {"hostname": "h", "uid": "u", "num_ipv4": -3, "num_ipv6": 0}})",
       "args.num_ipv4 must be an integer"},
      {R"({"command": "allocate", "args": {"hostname": "h", "uid": "u", "num_ipv4": 100000, "num_ipv6": 0}})",
       "got 100000"},
      {R"({"command": "reserve", "args": {"hostname": "h", "uid": "u", "ipv4_addrs": ["10.65.0.999"]}})",
       "invalid IP address \"10.65.0.999\""},
      {R"({"command": "reserve", "args": {"hostname": "h", "uid": "u", "ipv4_addrs": ["10.65.0.40", "192.0.2.1"]}})",
       "192.0.2.1 is not in any pool"},
      {R"({"command": "reserve", "args": {"hostname": "h", "uid": "u", "ipv4_addrs": ["10.65.0.41", ")" + held +
           R"("]}})",
       "already in use (uid held)"},
      {R"({"command": "release", "args": {"ips": ["not-an-ip"]}})", "invalid IP address \"not-an-ip\""},
      {R"({"command": "release", "args": {"ips": [")" + held + R"(", "192.0.2.1"]}})", "192.0.2.1 is not in any pool"},
      {R"({"command": "release", "args": {"uid": "held", "ips": ["10.65.0.1"]}})", "not both"},
      {R"({"command": "release", "args": {}})", "needs args.uid or args.ips"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.request);
    expect_protocol_error(netmodules(c.request), c.message);
    EXPECT_EQ(dump(), before);
  }
  auto check = cli({"ipam", "check"});
  EXPECT_EQ(check.exit_code, 0) << check.out;
}

TEST_F(CliTest, DatastorePathThatCannotBeCreated) {
  std::ofstream(dir_.path() + "/plainfile") << "x";
  std::string conf = dir_.path() + "/bad.conf";
  std::ofstream(conf) << R"({"datastore": {"path": ")" << dir_.path() << R"(/plainfile/sub/netmod.db"}})";
  auto o = netmodules(R"({"command": "allocate", "args": {"hostname": "h", "uid": "u", "num_ipv4": 1, "num_ipv6": 0}})",
                      conf);
  expect_protocol_error(o, "cannot create datastore directory " + dir_.path() + "/plainfile");
  auto c = cli({"pool", "list"}, conf);
  EXPECT_EQ(c.exit_code, 1);
  EXPECT_NE(c.err.find("cannot create datastore directory"), std::string::npos) << c.err;
}

TEST_F(CliTest, CorruptOrForeignDatastoreIsRefusedAndLeftAlone) {
  std::string junk(10000, '\x5a');
  std::ofstream(dir_.store_path()) << junk;
  auto o = netmodules(R"({"command": "allocate", "args": {"hostname": "h", "uid": "u", "num_ipv4": 1, "num_ipv6": 0}})");
  expect_protocol_error(o, "not a netmod datastore");
  std::ifstream in(dir_.store_path());
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(in)), {}), junk);

  fs::remove(dir_.store_path());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.store_path().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE users(name TEXT)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  expect_protocol_error(netmodules(R"({"command": "release", "args": {"uid": "u"}})"), "another application");
  EXPECT_EQ(cli({"ipam", "check"}).exit_code, 1);
}

TEST_F(CliTest, ConfigTypoIsNamedAndNothingIsCreated) {
  std::string conf = dir_.path() + "/typo.conf";
  std::ofstream(conf) << R"({"datastore": {"path": ")" << dir_.store_path() << R"("}, "hostnme": "x"})";
  auto o = netmodules(R"({"command": "allocate", "args": {"hostname": "h", "uid": "u", "num_ipv4": 1, "num_ipv6": 0}})",
                      conf);
  expect_protocol_error(o, "unknown key \"hostnme\" (did you mean \"hostname\"?)");
  auto c = cli({"pool", "list"}, conf);
  EXPECT_EQ(c.exit_code, 1);
  EXPECT_NE(c.err.find("hostnme"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_.store_path()));
}

TEST_F(CliTest, NetmodConfigEnvironmentVariable) {
  setenv("NETMOD_CONFIG", conf_.c_str(), 1);
  auto o = run({netmod_bin(), "pool", "add", "10.99.0.0/24"});
  unsetenv("NETMOD_CONFIG");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(cli({"pool", "list"}).out.find("10.99.0.0/24"), std::string::npos);
}

TEST_F(CliTest, PoolLifecycle) {
  auto add = cli({"pool", "add", "10.70.0.0/16", "--block-size", "24"});
  ASSERT_EQ(add.exit_code, 0) << add.err;
  struct Bad {
    std::vector<std::string> args;
    std::string message;
  };
  for (const Bad& b : {Bad{{"pool", "add", "10.70.128.0/20"}, "overlaps existing pool 10.70.0.0/16"},
                       Bad{{"pool", "add", "10.71.0.1/16"}, "host bits are set (did you mean 10.71.0.0/16?)"},
                       Bad{{"pool", "add", "banana"}, "invalid CIDR \"banana\""},
                       Bad{{"pool", "add", "10.72.0.0/16", "--block-size", "8"}, "out of range"},
                       Bad{{"pool", "remove", "10.99.0.0/16"}, "does not exist"}}) {
    auto o = cli(b.args);
    EXPECT_EQ(o.exit_code, 1) << b.args[2];
    EXPECT_NE(o.err.find(b.message), std::string::npos) << o.err;
  }
  // A store whose first command was `pool add` holds exactly that pool, even
  // after an allocation.
  auto a = netmodules(R"({"command": "allocate", "args": {"hostname": "h", "uid": "u1", "num_ipv4": 1, "num_ipv6": 0}})");
  ASSERT_EQ(a.exit_code, 0) << a.out;
  EXPECT_EQ(json::parse(a.out)["ipv4"][0], "10.70.0.1");
  auto pools = json::parse(cli({"pool", "list", "--json"}).out);
  ASSERT_EQ(pools.size(), 1u);
  EXPECT_EQ(pools[0]["block_size"], 24);
  EXPECT_EQ(pools[0]["allocated"], 1);

  auto refuse = cli({"pool", "remove", "10.70.0.0/16"});
  EXPECT_EQ(refuse.exit_code, 1);
  EXPECT_NE(refuse.err.find("u1"), std::string::npos);
  auto nat = cli({"pool", "set", "10.70.0.0/16", "--nat-outgoing", "on"});
  EXPECT_EQ(nat.exit_code, 0) << nat.err;
  EXPECT_EQ(json::parse(cli({"pool", "list", "--json"}).out)[0]["nat_outgoing"], true);
  auto force = cli({"pool", "remove", "10.70.0.0/16", "--force"});
  EXPECT_EQ(force.exit_code, 0) << force.err;
  EXPECT_EQ(json::parse(cli({"pool", "list", "--json"}).out).size(), 0u);
  EXPECT_EQ(json::parse(cli({"ipam", "show", "--json"}).out).size(), 0u);
  auto check = json::parse(cli({"ipam", "check", "--json"}).out);
  EXPECT_TRUE(check["consistent"].get<bool>()) << check.dump();
}

TEST_F(CliTest, VersionHelpAndUsageErrors) {
  auto v = run({netmod_bin(), "version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_EQ(v.out.rfind("netmod ", 0), 0u);
  EXPECT_EQ(run({netmod_bin(), "pool", "add", "--help"}).exit_code, 0);
  EXPECT_EQ(run({netmod_bin(), "ipam", "show", "--help"}).exit_code, 0);
  // A mistyped command is named, at any level.
  for (std::vector<std::string> argv : {std::vector<std::string>{netmod_bin(), "frobnicate"},
                                        {netmod_bin(), "pool", "frobnicate"},
                                        {netmod_bin(), "--config", "/nonexistent", "frobnicate"}}) {
    auto unknown = run(argv);
    EXPECT_EQ(unknown.exit_code, 2);
    EXPECT_NE(unknown.err.find("unknown command \"frobnicate\""), std::string::npos) << unknown.err;
    EXPECT_TRUE(unknown.out.empty());
  }
}

}  // namespace
}  // namespace netmod::testing

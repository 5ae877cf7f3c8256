#include "plugin/netmodules/netmodules.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <unistd.h>

#include "store/memory_store.hpp"

namespace netmod::plugin::netmodules {
namespace {

using json = nlohmann::json;

class NetmodulesTest : public ::testing::Test {
 protected:
  NetmodulesTest() : store_(std::make_shared<store::MemoryStore>()) {
    auto c = config::parse_config("{}", "test");
    env_.config = *c;
    env_.open_store = [this]() -> Result<std::shared_ptr<store::Store>> { return std::shared_ptr<store::Store>(store_); };
    env_.finisher = std::make_shared<FinishNow>(store_.get());
  }

  // Runs one call; returns (exit code, parsed stdout).
  std::pair<int, json> call(const std::string& request) {
    std::istringstream in(request);
    std::ostringstream out;
    int rc = run(in, out, env_);
    std::string text = out.str();
    EXPECT_EQ(text.find('\n'), text.size() - 1) << "exactly one line on stdout: " << text;
    return {rc, json::parse(text)};
  }

  std::shared_ptr<store::MemoryStore> store_;
  Environment env_;
};

TEST_F(NetmodulesTest, MesosSequenceReserveAllocateReleaseByUid) {
  auto [rc1, reserved] = call(R"({"command": "reserve", "args": {"hostname": "slave-1", "uid": "task-1",
      "ipv4_addrs": ["10.65.3.3"], "netgroups": ["star-1"]}})");
  // No pool yet: reserve never creates default pools, so this is an error.
  EXPECT_EQ(rc1, 1);
  EXPECT_NE(reserved["error"].get<std::string>().find("not in any pool"), std::string::npos);

  auto [rc2, a] = call(R"({"command": "allocate", "args": {"hostname": "slave-1", "uid": "task-1",
      "num_ipv4": 1, "num_ipv6": 1, "netgroups": ["star-1"], "labels": [{"key": "k", "value": "v"}]}})");
  ASSERT_EQ(rc2, 0) << a.dump();
  EXPECT_TRUE(a["error"].is_null());
  EXPECT_EQ(a["ipv4"].size(), 1u);
  EXPECT_EQ(a["ipv6"].size(), 1u);

  auto [rc3, r] = call(R"({"command": "reserve", "args": {"hostname": "slave-1", "uid": "task-1",
      "ipv4_addrs": ["10.65.3.3"]}})");
  ASSERT_EQ(rc3, 0) << r.dump();
  EXPECT_EQ(r["ipv4"], json::array({"10.65.3.3"}));
  EXPECT_EQ(r["ipv6"], json::array());

  auto [rc4, rel] = call(R"({"command": "release", "args": {"uid": "task-1"}})");
  EXPECT_EQ(rc4, 0);
  EXPECT_EQ(rel, json({{"error", nullptr}}));
  ipam::Ipam ipam(*store_, {});
  EXPECT_TRUE(ipam.addresses()->empty());
}

TEST_F(NetmodulesTest, ReleaseByIps) {
  auto [rc, a] = call(R"({"command": "allocate", "args": {"hostname": "h", "uid": "u", "num_ipv4": 2, "num_ipv6": 0}})");
  ASSERT_EQ(rc, 0);
  std::string req = json{{"command", "release"}, {"args", {{"ips", json::array({a["ipv4"][0]})}}}}.dump();
  EXPECT_EQ(call(req).first, 0);
  ipam::Ipam ipam(*store_, {});
  EXPECT_EQ(ipam.addresses()->size(), 1u);
  // Releasing it again is not an error.
  EXPECT_EQ(call(req).first, 0);
}

TEST_F(NetmodulesTest, ErrorsAreOneJsonObjectAndChangeNothing) {
  for (const char* bad : {"{broken", R"({"command": "allocate", "args": {"hostname": "h", "uid": "u", "num_ipv4": "two", "num_ipv6": 0}})",
                          R"({"command": "frobnicate", "args": {}})"}) {
    auto [rc, out] = call(bad);
    EXPECT_EQ(rc, 1);
    ASSERT_TRUE(out.contains("error"));
    EXPECT_TRUE(out["error"].is_string());
    EXPECT_EQ(out.size(), 1u);
  }
  EXPECT_TRUE(store_->list("/")->empty());
}

TEST_F(NetmodulesTest, IsolateOfAProcessThatDoesNotExist) {
  auto [rc, out] = call(R"({"command": "isolate", "args": {"hostname": "h", "container_id": "c", "pid": 1073741823,
      "ipv4_addrs": ["10.65.0.1"]}})");
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(out["error"], "process 1073741823 does not exist");
  EXPECT_TRUE(store_->list("/netmod/v1/endpoints/")->empty());
}

TEST_F(NetmodulesTest, IsolateOfAProcessInTheHostNamespace) {
  auto [rc, out] = call(R"({"command": "isolate", "args": {"hostname": "h", "container_id": "c", "pid": )" +
                        std::to_string(getpid()) + R"(, "ipv4_addrs": ["10.65.0.1"]}})");
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out["error"].get<std::string>().find("host's network namespace"), std::string::npos) << out.dump();
}

TEST_F(NetmodulesTest, StoreThatCannotOpenIsAnError) {
  env_.open_store = []() -> Result<std::shared_ptr<store::Store>> {
    return make_error(Errc::corrupt, "datastore /x: not a netmod datastore");
  };
  auto [rc, out] = call(R"({"command": "allocate", "args": {"hostname": "h", "uid": "u", "num_ipv4": 1, "num_ipv6": 0}})");
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(out["error"], "datastore /x: not a netmod datastore");
}

}  // namespace
}  // namespace netmod::plugin::netmodules

namespace netmod::plugin::netmodules {
namespace {

// Inputs that once killed the process (fuzzing): each must be one JSON
// error object, exit 1, and change nothing.
TEST_F(NetmodulesTest, BadInputsAreErrorsNeverCrashes) {
  std::string two_byte;
  for (int i = 0; i < 130; ++i) two_byte += "\xc3\xa9";
  const std::vector<std::string> inputs = {
      std::string(100000, '[') + std::string(100000, ']'),
      std::string(100000, '{'),
      R"({"command": "allocate", "args": {"hostname": ")" + two_byte + R"(", "uid": "u", "num_ipv4": 1, "num_ipv6": 0}})",
      R"({"command": "allocate", "args": {"hostname": "h", "uid": ")" + two_byte + R"(", "num_ipv4": 1, "num_ipv6": 0}})",
      R"({"command": "cleanup", "args": {"hostname": "h", "container_id": ")" + two_byte + R"("}})",
      R"({"command": "allocate", "args": {"hostname": "h", "uid": "u", "num_ipv4": 1e300, "num_ipv6": 0}})",
      R"({"command": "allocate", "args": {"hostname": "h", "uid": "u", "num_ipv4": 1, "num_ipv6": 0, "labels": [{"key": "k", "value": 1}]}})",
      R"({"command": "reserve", "args": {"hostname": "h", "uid": "u", "ipv4_addrs": [")" + std::string(5000, '1') + R"("]}})",
      R"({"command": ")" + two_byte + R"(", "args": {}})",
      "\"\xff\"",
  };
  for (const auto& in : inputs) {
    auto [rc, out] = call(in);
    EXPECT_EQ(rc, 1) << in.substr(0, 60);
    ASSERT_TRUE(out.contains("error")) << in.substr(0, 60);
    EXPECT_LT(out["error"].get<std::string>().size(), 300u) << out.dump();
  }
  EXPECT_TRUE(store_->list("/")->empty());
}

}  // namespace
}  // namespace netmod::plugin::netmodules

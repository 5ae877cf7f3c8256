// Both front ends and reconcile, success paths and faults, against the
// simulated kernel (dataplane/fake_kernel.hpp): no root, every kernel
// object looked at directly. The integration tests prove Linux does the
// same.
#include <gtest/gtest.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "config/config.hpp"
#include "dataplane/dataplane.hpp"
#include "dataplane/fake_kernel.hpp"
#include "dataplane/nft_state.hpp"
#include "plugin/cni/plugin.hpp"
#include "plugin/netmodules/netmodules.hpp"
#include "plugin/reconcile.hpp"
#include "records/endpoints.hpp"
#include "store/sqlite_store.hpp"

namespace netmod::plugin {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using dataplane::FakeKernel;

class SimulatedKernel : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("netmod-simkernel-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    task_ = kernel_.add_netns("/run/netns/t1");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string net_conf(const std::string& extra = "") const {
    return R"({"cniVersion": "1.0.0", "name": "sim", "type": "netmod", "netgroups": ["web"], "hostname": "h1",
      "ipam": {"type": "netmod", "ipv4_pools": ["10.77.0.0/24"], "assign_ipv6": true, "ipv6_pools": ["fd77::/64"]},
      "datastore": {"path": ")" + (dir_ / "store.db").string() + "\"}" + extra + "}";
  }

  struct Call {
    int rc;
    json out;
  };
  Call cni(const std::string& command, const std::string& conf, const std::string& id = "c1") {
    std::map<std::string, std::string> env = {{"CNI_COMMAND", command}, {"CNI_CONTAINERID", id}, {"CNI_IFNAME", "eth0"},
                                              {"CNI_NETNS", "/run/netns/t1"}, {"CNI_PATH", "/x"}};
    std::istringstream in(conf);
    std::ostringstream out;
    FinishNow finisher;
    Machine machine{kernel_, finisher};
    int rc = cni::run([&](const char* n) -> const char* {
      auto it = env.find(n);
      return it == env.end() ? nullptr : it->second.c_str();
    }, in, out, machine);
    return {rc, json::parse(out.str().empty() ? "null" : out.str(), nullptr, false)};
  }

  std::unique_ptr<store::Store> store() { return *store::SqliteStore::open({(dir_ / "store.db").string()}); }

  Result<ReconcileReport> reconcile() {
    auto s = store();
    ipam::Ipam ipam(*s, {});
    return plugin::reconcile(*s, ipam, "h1", kernel_);
  }

  // Everything netmod wired: host ends, their routes, elements.
  size_t wired() const {
    size_t n = 0;
    for (const auto& [i, l] : kernel_.ns.at(FakeKernel::kHostNs).links) n += l.name.starts_with("nm");
    for (const auto& [name, s] : kernel_.inet.sets) {
      if (dataplane::nftstate::holds_task_elements(name, false)) n += s.elements.size();
    }
    for (const auto& [name, s] : kernel_.netdev.sets) n += s.elements.size();
    for (const auto& [name, c] : kernel_.netdev.chains) n += dataplane::ruleset::fast_hook_device(name).has_value();
    return n;
  }

  FakeKernel kernel_;
  uint64_t task_ = 0;
  fs::path dir_;
};

TEST_F(SimulatedKernel, CniAddCheckDelWireAndUnwireEveryObject) {
  auto add = cni("ADD", net_conf());
  ASSERT_EQ(add.rc, 0) << add.out.dump();
  const std::string host_if = dataplane::host_ifname("c1:eth0");
  const auto* host_end = kernel_.link(FakeKernel::kHostNs, host_if);
  ASSERT_NE(host_end, nullptr);
  EXPECT_TRUE(host_end->up);
  EXPECT_EQ(host_end->group, dataplane::ruleset::kTaskIfGroup);
  const auto* eth0 = kernel_.link(task_, "eth0");
  ASSERT_NE(eth0, nullptr);
  EXPECT_TRUE(eth0->up);
  EXPECT_EQ(eth0->peer, host_end->index);
  ASSERT_EQ(add.out["ips"].size(), 2u);
  const auto v4 = *net::IpAddress::parse(add.out["ips"][0]["address"].get<std::string>().substr(0, 9));
  // Inside: the address, default routes via the gateways; outside: the
  // /32 and the neighbour entry; rules; the fast path (follow-up work,
  // done here by FinishNow) and the proxy entry of the IPv6 gateway.
  EXPECT_EQ(kernel_.ns.at(task_).addresses.size(), 2u);
  size_t defaults = 0;
  for (const auto& r : kernel_.routes(task_)) defaults += r.dst.prefix_len() == 0;
  EXPECT_EQ(defaults, 2u);
  bool host_route = false;
  for (const auto& r : kernel_.routes(FakeKernel::kHostNs)) host_route |= r.dst == net::Cidr::host(v4) && r.oif == host_end->index;
  EXPECT_TRUE(host_route);
  EXPECT_EQ(kernel_.neighbours(FakeKernel::kHostNs).size(), 2u);
  EXPECT_EQ(kernel_.neighbours(FakeKernel::kHostNs, true).size(), 1u);
  EXPECT_EQ(kernel_.inet.sets.at("src_v4").elements.size(), 1u);
  const auto& hook = kernel_.netdev.chains.at(dataplane::ruleset::fast_hook_chain(host_if));
  EXPECT_EQ(hook.devices, std::vector<std::string>{host_if});
  EXPECT_EQ(hook.gotos, std::vector<std::string>{"fast"});
  EXPECT_TRUE(kernel_.netdev.chains.at("fast").devices.empty()) << "the shared chain is hooked nowhere";
  EXPECT_TRUE(kernel_.inet.sets.at("fast_pending").elements.empty()) << "the follow-up consumed it";
  EXPECT_EQ(kernel_.sysctls.at("net/ipv4/conf/" + host_if + "/proxy_arp"), "1");

  std::string with_prev = net_conf(", \"prevResult\": " + add.out.dump());
  EXPECT_EQ(cni("CHECK", with_prev).rc, 0);
  // Drift inside the task: CHECK names it, reconcile repairs it.
  kernel_.ns.at(task_).addresses.clear();
  auto check = cni("CHECK", with_prev);
  EXPECT_NE(check.rc, 0);
  EXPECT_EQ(check.out["code"], 105) << check.out.dump();
  auto rec = reconcile();
  ASSERT_TRUE(rec) << rec.error().message;
  EXPECT_FALSE(rec->created.empty());
  EXPECT_EQ(cni("CHECK", with_prev).rc, 0);
  auto again = reconcile();
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->created.empty() && again->removed.empty()) << "a second reconcile changes nothing";

  auto del = cni("DEL", net_conf());
  EXPECT_EQ(del.rc, 0) << del.out.dump();
  EXPECT_EQ(wired(), 0u) << "DEL and its follow-up left nothing";
  EXPECT_EQ(kernel_.link(task_, "eth0"), nullptr);
  auto s = store();
  EXPECT_TRUE(records::Endpoints(*s).list()->empty());
  EXPECT_TRUE((*ipam::Ipam(*s, {}).snapshot()).handles.empty());
}

TEST_F(SimulatedKernel, NetmodulesIsolateAndCleanup) {
  kernel_.add_netns("/proc/4242/ns/net");
  auto s = std::shared_ptr<store::Store>(store());
  netmodules::Environment env;
  env.config = *config::parse_config("{}", "test");
  env.open_store = [s]() -> Result<std::shared_ptr<store::Store>> { return s; };
  env.finisher = std::make_shared<FinishNow>(s.get());
  env.kernel = &kernel_;
  auto call = [&](const std::string& req) {
    std::istringstream in(req);
    std::ostringstream out;
    int rc = netmodules::run(in, out, env);
    return std::pair{rc, json::parse(out.str())};
  };
  auto [rc1, a] = call(R"({"command": "allocate", "args": {"hostname": "h1", "uid": "t1", "num_ipv4": 1, "num_ipv6": 0, "netgroups": ["web"]}})");
  ASSERT_EQ(rc1, 0) << a.dump();
  const std::string addr = a["ipv4"][0];
  auto [rc2, iso] = call(R"({"command": "isolate", "args": {"hostname": "h1", "container_id": "t1", "pid": 4242, "ipv4_addrs": [")" +
                         addr + R"("], "netgroups": ["web"]}})");
  ASSERT_EQ(rc2, 0) << iso.dump();
  EXPECT_NE(kernel_.link(FakeKernel::kHostNs, dataplane::host_ifname("t1")), nullptr);
  EXPECT_GT(wired(), 3u);
  auto [rc3, dup] = call(R"({"command": "isolate", "args": {"hostname": "h1", "container_id": "t1", "pid": 4242, "ipv4_addrs": [")" +
                         addr + R"("], "netgroups": ["web"]}})");
  EXPECT_EQ(rc3, 1) << "a second isolate of the container is refused: " << dup.dump();
  auto [rc4, gone] = call(R"({"command": "cleanup", "args": {"hostname": "h1", "container_id": "t1"}})");
  ASSERT_EQ(rc4, 0) << gone.dump();
  EXPECT_EQ(wired(), 0u);
}

// A failure at each kernel step of ADD: a clear error, nothing left, and
// the same ADD succeeds once the fault is gone; reconcile then in sync.
TEST_F(SimulatedKernel, AddFailingAtEachStepLeavesNothing) {
  const uint16_t nf = NFNL_SUBSYS_NFTABLES << 8;
  struct Fault {
    const char* what;
    uint16_t type;
    std::string nft;
  };
  // The ruleset first: only the first task of its kind writes nft syntax.
  const std::vector<Fault> faults = {{"ruleset", 0, "add table inet netmod"},
                                     {"veth", RTM_NEWLINK, ""},          {"address", RTM_NEWADDR, ""},
                                     {"route", RTM_NEWROUTE, ""},        {"neighbour", RTM_NEWNEIGH, ""},
                                     {"element", static_cast<uint16_t>(nf | NFT_MSG_NEWSETELEM), ""}};
  for (const auto& f : faults) {
    SCOPED_TRACE(f.what);
    if (f.type) kernel_.fail[f.type] = EIO;
    kernel_.fail_nft = f.nft;
    auto add = cni("ADD", net_conf());
    ASSERT_NE(add.rc, 0) << add.out.dump();
    EXPECT_TRUE(add.out["msg"].is_string() && !add.out["msg"].get<std::string>().empty()) << add.out.dump();
    kernel_.fail.clear();
    kernel_.fail_nft.clear();
    EXPECT_EQ(kernel_.link(task_, "eth0"), nullptr);
    auto s = store();
    EXPECT_TRUE(records::Endpoints(*s).list()->empty());
    EXPECT_TRUE((*ipam::Ipam(*s, {}).snapshot()).handles.empty());
    // What a failed first-of-kind wiring may leave (netgroup objects) is
    // reconcile's; after it, nothing of the task.
    ASSERT_TRUE(reconcile());
    EXPECT_EQ(wired(), 0u);
  }
  auto add = cni("ADD", net_conf());
  EXPECT_EQ(add.rc, 0) << add.out.dump();
}

// DEL failing at a kernel step keeps the record and the addresses (a
// runtime retries), and the retry frees everything.
TEST_F(SimulatedKernel, DelFailingIsRetriedToNothing) {
  ASSERT_EQ(cni("ADD", net_conf()).rc, 0);
  for (uint16_t type : {static_cast<uint16_t>(RTM_GETLINK),
                        static_cast<uint16_t>((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_DELSETELEM), static_cast<uint16_t>(RTM_DELROUTE)}) {
    SCOPED_TRACE(type);
    kernel_.fail[type] = EIO;
    auto del = cni("DEL", net_conf());
    kernel_.fail.clear();
    EXPECT_NE(del.rc, 0) << del.out.dump();
    auto s = store();
    EXPECT_EQ(records::Endpoints(*s).list()->size(), 1u) << "the record stays for the retry";
    EXPECT_FALSE((*ipam::Ipam(*s, {}).snapshot()).handles.empty()) << "no address released";
  }
  EXPECT_EQ(cni("DEL", net_conf()).rc, 0);
  EXPECT_EQ(wired(), 0u);
  auto s = store();
  EXPECT_TRUE((*ipam::Ipam(*s, {}).snapshot()).handles.empty());
}

// Reconcile failing half-way reports it; the next one repairs the rest.
TEST_F(SimulatedKernel, ReconcileFailingIsFinishedByTheNext) {
  ASSERT_EQ(cni("ADD", net_conf()).rc, 0);
  kernel_.ns.at(FakeKernel::kHostNs).routes.clear();
  kernel_.inet.sets.at("src_v4").elements.clear();
  kernel_.fail[RTM_NEWROUTE] = EIO;
  auto failed = reconcile();
  EXPECT_FALSE(failed);
  kernel_.fail.clear();
  auto rec = reconcile();
  ASSERT_TRUE(rec) << rec.error().message;
  EXPECT_FALSE(rec->created.empty());
  auto again = reconcile();
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->created.empty() && again->removed.empty());
}

TEST_F(SimulatedKernel, ReconcileRepairsHostSideDriftAndRemovesTheUnwanted) {
  ASSERT_EQ(cni("ADD", net_conf()).rc, 0);
  const std::string host_if = dataplane::host_ifname("c1:eth0");
  auto& host = kernel_.ns.at(FakeKernel::kHostNs);
  host.routes.clear();                               // every netmod route
  kernel_.inet.sets.at("src_v4").elements.clear();   // an element
  kernel_.netdev.chains.erase(dataplane::ruleset::fast_hook_chain(host_if));  // a hook
  kernel_.inet.chains.at("forward").rules = 0;       // a flushed chain
  // An interface netmod no longer wants, and one it never owned.
  host.links[900] = {900, "nm00000000dead", dataplane::ruleset::kTaskIfGroup, true, {}, 1500, 0, 0};
  host.links[901] = {901, "eth9", 0, true, {}, 1500, 0, 0};
  auto rec = reconcile();
  ASSERT_TRUE(rec) << rec.error().message;
  std::string all;
  for (const auto& c : rec->created) all += "+ " + c + "\n";
  for (const auto& c : rec->removed) all += "- " + c + "\n";
  for (const char* want : {"route to 10.77.0.", "blackhole 10.77.0.", "nftables element src_v4", "fast-path hook on",
                           "nftables chain forward rules", "- interface nm00000000dead (no endpoint)"}) {
    EXPECT_NE(all.find(want), std::string::npos) << want << " in:\n" << all;
  }
  EXPECT_EQ(host.links.count(901), 1u);
  EXPECT_EQ(host.links.count(900), 0u);
  EXPECT_EQ(kernel_.netdev.chains.at(dataplane::ruleset::fast_hook_chain(host_if)).devices,
            std::vector<std::string>{host_if});
  EXPECT_EQ(kernel_.netdev.chains.at(dataplane::ruleset::fast_hook_chain(host_if)).rules, 1u);
  auto again = reconcile();
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->created.empty() && again->removed.empty());
}

}  // namespace
}  // namespace netmod::plugin

#include "agent/dns.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "dns/test_queries.hpp"
#include "records/tasks.hpp"
#include "store/sqlite_store.hpp"

namespace netmod::agent {
namespace {

using dns::testing::query;
using dns::testing::read_answer;
using dns::testing::udp_ask;

net::IpAddress ip(const char* t) { return *net::IpAddress::parse(t); }
net::Endpoint endpoint(const char* t) { return *net::Endpoint::parse(t, 53); }

TEST(AgentDns, AddressesAreTheFabricsAndTheConfiguredOnesEachOnce) {
  config::AgentConfig c;
  const std::vector<net::IpAddress> fabric = {ip("192.168.77.1"), ip("fd77::1")};
  EXPECT_EQ(endpoints_text(dns_addresses(c, fabric)), "192.168.77.1:53,[fd77::1]:53");
  c.dns_addresses = {endpoint("127.0.0.1:5353"), endpoint("192.168.77.1")};
  EXPECT_EQ(endpoints_text(dns_addresses(c, fabric)), "192.168.77.1:53,[fd77::1]:53,127.0.0.1:5353");
  c.dns_on_fabric = false;
  EXPECT_EQ(endpoints_text(dns_addresses(c, fabric)), "127.0.0.1:5353,192.168.77.1:53");
  c.dns_addresses.clear();
  EXPECT_TRUE(dns_addresses(c, fabric).empty());
}

class AgentDnsStore : public ::testing::Test {
 protected:
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("netmod-agent-dns-" + std::to_string(getpid()));
  std::unique_ptr<store::SqliteStore> store;
  Metrics metrics;

  void SetUp() override {
    std::filesystem::create_directories(dir);
    auto s = store::SqliteStore::open({(dir / "netmod.db").string(), 1000, false});
    ASSERT_TRUE(s) << s.error().message;
    store = std::move(*s);
  }
  void TearDown() override {
    store.reset();
    std::filesystem::remove_all(dir);
  }

  // What `netmod run` files for a running task of app /star-iso/probe-b.
  void file_task(const std::string& task, const std::vector<net::IpAddress>& addresses) {
    ASSERT_TRUE(store->update([&](store::Tx& tx) -> Result<void> {
      for (const auto& n : records::mesos_dns_names("/star-iso/probe-b")) {
        tx.put(records::keys::name(n, task), records::encode_name({addresses}));
      }
      return ok();
    }));
  }
  void remove_task(const std::string& task) {
    ASSERT_TRUE(store->update([&](store::Tx& tx) -> Result<void> {
      for (const auto& n : records::mesos_dns_names("/star-iso/probe-b")) tx.del(records::keys::name(n, task));
      return ok();
    }));
  }
};

TEST_F(AgentDnsStore, AnswersFromTheStoreAndForgetsADeletedNameAtOnce) {
  config::AgentConfig c;
  c.dns_on_fabric = false;
  c.dns_addresses = {endpoint("127.0.0.1:0")};
  auto started = start_dns(*store, c, {}, metrics);
  ASSERT_TRUE(started) << started.error().message;
  ASSERT_TRUE(*started);
  const net::Endpoint at = (*started)->bound()[0];
  file_task("star-iso.probe-b.1", {ip("10.65.0.7"), ip("fd65:6e6d::7")});
  for (const char* name : {"probe-b.star-iso.marathon.mesos", "Probe-B-Star-Iso.marathon.mesos."}) {
    auto a = read_answer(udp_ask(at, query(name, dns::rrtype::a)));
    ASSERT_TRUE(a) << name;
    EXPECT_EQ(a->rcode(), dns::Rcode::noerror);
    ASSERT_EQ(a->an, 1) << name;
    EXPECT_EQ(a->records[0].data, "10.65.0.7");
    auto aaaa = read_answer(udp_ask(at, query(name, dns::rrtype::aaaa)));
    ASSERT_TRUE(aaaa);
    ASSERT_EQ(aaaa->an, 1) << name;
    EXPECT_EQ(aaaa->records[0].data, "fd65:6e6d::7");
  }
  // A second task of the app: both answer.
  file_task("star-iso.probe-b.2", {ip("10.65.0.8")});
  EXPECT_EQ(read_answer(udp_ask(at, query("probe-b.star-iso.marathon.mesos", dns::rrtype::a)))->an, 2);
  remove_task("star-iso.probe-b.1");
  remove_task("star-iso.probe-b.2");
  auto gone = read_answer(udp_ask(at, query("probe-b.star-iso.marathon.mesos", dns::rrtype::a)));
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->rcode(), dns::Rcode::nxdomain);
  auto outside = read_answer(udp_ask(at, query("example.com", dns::rrtype::a)));
  ASSERT_TRUE(outside);
  EXPECT_EQ(outside->rcode(), dns::Rcode::refused);
  (*started)->stop();
  EXPECT_EQ(metrics.dns_queries[static_cast<size_t>(dns::Rcode::noerror)], 5u);
  EXPECT_EQ(metrics.dns_queries[static_cast<size_t>(dns::Rcode::nxdomain)], 1u);
  EXPECT_EQ(metrics.dns_queries[static_cast<size_t>(dns::Rcode::refused)], 1u);
}

TEST_F(AgentDnsStore, AnotherDomain) {
  config::AgentConfig c;
  c.dns_on_fabric = false;
  c.dns_addresses = {endpoint("127.0.0.1:0")};
  c.dns_domain = *dns::Domain::parse("cluster.example");
  auto started = start_dns(*store, c, {}, metrics);
  ASSERT_TRUE(started && *started);
  file_task("t1", {ip("10.65.0.9")});
  const net::Endpoint at = (*started)->bound()[0];
  EXPECT_EQ(read_answer(udp_ask(at, query("probe-b-star-iso.cluster.example", dns::rrtype::a)))->an, 1);
  EXPECT_EQ(read_answer(udp_ask(at, query("probe-b-star-iso.marathon.mesos", dns::rrtype::a)))->rcode(),
            dns::Rcode::refused);
}

TEST_F(AgentDnsStore, OffIsNoResponderAndATakenPortIsNamed) {
  config::AgentConfig off;
  off.dns_on_fabric = false;
  auto none = start_dns(*store, off, {ip("127.0.0.1")}, metrics);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);

  config::AgentConfig c;
  c.dns_on_fabric = false;
  c.dns_addresses = {endpoint("127.0.0.1:0")};
  auto first = start_dns(*store, c, {}, metrics);
  ASSERT_TRUE(first && *first);
  c.dns_addresses = {(*first)->bound()[0]};
  auto taken = start_dns(*store, c, {}, metrics);
  ASSERT_FALSE(taken);
  const std::string at = (*first)->bound()[0].str();
  EXPECT_NE(taken.error().message.find("agent.dns_address " + at + ": binding UDP to " + at), std::string::npos)
      << taken.error().message;
  // ("auto" at port 53 is checked by tests/integration/dns_test.sh, as root
  // in a namespace of its own.)
}

}  // namespace
}  // namespace netmod::agent

#include "engine/cluster.hpp"

#include <gtest/gtest.h>

#include "engine/test_records.hpp"

namespace netmod::engine {
namespace {

using test::cidr;
using test::ip;

records::EndpointRecord on(const std::string& host, const std::string& id, std::vector<net::IpAddress> addrs,
                           std::vector<std::string> groups) {
  auto r = test::endpoint(id, std::move(addrs), std::move(groups));
  r.host = host;
  return r;
}

ipam::AffinityRecord block(const std::string& host, const char* c) { return {host, cidr(c), {}}; }

records::FabricMap fabric() {
  records::FabricMap f;
  f.hosts["a"] = {"a", {ip("192.168.50.2"), ip("fd50::2")}, 0};
  f.hosts["b"] = {"b", {ip("192.168.50.3"), ip("fd50::3")}, 0};
  f.hosts["c"] = {"c", {ip("192.168.50.4")}, 0};  // no IPv6 fabric address
  return f;
}

std::string str(const std::vector<RemoteRoute>& routes) {
  std::string s;
  for (const auto& r : routes) s += r.dst.str() + " via " + r.via.str() + "\n";
  return s;
}

TEST(Cluster, OtherHostsBlocksAreRoutedViaTheirFabricAddressOwnBlocksAreNot) {
  auto in = cluster_input("a", {block("a", "10.65.0.0/26"), block("b", "10.65.0.64/26"), block("b", "fd65::/122")}, {},
                          fabric());
  EXPECT_EQ(str(in.routes), "10.65.0.64/26 via 192.168.50.3\nfd65::/122 via fd50::3\n");
  EXPECT_TRUE(in.problems.empty());
}

TEST(Cluster, ABorrowedAddressIsRoutedToTheHostItsTaskIsOn) {
  // b's task holds an address of a's block (b's blocks were full), and
  // c's task one of b's block: each gets a /32 via its task's host.
  auto in = cluster_input(
      "a", {block("a", "10.65.0.0/26"), block("b", "10.65.0.64/26"), block("c", "10.65.0.128/26")},
      {on("b", "t1", {ip("10.65.0.9")}, {}), on("b", "t2", {ip("10.65.0.65")}, {}),
       on("c", "t3", {ip("10.65.0.66")}, {}), on("a", "mine", {ip("10.65.0.130")}, {})},
      fabric());
  EXPECT_EQ(str(in.routes),
            "10.65.0.64/26 via 192.168.50.3\n10.65.0.128/26 via 192.168.50.4\n"
            "10.65.0.9/32 via 192.168.50.3\n10.65.0.66/32 via 192.168.50.4\n");
}

TEST(Cluster, MembersAreOtherHostsTasksWithNetgroups) {
  auto in = cluster_input("a", {}, {on("a", "mine", {ip("10.65.0.2")}, {"web"}), on("b", "t", {ip("10.65.0.70")}, {"web"}),
                                    on("b", "none", {ip("10.65.0.71")}, {})},
                          fabric());
  ASSERT_EQ(in.members.size(), 1u);
  EXPECT_EQ(in.members[0].addresses, std::vector<net::IpAddress>{ip("10.65.0.70")});
  EXPECT_EQ(in.members[0].netgroups, std::vector<std::string>{"web"});
}

TEST(Cluster, AHostWithoutAFabricAddressIsReportedOnceAndNotRouted) {
  auto in = cluster_input("a", {block("c", "fd65::40/122"), block("c", "fd65::80/122"), block("ghost", "10.65.1.0/26")},
                          {}, fabric());
  EXPECT_TRUE(in.routes.empty()) << str(in.routes);
  ASSERT_EQ(in.problems.size(), 2u);
  EXPECT_NE(in.problems[0].find("host c has no IPv6 fabric address"), std::string::npos) << in.problems[0];
  EXPECT_NE(in.problems[1].find("host ghost has no IPv4 fabric address"), std::string::npos) << in.problems[1];
}

}  // namespace
}  // namespace netmod::engine

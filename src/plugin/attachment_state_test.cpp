#include "plugin/attachment_state.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <linux/rtnetlink.h>

namespace netmod::plugin {
namespace {

namespace state = dataplane::state;

net::IpAddress ip(const char* s) { return *net::IpAddress::parse(s); }
net::Cidr cidr(const char* s) { return *net::Cidr::parse(s); }

EndpointRecord record() {
  EndpointRecord r;
  r.container_id = "c1:eth0";
  r.host_ifname = "nm0123456789ab";
  r.addresses = {ip("10.65.0.7"), ip("fd65::7")};
  r.routes = {cidr("0.0.0.0/0"), cidr("::/0")};
  return r;
}

// What the kernel holds of a healthy attachment.
Observed healthy() {
  Observed s;
  s.task_link = state::Link{};
  s.task_link->index = 2, s.task_link->name = "eth0", s.task_link->up = true;
  s.task_addresses = {{2, ip("10.65.0.7"), 32}, {2, ip("fd65::7"), 128}};
  s.task_routes = {{cidr("0.0.0.0/0"), 2, ip("169.254.1.1"), RT_TABLE_MAIN},
                   {cidr("::/0"), 2, ip("fe80::ecee:eeff:feee:eeee"), RT_TABLE_MAIN}};
  s.host_link = state::Link{};
  s.host_link->index = 9, s.host_link->name = "nm0123456789ab", s.host_link->up = true;
  s.host_routes = {{cidr("10.65.0.7/32"), 9, std::nullopt, RT_TABLE_MAIN},
                   {cidr("fd65::7/128"), 9, std::nullopt, RT_TABLE_MAIN}};
  return s;
}

std::string all(const std::vector<Difference>& d) { return describe(d); }

TEST(AttachmentState, AHealthyAttachmentHasNoDifference) {
  EXPECT_TRUE(differences(record(), healthy(), true).empty()) << all(differences(record(), healthy(), true));
}

TEST(AttachmentState, EachDefectIsNamed) {
  struct Case {
    const char* what;
    std::function<void(Observed&)> damage;
    const char* named;
  };
  std::vector<Case> cases = {
      {"address removed", [](Observed& s) { s.task_addresses.erase(s.task_addresses.begin()); },
       "eth0 lacks address 10.65.0.7/32"},
      {"default route deleted", [](Observed& s) { s.task_routes.erase(s.task_routes.begin()); },
       "lacks its route to 0.0.0.0/0 via 169.254.1.1 dev eth0"},
      {"IPv6 default route deleted", [](Observed& s) { s.task_routes.pop_back(); }, "lacks its route to ::/0"},
      {"eth0 down", [](Observed& s) { s.task_link->up = false; }, "eth0 is down"},
      {"eth0 gone", [](Observed& s) { s.task_link.reset(); }, "the task has no interface eth0"},
      {"host end gone", [](Observed& s) { s.host_link.reset(); }, "the host has no interface nm0123456789ab"},
      {"host route of the IPv6 address gone", [](Observed& s) { s.host_routes.pop_back(); },
       "the host lacks its route to fd65::7"},
      {"IPv6 rule gone",
       [](Observed& s) { s.missing_elements.push_back({.set = "to_v6", .addr = ip("fd65::7"), .goto_chain = "c_x"}); },
       "the isolation rules lack fd65::7 : goto c_x in to_v6"},
  };
  for (auto& c : cases) {
    Observed s = healthy();
    c.damage(s);
    auto d = differences(record(), s, true);
    ASSERT_FALSE(d.empty()) << c.what;
    EXPECT_NE(all(d).find(c.named), std::string::npos) << c.what << ": " << all(d);
  }
}

TEST(AttachmentState, ALaterAttachmentNeedsItsPoolRoutesTableAndRules) {
  EndpointRecord r = record();
  r.task_ifname = "net1";
  r.routes = {cidr("10.65.0.0/16"), cidr("fd65::/64")};
  r.table = 0x6e6d0000;
  Observed s = healthy();
  s.task_link->name = "net1";
  s.task_routes = {{cidr("10.65.0.0/16"), 2, ip("169.254.1.1"), RT_TABLE_MAIN},
                   {cidr("fd65::/64"), 2, ip("fe80::ecee:eeff:feee:eeee"), RT_TABLE_MAIN},
                   {cidr("0.0.0.0/0"), 2, ip("169.254.1.1"), r.table},
                   {cidr("::/0"), 2, ip("fe80::ecee:eeff:feee:eeee"), r.table}};
  s.task_rules = {{net::Family::v4, cidr("10.65.0.7/32"), r.table, dataplane::kRulePriority},
                  {net::Family::v6, cidr("fd65::7/128"), r.table, dataplane::kRulePriority}};
  EXPECT_TRUE(differences(r, s, true).empty()) << all(differences(r, s, true));
  s.task_rules.pop_back();
  EXPECT_NE(all(differences(r, s, true)).find("lacks the rule sending fd65::7"), std::string::npos);
  // The host side alone (a task whose namespace is gone).
  EXPECT_TRUE(differences(r, s, false).empty());
}

}  // namespace
}  // namespace netmod::plugin

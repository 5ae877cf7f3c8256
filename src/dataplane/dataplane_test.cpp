#include "dataplane/dataplane.hpp"

#include <gtest/gtest.h>

namespace netmod::dataplane {
namespace {

TEST(Dataplane, HostInterfaceNamesAreStableAndFitLinux) {
  std::string a = host_ifname("0f1e2d3c-aaaa-bbbb-cccc-000000000001");
  EXPECT_EQ(a, host_ifname("0f1e2d3c-aaaa-bbbb-cccc-000000000001"));
  EXPECT_NE(a, host_ifname("0f1e2d3c-aaaa-bbbb-cccc-000000000002"));
  EXPECT_LE(a.size(), 15u);
  EXPECT_EQ(a.rfind("nm", 0), 0u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef", 2), std::string::npos);
}

TEST(Dataplane, TaskMacIsLocallyAdministeredUnicast) {
  auto m = task_mac("c1");
  EXPECT_EQ(m[0], 0x02);
  EXPECT_EQ(m, task_mac("c1"));
  EXPECT_NE(m, task_mac("c2"));
  EXPECT_EQ(rtnl::mac_str(kHostMac), "ee:ee:ee:ee:ee:ee");
}

}  // namespace
}  // namespace netmod::dataplane

#include <linux/rtnetlink.h>

#include "dataplane/fake_netlink.hpp"
#include "dataplane/kernel_state.hpp"

namespace netmod::dataplane {
namespace {

TaskSpec wired_task() {
  TaskSpec t;
  t.container_id = "c1";
  t.addresses = {*net::IpAddress::parse("10.65.0.7")};
  t.netgroups = {"web"};
  return t;
}

// Only a definite "no such link" may count as gone: any other failure to
// look the host end up fails removal before anything was removed.
TEST(Dataplane, RemovalStopsWhenTheLinkLookupFails) {
  auto rt = std::make_shared<FakeNetlink::State>();
  auto nf = std::make_shared<FakeNetlink::State>();
  rt->script = [](const nlmsghdr* h) {
    return FakeNetlink::Answer{h->nlmsg_type == RTM_GETLINK ? ENOBUFS : 0, {}};
  };
  Dataplane dp = Dataplane::over(FakeNetlink::socket(rt), FakeNetlink::socket(nf, NETLINK_NETFILTER));
  auto r = dp.isolate_for_removal(wired_task(), {}, true);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("looking up link"), std::string::npos) << r.error().message;
  EXPECT_EQ(rt->sent.size(), 1u) << "nothing but the lookup";
  EXPECT_TRUE(nf->sent.empty()) << "no rule was removed";
}

TEST(Dataplane, RemovalOfAGoneLinkRemovesTheRulesAndSaysSo) {
  auto rt = std::make_shared<FakeNetlink::State>();
  auto nf = std::make_shared<FakeNetlink::State>();
  rt->script = [](const nlmsghdr* h) {
    return FakeNetlink::Answer{h->nlmsg_type == RTM_GETLINK ? ENODEV : 0, {}};
  };
  Dataplane dp = Dataplane::over(FakeNetlink::socket(rt), FakeNetlink::socket(nf, NETLINK_NETFILTER));
  auto r = dp.isolate_for_removal(wired_task(), {}, true);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(*r);
  EXPECT_FALSE(nf->sent.empty()) << "the task's elements are deleted";
  EXPECT_TRUE(rt->of_type(RTM_DELROUTE).empty());
}

TEST(Dataplane, RemovalParksTheHostEndInAGroupOfItsOwn) {
  auto rt = std::make_shared<FakeNetlink::State>();
  auto nf = std::make_shared<FakeNetlink::State>();
  rt->script = [](const nlmsghdr* h) {
    FakeNetlink::Answer a;
    if (h->nlmsg_type == RTM_GETLINK) {
      NlMessage reply(RTM_NEWLINK, 0, "link");
      auto* ifi = reply.put_family_header<ifinfomsg>();
      ifi->ifi_index = 42;
      a.replies.push_back(std::move(reply));
    }
    return a;
  };
  Dataplane dp = Dataplane::over(FakeNetlink::socket(rt), FakeNetlink::socket(nf, NETLINK_NETFILTER));
  auto r = dp.isolate_for_removal(wired_task(), {}, true);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(*r);
  EXPECT_EQ(**r, 42);
  EXPECT_EQ(rt->of_type(RTM_DELROUTE).size(), 1u);
  ASSERT_EQ(rt->of_type(RTM_NEWLINK).size(), 2u);  // down, then into the parked group
  auto group = state::parse_link(rt->of_type(RTM_NEWLINK)[1]->header());
  ASSERT_TRUE(group);
  EXPECT_EQ(group->group, ruleset::kParkedIfGroup);
}

}  // namespace
}  // namespace netmod::dataplane

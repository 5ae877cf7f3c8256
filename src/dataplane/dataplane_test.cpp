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

#include <linux/netfilter/nf_tables.h>
#include <linux/rtnetlink.h>

#include <set>

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

// A task that ends takes its namespace, and with it the veth pair, while
// its launcher removes its wiring: a host end found by the lookup and gone
// by the time it is taken down was removed, not an error.
TEST(Dataplane, RemovalOfALinkThatVanishesMeanwhileIsDone) {
  auto rt = std::make_shared<FakeNetlink::State>();
  auto nf = std::make_shared<FakeNetlink::State>();
  rt->script = [](const nlmsghdr* h) {
    FakeNetlink::Answer a;
    if (h->nlmsg_type == RTM_GETLINK) {
      NlMessage reply(RTM_NEWLINK, 0, "link");
      reply.put_family_header<ifinfomsg>()->ifi_index = 42;
      a.replies.push_back(std::move(reply));
    } else {
      a.error = h->nlmsg_type == RTM_DELROUTE ? ESRCH : ENODEV;
    }
    return a;
  };
  Dataplane dp = Dataplane::over(FakeNetlink::socket(rt), FakeNetlink::socket(nf, NETLINK_NETFILTER));
  auto r = dp.isolate_for_removal(wired_task(), {}, true);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(*r) << "nothing left to park or delete";
  auto removed = dp.remove_task(wired_task());
  EXPECT_TRUE(removed) << removed.error().message;
}

// Another deleter (the agent's reconcile) may take the task's elements
// between removal asking which exist and deleting them: it asks again.
TEST(Dataplane, RemovalOfElementsAnotherDeleterTakesMeanwhile) {
  auto rt = std::make_shared<FakeNetlink::State>();
  auto nf = std::make_shared<FakeNetlink::State>();
  rt->script = [](const nlmsghdr* h) {
    return FakeNetlink::Answer{h->nlmsg_type == RTM_GETLINK ? ENODEV : 0, {}};
  };
  int batches = 0, asked = 0;
  std::set<int> deleting;  // the batches that delete elements
  nf->on_batch = [&batches](bool begin) { batches += begin ? 1 : 0; };
  nf->script = [&batches, &asked, &deleting](const nlmsghdr* h) {
    const uint16_t type = h->nlmsg_type & 0xff;
    // The first two batches find an element gone. Asked after the first,
    // one is gone and the rest there; asked after the second, none is.
    if (type == NFT_MSG_DELSETELEM) deleting.insert(batches);
    if (type == NFT_MSG_DELSETELEM) return FakeNetlink::Answer{batches <= 2 ? ENOENT : 0, {}};
    if (type == NFT_MSG_GETSETELEM) return FakeNetlink::Answer{batches == 1 && ++asked > 1 ? 0 : ENOENT, {}};
    return FakeNetlink::Answer{};
  };
  Dataplane dp = Dataplane::over(FakeNetlink::socket(rt), FakeNetlink::socket(nf, NETLINK_NETFILTER));
  auto r = dp.isolate_for_removal(wired_task(), {}, true);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(*r);
  EXPECT_EQ(deleting, (std::set<int>{1, 2})) << "nothing was left to delete at the third asking";
}

}  // namespace
}  // namespace netmod::dataplane

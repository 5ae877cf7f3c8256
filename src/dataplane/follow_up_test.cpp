#include "dataplane/follow_up.hpp"

#include <gtest/gtest.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/rtnetlink.h>

#include "dataplane/fake_netlink.hpp"
#include "dataplane/nft_netlink.hpp"
#include "dataplane/rtnl.hpp"
#include "dataplane/ruleset.hpp"

namespace netmod::dataplane {
namespace {

uint16_t nft_type(const nlmsghdr* h) { return static_cast<uint16_t>(h->nlmsg_type & 0xff); }

FollowUp sample() {
  FollowUp w;
  FollowUp::Transaction t;
  t.guarded = true;
  t.msgs.push_back(nftnl::del_element(ruleset::fast_pending("nm0123456789ab")));
  for (auto& m : nftnl::add_fast_hook("nm0123456789ab")) t.msgs.push_back(std::move(m));
  w.nf_transactions.push_back(std::move(t));
  w.rtnl.push_back(rtnl::add_proxy_neighbour(7, *net::IpAddress::parse("fe80::ecee:eeff:feee:eeee")));
  w.delete_links = {42};
  return w;
}

// A fast path whose task was removed first: its guard is gone, the kernel
// refuses the transaction, and that is no failure. Anything else is.
TEST(FollowUp, ApplyReadsEveryReplyAndReportsRealFailures) {
  auto rt = std::make_shared<FakeNetlink::State>();
  auto nf = std::make_shared<FakeNetlink::State>();
  nf->script = [](const nlmsghdr* h) {
    return FakeNetlink::Answer{nft_type(h) == NFT_MSG_DELSETELEM ? ENOENT : 0, {}};
  };
  rt->script = [](const nlmsghdr* h) {
    return FakeNetlink::Answer{h->nlmsg_type == RTM_DELLINK ? ENODEV : 0, {}};
  };
  NetlinkSocket rs = FakeNetlink::socket(rt), ns = FakeNetlink::socket(nf, NETLINK_NETFILTER);
  FollowUp w = sample();
  auto none = apply(w, rs, ns);
  for (const auto& f : none) ADD_FAILURE() << f;
  EXPECT_EQ(nf->sent.size(), 4u);  // the guard and the hook's three
  EXPECT_EQ(rt->of_type(RTM_NEWNEIGH).size(), 1u);
  EXPECT_EQ(rt->of_type(RTM_DELLINK).size(), 1u);

  // Unguarded, or failing later than its guard, or an rtnetlink refusal:
  // each reported.
  nf->script = [](const nlmsghdr* h) {
    return FakeNetlink::Answer{nft_type(h) == NFT_MSG_NEWCHAIN ? EOPNOTSUPP : 0, {}};
  };
  rt->script = [](const nlmsghdr* h) { return FakeNetlink::Answer{h->nlmsg_type == RTM_NEWNEIGH ? EINVAL : 0, {}}; };
  FollowUp w2 = sample();
  auto failures = apply(w2, rs, ns);
  ASSERT_EQ(failures.size(), 2u);
  EXPECT_NE(failures[0].find("nftables"), std::string::npos) << failures[0];
  EXPECT_NE(failures[1].find("proxy"), std::string::npos) << failures[1];
}

}  // namespace
}  // namespace netmod::dataplane

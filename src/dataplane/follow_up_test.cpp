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
  t.msgs.push_back(nftnl::add_fast_hook("nm0123456789ab"));
  w.nf_transactions.push_back(std::move(t));
  w.rtnl.push_back(rtnl::add_proxy_neighbour(7, *net::IpAddress::parse("fe80::ecee:eeff:feee:eeee")));
  w.delete_links = {42};
  w.slow_close = true;
  return w;
}

TEST(FollowUp, EncodesAndDecodesEveryPart) {
  FollowUp w = sample();
  auto back = decode(encode(w));
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_EQ(back->nf_transactions.size(), 1u);
  EXPECT_TRUE(back->nf_transactions[0].guarded);
  ASSERT_EQ(back->nf_transactions[0].msgs.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(back->nf_transactions[0].msgs[i].bytes(), w.nf_transactions[0].msgs[i].bytes());
    EXPECT_EQ(back->nf_transactions[0].msgs[i].what(), w.nf_transactions[0].msgs[i].what());
  }
  ASSERT_EQ(back->rtnl.size(), 1u);
  EXPECT_EQ(back->rtnl[0].bytes(), w.rtnl[0].bytes());
  EXPECT_EQ(back->delete_links, std::vector<int>{42});
  EXPECT_TRUE(back->slow_close);
  EXPECT_TRUE(decode(encode(FollowUp{}))->empty());
}

TEST(FollowUp, DecodeRefusesDamagedInputClearly) {
  const std::string good = encode(sample());
  EXPECT_FALSE(decode(""));
  EXPECT_NE(decode("garbage").error().message.find("not netmod's follow-up encoding"), std::string::npos);
  for (size_t cut = 0; cut < good.size(); ++cut) {
    auto r = decode(std::string_view(good).substr(0, cut));
    ASSERT_FALSE(r) << "cut at " << cut;
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
  }
  EXPECT_NE(decode(good + "x").error().message.find("1 bytes after the end"), std::string::npos);
  std::string huge = good.substr(0, 7) + std::string("\xff\xff\xff\xff", 4);
  EXPECT_NE(decode(huge).error().message.find("too many transactions"), std::string::npos);
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
  EXPECT_EQ(nf->sent.size(), 2u);
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

#include "dataplane/nft_state.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "dataplane/nft_netlink.hpp"

namespace netmod::dataplane::nftstate {
namespace {

// A chain as the kernel lists it: NFT_MSG_NEWCHAIN with its hook's
// devices (NFTA_HOOK_DEVS) and, when `dev` is given, NFTA_HOOK_DEV too.
NlMessage chain_reply(const std::string& name, const std::vector<std::string>& devs, const char* dev) {
  NlMessage m(static_cast<uint16_t>((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWCHAIN), 0, "reply");
  auto* nfg = m.put_family_header<nfgenmsg>();
  nfg->nfgen_family = NFPROTO_NETDEV;
  nfg->version = NFNETLINK_V0;
  nfg->res_id = 0;
  m.put_str(NFTA_CHAIN_TABLE, "netmod");
  m.put_str(NFTA_CHAIN_NAME, name);
  if (!devs.empty() || dev) {
    size_t hook = m.begin_nest(NFTA_CHAIN_HOOK);
    m.put_u32(NFTA_HOOK_HOOKNUM, htonl(NF_NETDEV_INGRESS));
    if (!devs.empty()) {
      size_t n = m.begin_nest(NFTA_HOOK_DEVS);
      for (const auto& d : devs) m.put_str(NFTA_DEVICE_NAME, d);
      m.end_nest(n);
    }
    if (dev) m.put_str(NFTA_HOOK_DEV, dev);
    m.end_nest(hook);
  }
  return m;
}

TEST(NftState, AChainHookedOnOneDeviceNamesItOnce) {
  // Linux lists the device and names it again; one device it is.
  auto c = parse_chain(chain_reply("h_nm0123456789ab", {"nm0123456789ab"}, "nm0123456789ab").header());
  ASSERT_TRUE(c);
  EXPECT_EQ(c->name, "h_nm0123456789ab");
  EXPECT_EQ(c->devices, std::vector<std::string>{"nm0123456789ab"});
  // An old kernel's form: the one device alone.
  c = parse_chain(chain_reply("h_nm0123456789ab", {}, "nm0123456789ab").header());
  ASSERT_TRUE(c);
  EXPECT_EQ(c->devices, std::vector<std::string>{"nm0123456789ab"});
  // Several devices; and a chain with no hook.
  c = parse_chain(chain_reply("x", {"a", "b"}, nullptr).header());
  ASSERT_TRUE(c);
  EXPECT_EQ(c->devices, (std::vector<std::string>{"a", "b"}));
  c = parse_chain(chain_reply("fast", {}, nullptr).header());
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->devices.empty());
}

TEST(NftState, TheFastPathHookRuleIsCountedInItsChain) {
  auto msgs = nftnl::add_fast_hook("nm0123456789ab");
  // The kernel echoes a rule as NFT_MSG_NEWRULE with its table and chain.
  EXPECT_EQ(parse_rule_chain(msgs[2].header()), "h_nm0123456789ab");
}

}  // namespace
}  // namespace netmod::dataplane::nftstate

#include "dataplane/nft_netlink.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <map>

namespace netmod::dataplane::nftnl {
namespace {

net::IpAddress ip(const char* s) { return *net::IpAddress::parse(s); }

// The attributes of a message, by type, as raw payloads (one level).
std::map<uint16_t, std::string> attrs(const nlattr* start, size_t len) {
  std::map<uint16_t, std::string> out;
  for (auto* a = start; mnl_attr_ok(a, static_cast<int>(len)); a = mnl_attr_next(a)) {
    len -= MNL_ALIGN(a->nla_len);
    out[mnl_attr_get_type(a)] = std::string(static_cast<const char*>(mnl_attr_get_payload(a)), mnl_attr_get_payload_len(a));
  }
  return out;
}
std::map<uint16_t, std::string> nested(const std::string& payload) {
  return attrs(reinterpret_cast<const nlattr*>(payload.data()), payload.size());
}
std::map<uint16_t, std::string> top(const NlMessage& m) {
  const nlmsghdr* h = m.header();
  size_t off = MNL_ALIGN(sizeof(nlmsghdr)) + MNL_ALIGN(sizeof(nfgenmsg));
  return attrs(reinterpret_cast<const nlattr*>(reinterpret_cast<const char*>(h) + off), h->nlmsg_len - off);
}

TEST(NftNetlink, KeysAreLaidOutAsTheKernelStoresThem) {
  // ifname . ipv4_addr: 16 bytes of zero-padded name, then 4 address bytes.
  auto k = element_key({"src_v4", "nm0123456789ab", ip("10.65.0.2"), ""});
  ASSERT_EQ(k.size(), 20u);
  EXPECT_EQ(std::string(k.begin(), k.begin() + 14), "nm0123456789ab");
  EXPECT_EQ(k[14], 0);
  EXPECT_EQ(k[15], 0);
  EXPECT_EQ((std::vector<uint8_t>(k.begin() + 16, k.end())), (std::vector<uint8_t>{10, 65, 0, 2}));
  EXPECT_EQ(element_key({"src_v6", "nm0123456789ab", ip("fd65::2"), ""}).size(), 32u);
  // ifname alone: the name, zero-padded to 16 bytes.
  EXPECT_EQ(element_key(ruleset::fast_pending("nm0123456789ab")).size(), 16u);
  auto v6 = element_key({"g6_x", std::nullopt, ip("fd65::2"), ""});
  ASSERT_EQ(v6.size(), 16u);
  EXPECT_EQ(v6[0], 0xfd);
  EXPECT_EQ(v6[15], 2);
}

TEST(NftNetlink, NewElementOfAVerdictMapCarriesItsGoto) {
  ruleset::Element e{"to_v4", std::nullopt, ip("10.65.0.2"), "c_0123456789abcdef"};
  NlMessage m = new_element(e);
  EXPECT_EQ(m.header()->nlmsg_type, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWSETELEM);
  EXPECT_TRUE(m.header()->nlmsg_flags & NLM_F_CREATE);
  auto t = top(m);
  EXPECT_EQ(t[NFTA_SET_ELEM_LIST_TABLE], std::string("netmod\0", 7));
  EXPECT_EQ(t[NFTA_SET_ELEM_LIST_SET], std::string("to_v4\0", 6));
  auto elem = nested(nested(t[NFTA_SET_ELEM_LIST_ELEMENTS])[NFTA_LIST_ELEM]);
  EXPECT_EQ(nested(elem[NFTA_SET_ELEM_KEY])[NFTA_DATA_VALUE], std::string("\x0a\x41\x00\x02", 4));
  auto verdict = nested(nested(elem[NFTA_SET_ELEM_DATA])[NFTA_DATA_VERDICT]);
  uint32_t code;
  std::memcpy(&code, verdict[NFTA_VERDICT_CODE].data(), 4);
  EXPECT_EQ(static_cast<int32_t>(ntohl(code)), NFT_GOTO);
  EXPECT_EQ(verdict[NFTA_VERDICT_CHAIN], std::string("c_0123456789abcdef\0", 19));
  EXPECT_NE(m.what().find("10.65.0.2 : goto c_0123456789abcdef to to_v4"), std::string::npos) << m.what();
}

TEST(NftNetlink, DeletionNamesTheKeyAlone) {
  NlMessage m = del_element({"to_v4", std::nullopt, ip("10.65.0.2"), "c_0123456789abcdef"});
  EXPECT_EQ(m.header()->nlmsg_type, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_DELSETELEM);
  auto elem = nested(nested(top(m)[NFTA_SET_ELEM_LIST_ELEMENTS])[NFTA_LIST_ELEM]);
  EXPECT_EQ(elem.count(NFTA_SET_ELEM_DATA), 0u);
  EXPECT_EQ(nested(elem[NFTA_SET_ELEM_KEY])[NFTA_DATA_VALUE].size(), 4u);
  EXPECT_EQ(m.what(), "deleting element 10.65.0.2 from to_v4");
}

TEST(NftNetlink, ElementsMatchTheirTextForm) {
  // The netlink and text paths write the same elements (ruleset.hpp).
  ruleset::TaskRules t{"nm0123456789ab", {ip("10.65.0.2")}, {"g1"}, 7};
  auto elements = ruleset::task_elements(t);
  ASSERT_EQ(elements.size(), 6u);
  EXPECT_EQ(elements[0].set, "src_v4");
  EXPECT_EQ(ruleset::element_text(elements[0]), "\"nm0123456789ab\" . 10.65.0.2");
  EXPECT_EQ(ruleset::element_text(elements[1]), "10.65.0.2 : goto " + ruleset::combination_chain({"g1"}));
  EXPECT_EQ(ruleset::element_text(elements[1], true), "10.65.0.2");
  EXPECT_EQ(elements[2].set, ruleset::netgroup_set("g1", net::Family::v4));
  // The fast path's interface map carries the index, as the kernel keeps it.
  EXPECT_TRUE(elements[4].fast);
  EXPECT_EQ(ruleset::element_text(elements[4]), "10.65.0.2 : \"nm0123456789ab\"");
  NlMessage m = new_element(elements[4]);
  EXPECT_EQ(reinterpret_cast<const nfgenmsg*>(mnl_nlmsg_get_payload(m.header()))->nfgen_family, NFPROTO_NETDEV);
  auto elem = nested(nested(top(m)[NFTA_SET_ELEM_LIST_ELEMENTS])[NFTA_LIST_ELEM]);
  uint32_t index;
  std::memcpy(&index, nested(elem[NFTA_SET_ELEM_DATA])[NFTA_DATA_VALUE].data(), 4);
  EXPECT_EQ(index, 7u);
}

TEST(NftNetlink, FastPathHookIsABaseChainOfItsOwnThatGoesToFast) {
  auto msgs = add_fast_hook("nm0123456789ab");
  ASSERT_EQ(msgs.size(), 3u);
  const auto type = [](const NlMessage& m) { return m.header()->nlmsg_type & 0xff; };
  EXPECT_EQ(type(msgs[0]), NFT_MSG_NEWCHAIN);
  EXPECT_EQ(msgs[0].header()->nlmsg_flags & NLM_F_EXCL, 0) << "an existing hook chain is left as it is";
  auto c = top(msgs[0]);
  EXPECT_EQ(c[NFTA_CHAIN_NAME], std::string("h_nm0123456789ab\0", 17));
  auto hook = nested(c[NFTA_CHAIN_HOOK]);
  uint32_t prio;
  std::memcpy(&prio, hook[NFTA_HOOK_PRIORITY].data(), 4);
  EXPECT_EQ(static_cast<int32_t>(ntohl(prio)), ruleset::kFastPriority);
  EXPECT_EQ(nested(hook[NFTA_HOOK_DEVS])[NFTA_DEVICE_NAME], std::string("nm0123456789ab\0", 15));
  // Flushed, then its one rule: goto fast.
  EXPECT_EQ(type(msgs[1]), NFT_MSG_DELRULE);
  EXPECT_EQ(top(msgs[1]).count(NFTA_RULE_HANDLE), 0u);
  EXPECT_EQ(type(msgs[2]), NFT_MSG_NEWRULE);
  auto r = top(msgs[2]);
  EXPECT_EQ(r[NFTA_RULE_CHAIN], std::string("h_nm0123456789ab\0", 17));
  auto expr = nested(nested(r[NFTA_RULE_EXPRESSIONS])[NFTA_LIST_ELEM]);
  EXPECT_EQ(expr[NFTA_EXPR_NAME], std::string("immediate\0", 10));
  auto verdict = nested(nested(nested(expr[NFTA_EXPR_DATA])[NFTA_IMMEDIATE_DATA])[NFTA_DATA_VERDICT]);
  uint32_t code;
  std::memcpy(&code, verdict[NFTA_VERDICT_CODE].data(), 4);
  EXPECT_EQ(static_cast<int32_t>(ntohl(code)), NFT_GOTO);
  EXPECT_EQ(verdict[NFTA_VERDICT_CHAIN], std::string("fast\0", 5));
  NlMessage del = del_fast_hook("nm0123456789ab");
  EXPECT_EQ(type(del), NFT_MSG_DELCHAIN);
  EXPECT_EQ(del.header()->nlmsg_flags & NLM_F_NONREC, 0) << "the chain goes with its rule";
  EXPECT_EQ(top(del)[NFTA_CHAIN_NAME], std::string("h_nm0123456789ab\0", 17));
  EXPECT_EQ(top(del).count(NFTA_CHAIN_HOOK), 0u);
}

}  // namespace
}  // namespace netmod::dataplane::nftnl

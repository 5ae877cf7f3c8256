#include "dataplane/nft_netlink.hpp"

#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/if_ether.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <cstring>

namespace netmod::dataplane::nftnl {

namespace {

constexpr const char* kTableName = "netmod";  // of ruleset::kTable, "inet netmod"

NlMessage message(uint8_t type, uint16_t flags, std::string what, uint8_t family = NFPROTO_INET) {
  NlMessage m(static_cast<uint16_t>((NFNL_SUBSYS_NFTABLES << 8) | type), flags, std::move(what));
  auto* nfg = m.put_family_header<nfgenmsg>();
  nfg->nfgen_family = family;
  nfg->version = NFNETLINK_V0;
  nfg->res_id = 0;
  return m;
}

NlMessage element_message(uint8_t type, uint16_t flags, const ruleset::Element& e, bool with_data,
                          const char* verb) {
  NlMessage m = message(type, flags,
                        std::string(verb) + " element " + ruleset::element_text(e, !with_data) +
                            (std::string(verb) == "adding" ? " to " : std::string(verb) == "deleting" ? " from " : " in ") +
                            (e.fast ? "fast-path " : "") + e.set,
                        e.fast ? NFPROTO_NETDEV : NFPROTO_INET);
  m.put_str(NFTA_SET_ELEM_LIST_TABLE, kTableName);
  m.put_str(NFTA_SET_ELEM_LIST_SET, e.set);
  size_t elements = m.begin_nest(NFTA_SET_ELEM_LIST_ELEMENTS);
  size_t elem = m.begin_nest(NFTA_LIST_ELEM);
  size_t key = m.begin_nest(NFTA_SET_ELEM_KEY);
  std::vector<uint8_t> k = element_key(e);
  m.put(NFTA_DATA_VALUE, k.data(), k.size());
  m.end_nest(key);
  if (with_data && !e.goto_chain.empty()) {
    size_t data = m.begin_nest(NFTA_SET_ELEM_DATA);
    size_t verdict = m.begin_nest(NFTA_DATA_VERDICT);
    m.put_u32(NFTA_VERDICT_CODE, htonl(static_cast<uint32_t>(NFT_GOTO)));
    m.put_str(NFTA_VERDICT_CHAIN, e.goto_chain);
    m.end_nest(verdict);
    m.end_nest(data);
  }
  if (with_data && !e.data_ifname.empty()) {
    // iface_index: the interface index, a u32 in host byte order.
    uint32_t index = static_cast<uint32_t>(e.data_ifindex);
    size_t data = m.begin_nest(NFTA_SET_ELEM_DATA);
    m.put(NFTA_DATA_VALUE, &index, sizeof index);
    m.end_nest(data);
  }
  m.end_nest(elem);
  m.end_nest(elements);
  return m;
}

}  // namespace

std::vector<uint8_t> element_key(const ruleset::Element& e) {
  std::vector<uint8_t> k;
  if (e.ifname) {
    k.resize(IFNAMSIZ, 0);
    std::memcpy(k.data(), e.ifname->data(), std::min(e.ifname->size(), size_t{IFNAMSIZ - 1}));
  }
  if (e.addr) {
    auto bytes = e.addr->bytes();
    k.insert(k.end(), bytes.begin(), bytes.begin() + (e.addr->is_v4() ? 4 : 16));
  }
  return k;
}

NlMessage new_element(const ruleset::Element& e) {
  return element_message(NFT_MSG_NEWSETELEM, NLM_F_CREATE, e, true, "adding");
}

NlMessage del_element(const ruleset::Element& e) { return element_message(NFT_MSG_DELSETELEM, 0, e, false, "deleting"); }

NlMessage get_element(const ruleset::Element& e) {
  return element_message(NFT_MSG_GETSETELEM, 0, e, false, "looking up");
}

namespace {

// One expression of a rule: name and attributes, within NFTA_RULE_EXPRESSIONS.
template <class F>
void expr(NlMessage& m, const char* name, F&& attrs) {
  size_t elem = m.begin_nest(NFTA_LIST_ELEM);
  m.put_str(NFTA_EXPR_NAME, name);
  size_t data = m.begin_nest(NFTA_EXPR_DATA);
  attrs();
  m.end_nest(data);
  m.end_nest(elem);
}

// `ip daddr vmap @to_v4` (or the IPv6 one) as the kernel takes it in a
// netdev chain: the ethertype check nft adds for a network-header match,
// the destination address into register 1, the verdict map lookup.
NlMessage vmap_rule(const std::string& chain, bool v6) {
  NlMessage m = message(NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND,
                        std::string("adding the ") + (v6 ? "IPv6" : "IPv4") + " rule of " + chain, NFPROTO_NETDEV);
  m.put_str(NFTA_RULE_TABLE, kTableName);
  m.put_str(NFTA_RULE_CHAIN, chain);
  size_t exprs = m.begin_nest(NFTA_RULE_EXPRESSIONS);
  expr(m, "meta", [&] {
    m.put_u32(NFTA_META_KEY, htonl(NFT_META_PROTOCOL));
    m.put_u32(NFTA_META_DREG, htonl(NFT_REG_1));
  });
  expr(m, "cmp", [&] {
    m.put_u32(NFTA_CMP_SREG, htonl(NFT_REG_1));
    m.put_u32(NFTA_CMP_OP, htonl(NFT_CMP_EQ));
    size_t data = m.begin_nest(NFTA_CMP_DATA);
    uint16_t proto = htons(v6 ? ETH_P_IPV6 : ETH_P_IP);
    m.put(NFTA_DATA_VALUE, &proto, sizeof proto);
    m.end_nest(data);
  });
  expr(m, "payload", [&] {
    m.put_u32(NFTA_PAYLOAD_DREG, htonl(NFT_REG_1));
    m.put_u32(NFTA_PAYLOAD_BASE, htonl(NFT_PAYLOAD_NETWORK_HEADER));
    m.put_u32(NFTA_PAYLOAD_OFFSET, htonl(v6 ? 24 : 16));  // destination address
    m.put_u32(NFTA_PAYLOAD_LEN, htonl(v6 ? 16 : 4));
  });
  expr(m, "lookup", [&] {
    m.put_str(NFTA_LOOKUP_SET, v6 ? "to_v6" : "to_v4");
    m.put_u32(NFTA_LOOKUP_SREG, htonl(NFT_REG_1));
    m.put_u32(NFTA_LOOKUP_DREG, htonl(NFT_REG_VERDICT));
  });
  m.end_nest(exprs);
  return m;
}

}  // namespace

std::vector<NlMessage> new_ingress(const std::string& device) {
  const std::string chain = ruleset::ingress_chain(device);
  std::vector<NlMessage> out;
  NlMessage m = message(NFT_MSG_NEWCHAIN, NLM_F_CREATE | NLM_F_EXCL, "adding fast-path chain " + chain, NFPROTO_NETDEV);
  m.put_str(NFTA_CHAIN_TABLE, kTableName);
  m.put_str(NFTA_CHAIN_NAME, chain);
  m.put_str(NFTA_CHAIN_TYPE, "filter");
  m.put_u32(NFTA_CHAIN_POLICY, htonl(NF_ACCEPT));
  size_t hook = m.begin_nest(NFTA_CHAIN_HOOK);
  m.put_u32(NFTA_HOOK_HOOKNUM, htonl(NF_NETDEV_INGRESS));
  m.put_u32(NFTA_HOOK_PRIORITY, htonl(static_cast<uint32_t>(ruleset::kFastPriority)));
  m.put_str(NFTA_HOOK_DEV, device);
  m.end_nest(hook);
  out.push_back(std::move(m));
  out.push_back(vmap_rule(chain, false));
  out.push_back(vmap_rule(chain, true));
  return out;
}

NlMessage del_ingress(const std::string& device) {
  const std::string chain = ruleset::ingress_chain(device);
  NlMessage m = message(NFT_MSG_DELCHAIN, 0, "deleting fast-path chain " + chain, NFPROTO_NETDEV);
  m.put_str(NFTA_CHAIN_TABLE, kTableName);
  m.put_str(NFTA_CHAIN_NAME, chain);
  return m;
}

NlMessage get_chain(const std::string& chain, bool fast) {
  NlMessage m = message(NFT_MSG_GETCHAIN, 0, "looking up chain " + chain, fast ? NFPROTO_NETDEV : NFPROTO_INET);
  m.put_str(NFTA_CHAIN_TABLE, kTableName);
  m.put_str(NFTA_CHAIN_NAME, chain);
  return m;
}

}  // namespace netmod::dataplane::nftnl

#include "dataplane/nft_netlink.hpp"

#include <arpa/inet.h>
#include <linux/if.h>
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
  // Sized once and filled in place (growing it in two steps makes GCC 12
  // at -O2 warn, falsely, of an out-of-bounds copy).
  const size_t name_len = e.ifname ? IFNAMSIZ : 0;
  const size_t addr_len = e.addr ? (e.addr->is_v4() ? 4 : 16) : 0;
  std::vector<uint8_t> k(name_len + addr_len, 0);
  if (e.ifname) std::memcpy(k.data(), e.ifname->data(), std::min(e.ifname->size(), size_t{IFNAMSIZ - 1}));
  if (e.addr) {
    const auto bytes = e.addr->bytes();
    std::memcpy(k.data() + name_len, bytes.data(), addr_len);
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

std::vector<NlMessage> add_fast_hook(const std::string& device) {
  const std::string chain = ruleset::fast_hook_chain(device);
  std::vector<NlMessage> out;
  // The base chain (an existing one with this hook is left as it is).
  NlMessage c = message(NFT_MSG_NEWCHAIN, NLM_F_CREATE, "hooking the fast path on " + device, NFPROTO_NETDEV);
  c.put_str(NFTA_CHAIN_TABLE, kTableName);
  c.put_str(NFTA_CHAIN_NAME, chain);
  c.put_str(NFTA_CHAIN_TYPE, "filter");
  size_t hook = c.begin_nest(NFTA_CHAIN_HOOK);
  c.put_u32(NFTA_HOOK_HOOKNUM, htonl(NF_NETDEV_INGRESS));
  c.put_u32(NFTA_HOOK_PRIORITY, htonl(static_cast<uint32_t>(ruleset::kFastPriority)));
  size_t devs = c.begin_nest(NFTA_HOOK_DEVS);
  c.put_str(NFTA_DEVICE_NAME, device);
  c.end_nest(devs);
  c.end_nest(hook);
  c.put_u32(NFTA_CHAIN_POLICY, htonl(NF_ACCEPT));
  out.push_back(std::move(c));
  // Its rules flushed (a DELRULE without a handle) and its one rule:
  // goto fast (an immediate verdict).
  NlMessage flush = message(NFT_MSG_DELRULE, 0, "flushing the fast-path hook of " + device, NFPROTO_NETDEV);
  flush.put_str(NFTA_RULE_TABLE, kTableName);
  flush.put_str(NFTA_RULE_CHAIN, chain);
  out.push_back(std::move(flush));
  NlMessage r = message(NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, "adding the fast-path rule of " + device,
                        NFPROTO_NETDEV);
  r.put_str(NFTA_RULE_TABLE, kTableName);
  r.put_str(NFTA_RULE_CHAIN, chain);
  size_t exprs = r.begin_nest(NFTA_RULE_EXPRESSIONS);
  size_t elem = r.begin_nest(NFTA_LIST_ELEM);
  r.put_str(NFTA_EXPR_NAME, "immediate");
  size_t data = r.begin_nest(NFTA_EXPR_DATA);
  r.put_u32(NFTA_IMMEDIATE_DREG, htonl(NFT_REG_VERDICT));
  size_t value = r.begin_nest(NFTA_IMMEDIATE_DATA);
  size_t verdict = r.begin_nest(NFTA_DATA_VERDICT);
  r.put_u32(NFTA_VERDICT_CODE, htonl(static_cast<uint32_t>(NFT_GOTO)));
  r.put_str(NFTA_VERDICT_CHAIN, ruleset::kFastChain);
  r.end_nest(verdict);
  r.end_nest(value);
  r.end_nest(data);
  r.end_nest(elem);
  r.end_nest(exprs);
  out.push_back(std::move(r));
  return out;
}

NlMessage del_fast_hook(const std::string& device) {
  // Without NLM_F_NONREC the kernel deletes the chain's rules with it.
  NlMessage m = message(NFT_MSG_DELCHAIN, 0, "unhooking the fast path from " + device, NFPROTO_NETDEV);
  m.put_str(NFTA_CHAIN_TABLE, kTableName);
  m.put_str(NFTA_CHAIN_NAME, ruleset::fast_hook_chain(device));
  return m;
}

namespace {

// A request naming one chain or set of netmod's table (the fast-path
// table with `fast`).
NlMessage object_message(uint8_t type, uint16_t flags, const std::string& what, const std::string& name, bool chain,
                         bool fast) {
  NlMessage m = message(type, flags, what + " " + name, fast ? NFPROTO_NETDEV : NFPROTO_INET);
  m.put_str(chain ? uint16_t{NFTA_CHAIN_TABLE} : uint16_t{NFTA_SET_TABLE}, kTableName);
  m.put_str(chain ? uint16_t{NFTA_CHAIN_NAME} : uint16_t{NFTA_SET_NAME}, name);
  return m;
}

}  // namespace

NlMessage get_set(const std::string& set, bool fast) {
  return object_message(NFT_MSG_GETSET, 0, "looking up set", set, false, fast);
}

NlMessage del_chain(const std::string& chain, bool fast) {
  return object_message(NFT_MSG_DELCHAIN, 0, "deleting chain", chain, true, fast);
}

NlMessage del_set(const std::string& set, bool fast) {
  return object_message(NFT_MSG_DELSET, NLM_F_NONREC, "deleting set", set, false, fast);
}

NlMessage get_chain(const std::string& chain, bool fast) {
  return object_message(NFT_MSG_GETCHAIN, 0, "looking up chain", chain, true, fast);
}

}  // namespace netmod::dataplane::nftnl

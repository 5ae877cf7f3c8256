#include "dataplane/nft_state.hpp"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <algorithm>
#include <cstring>

#include "dataplane/nft_netlink.hpp"
#include "dataplane/nl_attrs.hpp"

namespace netmod::dataplane::nftstate {

namespace {

constexpr const char* kTableName = "netmod";

using namespace nlattr_read;

Attrs attributes(const nlmsghdr* h) { return nlattr_read::attributes(h, sizeof(nfgenmsg)); }

bool is_type(const nlmsghdr* h, uint8_t type) {
  return (h->nlmsg_type >> 8) == NFNL_SUBSYS_NFTABLES && (h->nlmsg_type & 0xff) == type;
}

NlMessage dump_request(uint8_t type, bool fast, const std::string& what) {
  NlMessage m(static_cast<uint16_t>((NFNL_SUBSYS_NFTABLES << 8) | type), NLM_F_DUMP, what);
  auto* nfg = m.put_family_header<nfgenmsg>();
  nfg->nfgen_family = fast ? NFPROTO_NETDEV : NFPROTO_INET;
  nfg->version = NFNETLINK_V0;
  return m;
}

bool printable_name(const std::vector<uint8_t>& k, size_t at) {
  if (k.size() < at + IFNAMSIZ || k[at] == 0) return false;
  bool ended = false;
  for (size_t i = at; i < at + IFNAMSIZ; ++i) {
    if (k[i] == 0) {
      ended = true;
    } else if (ended || k[i] < 0x21 || k[i] > 0x7e) {
      return false;
    }
  }
  return ended;
}

std::string address_text(const uint8_t* p, size_t n) {
  net::U128 v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
  return net::IpAddress::from_integer(n == 4 ? net::Family::v4 : net::Family::v6, v).str();
}

}  // namespace

bool Table::has_set(std::string_view name) const { return std::find(sets.begin(), sets.end(), name) != sets.end(); }

const Chain* Table::chain(std::string_view name) const {
  for (const auto& c : chains) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

bool holds_task_elements(std::string_view set, bool fast) {
  if (fast) {
    return set == "to_v4" || set == "to_v6" || set == "dev_v4" || set == "dev_v6" || set.starts_with("gi4_") ||
           set.starts_with("gi6_");
  }
  for (const char* s : ruleset::kTaskSets) {
    if (set == s) return true;
  }
  return set.starts_with("g4_") || set.starts_with("g6_");
}

bool holds_pool_elements(std::string_view set, bool fast) {
  return !fast && (set == "pools_v4" || set == "pools_v6" || set == "nat_v4" || set == "nat_v6");
}

std::vector<KernelElement> interval_elements(const std::string& set, const std::vector<net::Cidr>& cidrs) {
  std::vector<KernelElement> out;
  for (const auto& c : cidrs) {
    const size_t n = c.family() == net::Family::v4 ? 4 : 16;
    auto bytes_of_address = [n](const net::IpAddress& a) {
      auto b = a.bytes();
      return std::vector<uint8_t>(b.begin(), b.begin() + static_cast<long>(n));
    };
    out.push_back({false, set, bytes_of_address(c.network()), "", std::nullopt, false});
    const net::U128 last = c.last().to_integer();
    const net::U128 max = n == 4 ? net::U128{0xffffffffu} : ~net::U128{0};
    if (last != max) {
      out.push_back({false, set, bytes_of_address(net::IpAddress::from_integer(c.family(), last + 1)), "", std::nullopt,
                     true});
    }
  }
  return out;
}

std::optional<std::string> parse_table_comment(const nlmsghdr* h) {
  if (!is_type(h, NFT_MSG_NEWTABLE)) return std::nullopt;
  Attrs a = attributes(h);
  if (str_of(a[NFTA_TABLE_NAME]) != kTableName) return std::nullopt;
  // nft's userdata: TLVs of a type byte, a length byte and the value; the
  // comment is type 0 (NFTNL_UDATA_TABLE_COMMENT), NUL-terminated.
  std::vector<uint8_t> ud = bytes_of(a[NFTA_TABLE_USERDATA]);
  for (size_t i = 0; i + 2 <= ud.size();) {
    uint8_t type = ud[i], len = ud[i + 1];
    if (i + 2 + len > ud.size()) break;
    if (type == 0) {
      const char* p = reinterpret_cast<const char*>(ud.data() + i + 2);
      return std::string(p, strnlen(p, len));
    }
    i += 2 + len;
  }
  return std::string();
}

std::optional<std::string> parse_set_name(const nlmsghdr* h) {
  if (!is_type(h, NFT_MSG_NEWSET)) return std::nullopt;
  Attrs a = attributes(h);
  if (str_of(a[NFTA_SET_TABLE]) != kTableName || !a[NFTA_SET_NAME]) return std::nullopt;
  return str_of(a[NFTA_SET_NAME]);
}

std::optional<Chain> parse_chain(const nlmsghdr* h) {
  if (!is_type(h, NFT_MSG_NEWCHAIN)) return std::nullopt;
  Attrs a = attributes(h);
  if (str_of(a[NFTA_CHAIN_TABLE]) != kTableName || !a[NFTA_CHAIN_NAME]) return std::nullopt;
  Chain c;
  c.name = str_of(a[NFTA_CHAIN_NAME]);
  Attrs hook = nested(a[NFTA_CHAIN_HOOK]);
  // The kernel lists the devices (NFTA_HOOK_DEVS) and, of a chain hooked
  // on one, names it again (NFTA_HOOK_DEV; the only form of old kernels).
  if (const nlattr* devs = hook[NFTA_HOOK_DEVS]) {
    for (const nlattr* d : children(devs)) {
      if (mnl_attr_get_type(d) == NFTA_DEVICE_NAME) c.devices.push_back(str_of(d));
    }
  } else if (hook[NFTA_HOOK_DEV]) {
    c.devices.push_back(str_of(hook[NFTA_HOOK_DEV]));
  }
  return c;
}

std::vector<KernelElement> parse_elements(const nlmsghdr* h, bool fast) {
  std::vector<KernelElement> out;
  if (!is_type(h, NFT_MSG_NEWSETELEM)) return out;
  Attrs a = attributes(h);
  if (str_of(a[NFTA_SET_ELEM_LIST_TABLE]) != kTableName || !a[NFTA_SET_ELEM_LIST_ELEMENTS]) return out;
  const std::string set = str_of(a[NFTA_SET_ELEM_LIST_SET]);
  for (const nlattr* e : children(a[NFTA_SET_ELEM_LIST_ELEMENTS])) {
    if (mnl_attr_get_type(e) != NFTA_LIST_ELEM) continue;
    Attrs el = nested(e);
    Attrs key = nested(el[NFTA_SET_ELEM_KEY]);
    if (!key[NFTA_DATA_VALUE]) continue;
    KernelElement k;
    k.fast = fast;
    k.set = set;
    k.key = bytes_of(key[NFTA_DATA_VALUE]);
    if (el[NFTA_SET_ELEM_FLAGS] && mnl_attr_get_payload_len(el[NFTA_SET_ELEM_FLAGS]) == 4) {
      k.interval_end = (ntohl(mnl_attr_get_u32(el[NFTA_SET_ELEM_FLAGS])) & NFT_SET_ELEM_INTERVAL_END) != 0;
    }
    Attrs data = nested(el[NFTA_SET_ELEM_DATA]);
    if (data[NFTA_DATA_VERDICT]) {
      Attrs v = nested(data[NFTA_DATA_VERDICT]);
      k.goto_chain = str_of(v[NFTA_VERDICT_CHAIN]);
    } else if (data[NFTA_DATA_VALUE] && mnl_attr_get_payload_len(data[NFTA_DATA_VALUE]) == 4) {
      uint32_t index;
      std::memcpy(&index, mnl_attr_get_payload(data[NFTA_DATA_VALUE]), 4);
      k.data_ifindex = index;
    }
    out.push_back(std::move(k));
  }
  return out;
}

std::optional<std::string> parse_rule_chain(const nlmsghdr* h) {
  if (!is_type(h, NFT_MSG_NEWRULE)) return std::nullopt;
  Attrs a = attributes(h);
  if (str_of(a[NFTA_RULE_TABLE]) != kTableName || !a[NFTA_RULE_CHAIN]) return std::nullopt;
  return str_of(a[NFTA_RULE_CHAIN]);
}

Result<State> read(NetlinkSocket& nf) {
  State st;
  for (bool fast : {false, true}) {
    Table& t = fast ? st.netdev : st.inet;
    NlMessage table = dump_request(NFT_MSG_GETTABLE, fast, "listing nftables tables");
    NETMOD_TRY(nf.request(table, [&](const nlmsghdr* h) {
      if (auto c = parse_table_comment(h)) {
        t.present = true;
        t.comment = *c;
      }
    }));
    if (!t.present) continue;
    NlMessage sets = dump_request(NFT_MSG_GETSET, fast, "listing nftables sets");
    sets.put_str(NFTA_SET_TABLE, kTableName);
    NETMOD_TRY(nf.request(sets, [&](const nlmsghdr* h) {
      if (auto n = parse_set_name(h)) t.sets.push_back(*n);
    }));
    NlMessage chains = dump_request(NFT_MSG_GETCHAIN, fast, "listing nftables chains");
    chains.put_str(NFTA_CHAIN_TABLE, kTableName);
    NETMOD_TRY(nf.request(chains, [&](const nlmsghdr* h) {
      if (auto c = parse_chain(h)) t.chains.push_back(std::move(*c));
    }));
    NlMessage rules = dump_request(NFT_MSG_GETRULE, fast, "listing nftables rules");
    rules.put_str(NFTA_RULE_TABLE, kTableName);
    NETMOD_TRY(nf.request(rules, [&](const nlmsghdr* h) {
      if (auto c = parse_rule_chain(h)) ++t.rule_counts[*c];
    }));
    for (const auto& set : t.sets) {
      if (!holds_task_elements(set, fast) && !holds_pool_elements(set, fast)) continue;
      NlMessage elems = dump_request(NFT_MSG_GETSETELEM, fast, "listing elements of " + set);
      elems.put_str(NFTA_SET_ELEM_LIST_TABLE, kTableName);
      elems.put_str(NFTA_SET_ELEM_LIST_SET, set);
      NETMOD_TRY(nf.request(elems, [&](const nlmsghdr* h) {
        for (auto& e : parse_elements(h, fast)) st.elements.push_back(std::move(e));
      }));
    }
  }
  return st;
}

KernelElement kernel_form(const ruleset::Element& e) {
  KernelElement k;
  k.fast = e.fast;
  k.set = e.set;
  k.key = nftnl::element_key(e);
  k.goto_chain = e.goto_chain;
  if (!e.data_ifname.empty()) k.data_ifindex = static_cast<uint32_t>(e.data_ifindex);
  return k;
}

std::string describe(const KernelElement& e) {
  std::string key;
  const auto& k = e.key;
  size_t at = 0;
  if (printable_name(k, 0)) {
    key = "\"" + std::string(reinterpret_cast<const char*>(k.data())) + "\"";
    at = IFNAMSIZ;
  }
  if (k.size() - at == 4 || k.size() - at == 16) {
    key += (key.empty() ? "" : " . ") + address_text(k.data() + at, k.size() - at);
  } else if (k.size() != at) {
    static const char* hex = "0123456789abcdef";
    key = "0x";
    for (uint8_t b : k) key += std::string{hex[b >> 4], hex[b & 15]};
  }
  return std::string(e.fast ? "fast/" : "") + e.set + ": " + key;
}

NlMessage del_element(const KernelElement& e) {
  NlMessage m(static_cast<uint16_t>((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_DELSETELEM), 0,
              "deleting element " + describe(e));
  auto* nfg = m.put_family_header<nfgenmsg>();
  nfg->nfgen_family = e.fast ? NFPROTO_NETDEV : NFPROTO_INET;
  nfg->version = NFNETLINK_V0;
  m.put_str(NFTA_SET_ELEM_LIST_TABLE, kTableName);
  m.put_str(NFTA_SET_ELEM_LIST_SET, e.set);
  size_t elements = m.begin_nest(NFTA_SET_ELEM_LIST_ELEMENTS);
  size_t elem = m.begin_nest(NFTA_LIST_ELEM);
  size_t key = m.begin_nest(NFTA_SET_ELEM_KEY);
  m.put(NFTA_DATA_VALUE, e.key.data(), e.key.size());
  m.end_nest(key);
  m.end_nest(elem);
  m.end_nest(elements);
  return m;
}

}  // namespace netmod::dataplane::nftstate

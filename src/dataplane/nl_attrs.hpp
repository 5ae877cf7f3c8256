// Reading netlink attributes (through libmnl): a message's or a nest's
// attributes by type, a nest's in order, and their values. Shared by the
// dump readers (kernel_state, nft_state) and the simulated kernel.
#pragma once

#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace netmod::dataplane::nlattr_read {

// The attributes of one message or nest, by type (the last of each type
// wins; types from kMax on are ignored).
struct Attrs {
  static constexpr int kMax = 64;
  const nlattr* at[kMax] = {};
  const nlattr* operator[](int type) const { return type < kMax ? at[type] : nullptr; }
};

inline int collect(const nlattr* attr, void* data) {
  auto* out = static_cast<Attrs*>(data);
  const int type = mnl_attr_get_type(attr);
  if (type < Attrs::kMax) out->at[type] = attr;
  return MNL_CB_OK;
}

// The attributes after a message's family header of `family_header` bytes.
inline Attrs attributes(const nlmsghdr* h, size_t family_header) {
  Attrs a;
  if (h->nlmsg_len >= NLMSG_SPACE(family_header)) mnl_attr_parse(h, static_cast<unsigned>(family_header), collect, &a);
  return a;
}

inline Attrs nested(const nlattr* n) {
  Attrs a;
  if (n) mnl_attr_parse_nested(n, collect, &a);
  return a;
}

// The attributes nested in `n`, in order (lists: devices, elements).
inline std::vector<const nlattr*> children(const nlattr* n) {
  std::vector<const nlattr*> out;
  if (!n) return out;
  const auto* a = static_cast<const nlattr*>(mnl_attr_get_payload(n));
  int len = static_cast<int>(mnl_attr_get_payload_len(n));
  while (len >= static_cast<int>(sizeof(nlattr)) && a->nla_len >= sizeof(nlattr) && a->nla_len <= len) {
    out.push_back(a);
    const int step = static_cast<int>(MNL_ALIGN(a->nla_len));
    len -= step;
    a = reinterpret_cast<const nlattr*>(reinterpret_cast<const char*>(a) + step);
  }
  return out;
}

// A string attribute's value, up to its first NUL ("" when absent).
inline std::string str_of(const nlattr* a) {
  if (!a) return "";
  const char* p = static_cast<const char*>(mnl_attr_get_payload(a));
  return std::string(p, strnlen(p, mnl_attr_get_payload_len(a)));
}

inline std::vector<uint8_t> bytes_of(const nlattr* a) {
  if (!a) return {};
  const auto* p = static_cast<const uint8_t*>(mnl_attr_get_payload(a));
  return std::vector<uint8_t>(p, p + mnl_attr_get_payload_len(a));
}

}  // namespace netmod::dataplane::nlattr_read

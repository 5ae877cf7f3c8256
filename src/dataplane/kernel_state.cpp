#include "dataplane/kernel_state.hpp"

#include "dataplane/nl_attrs.hpp"

#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>

namespace netmod::dataplane::state {

namespace {

using namespace nlattr_read;

std::optional<net::IpAddress> address_of(const nlattr* a, uint8_t family) {
  if (!a) return std::nullopt;
  size_t want = family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
  if (want == 0 || mnl_attr_get_payload_len(a) != want) return std::nullopt;
  const auto* p = static_cast<const uint8_t*>(mnl_attr_get_payload(a));
  net::U128 v = 0;
  for (size_t i = 0; i < want; ++i) v = (v << 8) | p[i];
  return net::IpAddress::from_integer(family == AF_INET ? net::Family::v4 : net::Family::v6, v);
}

std::optional<rtnl::Mac> mac_of(const nlattr* a) {
  if (!a || mnl_attr_get_payload_len(a) != 6) return std::nullopt;
  rtnl::Mac m;
  std::memcpy(m.data(), mnl_attr_get_payload(a), 6);
  return m;
}

uint32_t u32_of(const nlattr* a, uint32_t otherwise = 0) {
  return a && mnl_attr_get_payload_len(a) >= 4 ? mnl_attr_get_u32(a) : otherwise;
}

uint8_t af(net::Family f) { return f == net::Family::v4 ? AF_INET : AF_INET6; }

template <class T>
Result<std::vector<T>> dump(NetlinkSocket& sock, uint16_t type, uint8_t family, const char* what,
                            std::optional<T> (*parse)(const nlmsghdr*)) {
  NlMessage m(type, NLM_F_DUMP, what);
  // Every dump request starts with a family byte; rtgenmsg is the smallest.
  m.put_family_header<rtgenmsg>()->rtgen_family = family;
  std::vector<T> out;
  NETMOD_TRY(sock.request(m, [&](const nlmsghdr* h) {
    if (auto v = parse(h)) out.push_back(std::move(*v));
  }));
  return out;
}

}  // namespace

std::optional<Link> parse_link(const nlmsghdr* h) {
  if (h->nlmsg_type != RTM_NEWLINK || h->nlmsg_len < NLMSG_SPACE(sizeof(ifinfomsg))) return std::nullopt;
  const auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(h));
  Attrs a = attributes(h, sizeof(ifinfomsg));
  if (!a[IFLA_IFNAME]) return std::nullopt;
  Link l;
  l.index = ifi->ifi_index;
  l.name = mnl_attr_get_str(a[IFLA_IFNAME]);
  l.group = u32_of(a[IFLA_GROUP]);
  l.up = ifi->ifi_flags & IFF_UP;
  l.mac = mac_of(a[IFLA_ADDRESS]);
  l.mtu = u32_of(a[IFLA_MTU]);
  l.peer_index = static_cast<int>(u32_of(a[IFLA_LINK]));
  return l;
}

std::optional<Address> parse_address(const nlmsghdr* h) {
  if (h->nlmsg_type != RTM_NEWADDR || h->nlmsg_len < NLMSG_SPACE(sizeof(ifaddrmsg))) return std::nullopt;
  const auto* ifa = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(h));
  Attrs a = attributes(h, sizeof(ifaddrmsg));
  auto addr = address_of(a[IFA_LOCAL] ? a[IFA_LOCAL] : a[IFA_ADDRESS], ifa->ifa_family);
  if (!addr) return std::nullopt;
  return Address{static_cast<int>(ifa->ifa_index), *addr, ifa->ifa_prefixlen};
}

std::optional<Route> parse_route(const nlmsghdr* h) {
  if (h->nlmsg_type != RTM_NEWROUTE || h->nlmsg_len < NLMSG_SPACE(sizeof(rtmsg))) return std::nullopt;
  const auto* rt = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(h));
  if (rt->rtm_family != AF_INET && rt->rtm_family != AF_INET6) return std::nullopt;
  Attrs a = attributes(h, sizeof(rtmsg));
  auto dst_addr = address_of(a[RTA_DST], rt->rtm_family);
  if (!dst_addr) {
    dst_addr = net::IpAddress::from_integer(rt->rtm_family == AF_INET ? net::Family::v4 : net::Family::v6, 0);
  }
  auto dst = net::Cidr::containing(*dst_addr, rt->rtm_dst_len);
  if (!dst) return std::nullopt;
  Route r{*dst, static_cast<int>(u32_of(a[RTA_OIF])), address_of(a[RTA_GATEWAY], rt->rtm_family),
          u32_of(a[RTA_TABLE], rt->rtm_table), rt->rtm_protocol, rt->rtm_type, rt->rtm_scope};
  return r;
}

std::optional<Rule> parse_rule(const nlmsghdr* h) {
  if (h->nlmsg_type != RTM_NEWRULE || h->nlmsg_len < NLMSG_SPACE(sizeof(fib_rule_hdr))) return std::nullopt;
  const auto* fr = static_cast<const fib_rule_hdr*>(mnl_nlmsg_get_payload(h));
  if (fr->family != AF_INET && fr->family != AF_INET6) return std::nullopt;
  Attrs a = attributes(h, sizeof(fib_rule_hdr));
  Rule r;
  r.family = fr->family == AF_INET ? net::Family::v4 : net::Family::v6;
  if (auto src = address_of(a[FRA_SRC], fr->family)) {
    auto c = net::Cidr::containing(*src, fr->src_len);
    if (c) r.src = *c;
  }
  r.table = u32_of(a[FRA_TABLE], fr->table);
  r.priority = u32_of(a[FRA_PRIORITY]);
  if (a[FRA_PROTOCOL]) r.protocol = mnl_attr_get_u8(a[FRA_PROTOCOL]);
  return r;
}

std::optional<Neighbour> parse_neighbour(const nlmsghdr* h) {
  if (h->nlmsg_type != RTM_NEWNEIGH || h->nlmsg_len < NLMSG_SPACE(sizeof(ndmsg))) return std::nullopt;
  const auto* nd = static_cast<const ndmsg*>(mnl_nlmsg_get_payload(h));
  Attrs a = attributes(h, sizeof(ndmsg));
  auto ip = address_of(a[NDA_DST], nd->ndm_family);
  if (!ip) return std::nullopt;
  return Neighbour{nd->ndm_ifindex, *ip, mac_of(a[NDA_LLADDR]), nd->ndm_state, nd->ndm_flags};
}

Result<std::vector<Link>> links(NetlinkSocket& sock) {
  return dump<Link>(sock, RTM_GETLINK, AF_UNSPEC, "listing links", parse_link);
}

Result<std::vector<Address>> addresses(NetlinkSocket& sock) {
  return dump<Address>(sock, RTM_GETADDR, AF_UNSPEC, "listing addresses", parse_address);
}

Result<std::vector<Route>> routes(NetlinkSocket& sock, net::Family family) {
  return dump<Route>(sock, RTM_GETROUTE, af(family), "listing routes", parse_route);
}

Result<std::vector<Rule>> rules(NetlinkSocket& sock, net::Family family) {
  return dump<Rule>(sock, RTM_GETRULE, af(family), "listing routing rules", parse_rule);
}

Result<std::vector<Neighbour>> neighbours(NetlinkSocket& sock, net::Family family) {
  return dump<Neighbour>(sock, RTM_GETNEIGH, af(family), "listing neighbours", parse_neighbour);
}

Result<std::vector<Neighbour>> proxy_neighbours(NetlinkSocket& sock, net::Family family) {
  // Proxy entries are a table of their own, dumped when the request's
  // ndmsg asks for NTF_PROXY.
  NlMessage m(RTM_GETNEIGH, NLM_F_DUMP, "listing proxy neighbours");
  auto* nd = m.put_family_header<ndmsg>();
  nd->ndm_family = af(family);
  nd->ndm_flags = NTF_PROXY;
  std::vector<Neighbour> out;
  NETMOD_TRY(sock.request(m, [&](const nlmsghdr* h) {
    if (auto v = parse_neighbour(h); v && (v->flags & NTF_PROXY)) out.push_back(std::move(*v));
  }));
  return out;
}

}  // namespace netmod::dataplane::state

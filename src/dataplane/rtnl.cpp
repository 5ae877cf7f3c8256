#include "dataplane/rtnl.hpp"

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/fib_rules.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sys/socket.h>

#include <cstdio>

namespace netmod::dataplane::rtnl {

namespace {

uint8_t af(const net::IpAddress& a) { return a.is_v4() ? AF_INET : AF_INET6; }

void put_addr(NlMessage& m, uint16_t type, const net::IpAddress& a) {
  auto b = a.bytes();
  m.put(type, b.data(), a.is_v4() ? 4 : 16);
}

net::IpAddress addr_from(const void* data, uint8_t family) {
  const auto* p = static_cast<const uint8_t*>(data);
  net::U128 v = 0;
  int n = family == AF_INET ? 4 : 16;
  for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
  return net::IpAddress::from_integer(family == AF_INET ? net::Family::v4 : net::Family::v6, v);
}

NlMessage route_message(uint16_t type, uint16_t flags, const Route& r, const char* verb) {
  NlMessage m(type, flags, std::string(verb) + " route " + r.dst.str());
  auto* rt = m.put_family_header<rtmsg>();
  rt->rtm_family = af(r.dst.network());
  rt->rtm_dst_len = static_cast<uint8_t>(r.dst.prefix_len());
  // Tables past 255 are named by attribute only.
  const uint32_t table = r.table ? r.table : static_cast<uint32_t>(RT_TABLE_MAIN);
  rt->rtm_table = table < 256 ? static_cast<uint8_t>(table) : static_cast<uint8_t>(RT_TABLE_UNSPEC);
  rt->rtm_protocol = kRouteProtocol;
  rt->rtm_scope = r.scope_link ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
  rt->rtm_type = r.blackhole ? RTN_BLACKHOLE : RTN_UNICAST;
  put_addr(m, RTA_DST, r.dst.network());
  if (table >= 256) m.put_u32(RTA_TABLE, table);
  if (r.oif) m.put_u32(RTA_OIF, static_cast<uint32_t>(r.oif));
  if (r.gateway) {
    put_addr(m, RTA_GATEWAY, *r.gateway);
    // The tasks' 169.254.1.1 is on-link by fiat; a route via another host
    // (no device given) finds its gateway on a connected network.
    if (r.gateway->is_v4() && r.oif) rt->rtm_flags |= RTNH_F_ONLINK;
  }
  return m;
}

NlMessage new_neighbour(int ifindex, const net::IpAddress& ip, uint16_t state, uint8_t flags, const std::string& what) {
  NlMessage m(RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, what + " " + ip.str());
  auto* nd = m.put_family_header<ndmsg>();
  nd->ndm_family = af(ip);
  nd->ndm_ifindex = ifindex;
  nd->ndm_state = state;
  nd->ndm_flags = flags;
  put_addr(m, NDA_DST, ip);
  return m;
}

}  // namespace

std::string mac_str(const Mac& m) {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
  return buf;
}

NlMessage new_veth(const std::string& host_name, const Mac& host_mac, uint32_t host_group,
                   const std::string& peer_name, const Mac& peer_mac, int peer_netns_fd, uint32_t mtu) {
  NlMessage m(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, "creating veth " + host_name);
  auto* ifi = m.put_family_header<ifinfomsg>();
  ifi->ifi_family = AF_UNSPEC;
  // The host end without IFF_MULTICAST (flags 0 under the mask): it sends
  // no multicast and joins no all-routers group, so no MLD reports, each of
  // which makes the kernel search the host's per-interface multicast routes.
  ifi->ifi_change = IFF_MULTICAST;
  m.put_str(IFLA_IFNAME, host_name);
  m.put(IFLA_ADDRESS, host_mac.data(), host_mac.size());
  m.put_u32(IFLA_MTU, mtu);
  m.put_u32(IFLA_GROUP, host_group);
  // One queue each way, asked for up front. Without it the kernel makes a
  // veth with a queue per CPU and then cuts it to one on each end, waiting
  // for an RCU grace period each time (about 0.1-0.2 ms per end here).
  m.put_u32(IFLA_NUM_TX_QUEUES, 1);
  m.put_u32(IFLA_NUM_RX_QUEUES, 1);
  size_t linkinfo = m.begin_nest(IFLA_LINKINFO);
  m.put_str(IFLA_INFO_KIND, "veth");
  size_t data = m.begin_nest(IFLA_INFO_DATA);
  size_t peer = m.begin_nest(VETH_INFO_PEER);
  auto* pifi = m.put_family_header<ifinfomsg>();
  pifi->ifi_family = AF_UNSPEC;
  m.put_str(IFLA_IFNAME, peer_name);
  m.put(IFLA_ADDRESS, peer_mac.data(), peer_mac.size());
  m.put_u32(IFLA_MTU, mtu);
  m.put_u32(IFLA_NUM_TX_QUEUES, 1);
  m.put_u32(IFLA_NUM_RX_QUEUES, 1);
  m.put_u32(IFLA_NET_NS_FD, static_cast<uint32_t>(peer_netns_fd));
  m.end_nest(peer);
  m.end_nest(data);
  m.end_nest(linkinfo);
  return m;
}

NlMessage set_link_up(const std::string& name) {
  NlMessage m(RTM_NEWLINK, 0, "setting link " + name + " up");
  auto* ifi = m.put_family_header<ifinfomsg>();
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_flags = IFF_UP;
  ifi->ifi_change = IFF_UP;
  m.put_str(IFLA_IFNAME, name);
  return m;
}

NlMessage set_link_group(const std::string& name, uint32_t group) {
  NlMessage m(RTM_NEWLINK, 0, "setting the group of link " + name);
  m.put_family_header<ifinfomsg>()->ifi_family = AF_UNSPEC;
  m.put_str(IFLA_IFNAME, name);
  m.put_u32(IFLA_GROUP, group);
  return m;
}

NlMessage set_no_ipv6_address(const std::string& name) {
  NlMessage m(RTM_NEWLINK, 0, "turning off IPv6 address generation on link " + name);
  m.put_family_header<ifinfomsg>()->ifi_family = AF_UNSPEC;
  m.put_str(IFLA_IFNAME, name);
  size_t spec = m.begin_nest(IFLA_AF_SPEC);
  size_t inet6 = m.begin_nest(AF_INET6);
  uint8_t mode = IN6_ADDR_GEN_MODE_NONE;
  m.put(IFLA_INET6_ADDR_GEN_MODE, &mode, sizeof mode);
  m.end_nest(inet6);
  m.end_nest(spec);
  return m;
}

NlMessage del_link(const std::string& name) {
  NlMessage m(RTM_DELLINK, 0, "deleting link " + name);
  auto* ifi = m.put_family_header<ifinfomsg>();
  ifi->ifi_family = AF_UNSPEC;
  m.put_str(IFLA_IFNAME, name);
  return m;
}

NlMessage del_link(int ifindex) {
  NlMessage m(RTM_DELLINK, 0, "deleting link " + std::to_string(ifindex));
  auto* ifi = m.put_family_header<ifinfomsg>();
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = ifindex;
  return m;
}

NlMessage add_address(int ifindex, const net::IpAddress& addr, bool nodad) {
  NlMessage m(RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, "adding address " + addr.str());
  auto* ifa = m.put_family_header<ifaddrmsg>();
  ifa->ifa_family = af(addr);
  ifa->ifa_prefixlen = static_cast<uint8_t>(addr.bits());
  ifa->ifa_index = static_cast<uint32_t>(ifindex);
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  put_addr(m, IFA_LOCAL, addr);
  put_addr(m, IFA_ADDRESS, addr);
  if (nodad) m.put_u32(IFA_FLAGS, IFA_F_NODAD);
  return m;
}

NlMessage add_route(const Route& r) { return route_message(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, r, "adding"); }

NlMessage del_route(const Route& r) { return route_message(RTM_DELROUTE, 0, r, "deleting"); }

namespace {

NlMessage rule_message(uint16_t type, uint16_t flags, const Rule& r, const char* verb) {
  NlMessage m(type, flags, std::string(verb) + " routing rule from " + r.src.str() + " to table " + std::to_string(r.table));
  auto* fr = m.put_family_header<fib_rule_hdr>();
  fr->family = af(r.src.network());
  fr->src_len = static_cast<uint8_t>(r.src.prefix_len());
  fr->action = FR_ACT_TO_TBL;
  fr->table = r.table < 256 ? static_cast<uint8_t>(r.table) : static_cast<uint8_t>(RT_TABLE_UNSPEC);
  put_addr(m, FRA_SRC, r.src.network());
  m.put_u32(FRA_TABLE, r.table);
  m.put_u32(FRA_PRIORITY, r.priority);
  uint8_t proto = kRouteProtocol;
  m.put(FRA_PROTOCOL, &proto, sizeof proto);
  return m;
}

}  // namespace

NlMessage add_rule(const Rule& r) { return rule_message(RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, r, "adding"); }

NlMessage del_rule(const Rule& r) { return rule_message(RTM_DELRULE, 0, r, "deleting"); }

NlMessage add_neighbour(int ifindex, const net::IpAddress& ip, const Mac& mac) {
  NlMessage m = new_neighbour(ifindex, ip, NUD_PERMANENT, 0, "adding neighbour");
  m.put(NDA_LLADDR, mac.data(), mac.size());
  return m;
}

NlMessage add_proxy_neighbour(int ifindex, const net::IpAddress& ip) {
  return new_neighbour(ifindex, ip, 0, NTF_PROXY, "adding proxy neighbour");
}

NlMessage del_neighbour(int ifindex, const net::IpAddress& ip) {
  NlMessage m(RTM_DELNEIGH, 0, "deleting neighbour " + ip.str());
  auto* nd = m.put_family_header<ndmsg>();
  nd->ndm_family = af(ip);
  nd->ndm_ifindex = ifindex;
  put_addr(m, NDA_DST, ip);
  return m;
}

NlMessage del_proxy_neighbour(int ifindex, const net::IpAddress& ip) {
  NlMessage m(RTM_DELNEIGH, 0, "deleting proxy neighbour " + ip.str());
  auto* nd = m.put_family_header<ndmsg>();
  nd->ndm_family = af(ip);
  nd->ndm_ifindex = ifindex;
  nd->ndm_flags = NTF_PROXY;
  put_addr(m, NDA_DST, ip);
  return m;
}

Result<int> link_index(NetlinkSocket& sock, const std::string& name) {
  NlMessage m(RTM_GETLINK, 0, "looking up link " + name);
  auto* ifi = m.put_family_header<ifinfomsg>();
  ifi->ifi_family = AF_UNSPEC;
  m.put_str(IFLA_IFNAME, name);
  int index = 0;
  NETMOD_TRY(sock.request(m, [&](const nlmsghdr* h) {
    if (h->nlmsg_type == RTM_NEWLINK) index = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(h))->ifi_index;
  }));
  if (index == 0) return make_error(Errc::not_found, "link " + name + " not found");
  return index;
}

Result<bool> link_exists(NetlinkSocket& sock, int index) {
  NlMessage m(RTM_GETLINK, 0, "looking up link " + std::to_string(index));
  auto* ifi = m.put_family_header<ifinfomsg>();
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = index;
  auto r = sock.request(m, [](const nlmsghdr*) {});
  if (r) return true;
  if (r.error().code == Errc::not_found) return false;
  return std::move(r).error();
}

Result<std::vector<LinkInfo>> list_links(NetlinkSocket& sock) {
  NlMessage m(RTM_GETLINK, NLM_F_DUMP, "listing links");
  m.put_family_header<ifinfomsg>()->ifi_family = AF_UNSPEC;
  std::vector<LinkInfo> out;
  NETMOD_TRY(sock.request(m, [&](const nlmsghdr* h) {
    if (h->nlmsg_type != RTM_NEWLINK) return;
    auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(h));
    LinkInfo li;
    li.index = ifi->ifi_index;
    mnl_attr_parse(h, sizeof(ifinfomsg), [](const nlattr* a, void* data) -> int {
      auto* li = static_cast<LinkInfo*>(data);
      if (mnl_attr_get_type(a) == IFLA_IFNAME) li->name = mnl_attr_get_str(a);
      if (mnl_attr_get_type(a) == IFLA_GROUP) li->group = mnl_attr_get_u32(a);
      return MNL_CB_OK;
    }, &li);
    out.push_back(std::move(li));
  }));
  return out;
}

Result<std::vector<RouteInfo>> list_netmod_routes(NetlinkSocket& sock, net::Family family) {
  NlMessage m(RTM_GETROUTE, NLM_F_DUMP, "listing routes");
  auto* rq = m.put_family_header<rtmsg>();
  rq->rtm_family = family == net::Family::v4 ? AF_INET : AF_INET6;
  std::vector<RouteInfo> out;
  NETMOD_TRY(sock.request(m, [&](const nlmsghdr* h) {
    if (h->nlmsg_type != RTM_NEWROUTE) return;
    auto* rt = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(h));
    if (rt->rtm_protocol != kRouteProtocol || rt->rtm_table != RT_TABLE_MAIN) return;
    struct Parsed {
      const void* dst = nullptr;
      int oif = 0;
    } p;
    mnl_attr_parse(h, sizeof(rtmsg), [](const nlattr* a, void* data) -> int {
      auto* pp = static_cast<Parsed*>(data);
      if (mnl_attr_get_type(a) == RTA_DST) pp->dst = mnl_attr_get_payload(a);
      if (mnl_attr_get_type(a) == RTA_OIF) pp->oif = static_cast<int>(mnl_attr_get_u32(a));
      return MNL_CB_OK;
    }, &p);
    if (!p.dst) return;
    auto dst = net::Cidr::containing(addr_from(p.dst, rt->rtm_family), rt->rtm_dst_len);
    if (dst) out.push_back({*dst, p.oif, rt->rtm_type == RTN_BLACKHOLE});
  }));
  return out;
}

}  // namespace netmod::dataplane::rtnl

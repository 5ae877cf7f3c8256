// Named factories for the rtnetlink requests netmod sends, and the lookups
// it makes. Every message is a value; nothing here talks to the kernel
// except the lookup functions, which take the socket to use.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dataplane/netlink.hpp"
#include "net/cidr.hpp"

namespace netmod::dataplane::rtnl {

using Mac = std::array<uint8_t, 6>;

// Routes netmod installs carry this protocol number, so they can be told
// apart from everyone else's (reconcile lists them by it).
inline constexpr uint8_t kRouteProtocol = 78;  // 'N'

// A veth pair: `host_name` in the socket's namespace and interface group
// `host_group`, without multicast, `peer_name` born directly in the
// namespace `peer_netns_fd` refers to.
NlMessage new_veth(const std::string& host_name, const Mac& host_mac, uint32_t host_group,
                   const std::string& peer_name, const Mac& peer_mac, int peer_netns_fd, uint32_t mtu);
NlMessage set_link_up(const std::string& name);
NlMessage set_link_group(const std::string& name, uint32_t group);
// IPv6 stays on for the link, but the kernel gives it no address of its own
// (no link-local address, so no duplicate address detection for it).
NlMessage set_no_ipv6_address(const std::string& name);
NlMessage del_link(const std::string& name);
NlMessage del_link(int ifindex);
NlMessage add_address(int ifindex, const net::IpAddress& addr, bool nodad);

struct Route {
  net::Cidr dst;
  int oif = 0;                             // 0: none (blackhole)
  std::optional<net::IpAddress> gateway;   // with onlink for 169.254.1.1
  bool blackhole = false;
  bool scope_link = false;
  uint32_t table = 0;                      // 0: main
};
// Adds or replaces (idempotent).
NlMessage add_route(const Route& r);
NlMessage del_route(const Route& r);
// A policy routing rule: packets from `src` look up `table`, at
// `priority` (before the main table's 32766). Rules netmod adds carry
// kRouteProtocol.
struct Rule {
  net::Cidr src;
  uint32_t table = 0;
  uint32_t priority = 0;
};
// Adds the rule (EEXIST when an identical one exists).
NlMessage add_rule(const Rule& r);
NlMessage del_rule(const Rule& r);

// A permanent neighbour entry (no ARP/NDP needed for it).
NlMessage add_neighbour(int ifindex, const net::IpAddress& ip, const Mac& mac);
// A proxy entry: the link answers neighbour solicitations for `ip` (with
// proxy_ndp on) although no interface owns it.
NlMessage add_proxy_neighbour(int ifindex, const net::IpAddress& ip);
NlMessage del_neighbour(int ifindex, const net::IpAddress& ip);
NlMessage del_proxy_neighbour(int ifindex, const net::IpAddress& ip);

// Lookups. Errc::not_found when there is no such link.
Result<int> link_index(NetlinkSocket& sock, const std::string& name);
// Whether a link of this index exists (false only when the kernel says
// there is none).
Result<bool> link_exists(NetlinkSocket& sock, int index);

struct LinkInfo {
  int index = 0;
  std::string name;
  uint32_t group = 0;
};
Result<std::vector<LinkInfo>> list_links(NetlinkSocket& sock);

struct RouteInfo {
  net::Cidr dst;
  int oif = 0;
  bool blackhole = false;
};
// Routes of the main table installed with kRouteProtocol.
Result<std::vector<RouteInfo>> list_netmod_routes(NetlinkSocket& sock, net::Family family);

std::string mac_str(const Mac& m);

}  // namespace netmod::dataplane::rtnl

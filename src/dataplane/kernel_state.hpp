// What a network namespace holds, read over rtnetlink dumps: links,
// addresses, routes (every table), policy rules and neighbour entries.
// CHECK, reconcile and the wiring of a task's second attachment compare
// it with what should be there. The parse_* functions read one dump reply
// and are pure (they take the same messages the rtnl factories build, so
// unit tests feed them without a kernel); a reply that is not of the kind
// asked for, or lacks what identifies it, gives nullopt.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dataplane/netlink.hpp"
#include "dataplane/rtnl.hpp"
#include "net/cidr.hpp"

namespace netmod::dataplane::state {

struct Link {
  int index = 0;
  std::string name;
  uint32_t group = 0;
  bool up = false;  // administratively (IFF_UP)
  std::optional<rtnl::Mac> mac;
  uint32_t mtu = 0;
  int peer_index = 0;  // IFLA_LINK: a veth's other end (in its own namespace)
};

struct Address {
  int index = 0;
  net::IpAddress address;
  unsigned prefix_len = 0;
};

struct Route {
  net::Cidr dst;
  int oif = 0;
  std::optional<net::IpAddress> gateway;
  uint32_t table = 0;
  uint8_t protocol = 0;
  uint8_t type = 0;  // RTN_UNICAST, RTN_BLACKHOLE, RTN_LOCAL, ...
  uint8_t scope = 0;
};

struct Rule {
  net::Family family = net::Family::v4;
  std::optional<net::Cidr> src;
  uint32_t table = 0;
  uint32_t priority = 0;
  uint8_t protocol = 0;
};

struct Neighbour {
  int index = 0;
  net::IpAddress ip;
  std::optional<rtnl::Mac> mac;
  uint16_t state = 0;
  uint8_t flags = 0;
};

std::optional<Link> parse_link(const nlmsghdr* h);
std::optional<Address> parse_address(const nlmsghdr* h);
std::optional<Route> parse_route(const nlmsghdr* h);
std::optional<Rule> parse_rule(const nlmsghdr* h);
std::optional<Neighbour> parse_neighbour(const nlmsghdr* h);

Result<std::vector<Link>> links(NetlinkSocket& sock);
Result<std::vector<Address>> addresses(NetlinkSocket& sock);
Result<std::vector<Route>> routes(NetlinkSocket& sock, net::Family family);
Result<std::vector<Rule>> rules(NetlinkSocket& sock, net::Family family);
Result<std::vector<Neighbour>> neighbours(NetlinkSocket& sock, net::Family family);
// The proxy ARP/NDP entries (flags NTF_PROXY).
Result<std::vector<Neighbour>> proxy_neighbours(NetlinkSocket& sock, net::Family family);

}  // namespace netmod::dataplane::state

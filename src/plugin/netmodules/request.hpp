// The net-modules plugin protocol (README.md, "Using it with Mesos"
// (net-modules)): one JSON object {"command": C, "args": {...}} on stdin. This
// file turns it into typed requests; anything malformed is rejected here,
// before any state is touched.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ipam/names.hpp"
#include "net/ip_address.hpp"

namespace netmod::plugin::netmodules {

struct AllocateRequest {
  std::string hostname;
  std::string uid;
  unsigned num_ipv4 = 0;
  unsigned num_ipv6 = 0;
  ipam::Attributes attrs;
};

struct ReserveRequest {
  std::string hostname;
  std::string uid;
  std::vector<net::IpAddress> ipv4_addrs;
  std::vector<net::IpAddress> ipv6_addrs;
  ipam::Attributes attrs;
};

struct ReleaseRequest {
  std::optional<std::string> uid;          // exactly one of uid and ips
  std::vector<net::IpAddress> ips;
};

struct IsolateRequest {
  std::string hostname;
  std::string container_id;
  int pid = 0;
  std::vector<net::IpAddress> ipv4_addrs;
  std::vector<net::IpAddress> ipv6_addrs;
  ipam::Attributes attrs;
};

struct CleanupRequest {
  std::string hostname;
  std::string container_id;
};

using Request =
    std::variant<AllocateRequest, ReserveRequest, ReleaseRequest, IsolateRequest, CleanupRequest>;

// Parses one request document. Errors name the field: "args.num_ipv4 must be
// an integer from 0 to 64, got \"two\"".
Result<Request> parse_request(std::string_view json);

}  // namespace netmod::plugin::netmodules

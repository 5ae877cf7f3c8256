// Values the engine's tests build hosts from.
#pragma once

#include <string>
#include <vector>

#include "dataplane/dataplane.hpp"
#include "records/endpoints.hpp"

namespace netmod::engine::test {

inline net::IpAddress ip(const char* s) { return *net::IpAddress::parse(s); }
inline net::Cidr cidr(const char* s) { return *net::Cidr::parse(s); }

// The record wiring files for container `id` on host "h1".
inline records::EndpointRecord endpoint(const std::string& id, std::vector<net::IpAddress> addrs,
                                        std::vector<std::string> groups) {
  records::EndpointRecord r;
  r.container_id = id;
  r.host = "h1";
  r.host_ifname = dataplane::host_ifname(id);
  r.addresses = std::move(addrs);
  r.netgroups = std::move(groups);
  return r;
}

}  // namespace netmod::engine::test

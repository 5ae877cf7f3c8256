#include "records/keys.hpp"

namespace netmod::records::keys {

using ipam::keys::escape_segment;

std::string host_endpoints(std::string_view host) { return std::string(kEndpoints) + escape_segment(host) + "/"; }

std::string endpoint(std::string_view host, std::string_view id) { return host_endpoints(host) + escape_segment(id); }

std::string endpoint_id(std::string_view id) { return std::string(kEndpointIds) + escape_segment(id); }

std::string endpoint_address(const net::IpAddress& a) { return std::string(kEndpointAddresses) + a.str(); }

std::string host_netgroup(std::string_view host, std::string_view g) {
  return std::string(kHostNetgroups) + escape_segment(host) + "/" + escape_segment(g);
}

std::string host_combination(std::string_view host, const std::vector<std::string>& groups) {
  std::string joined;
  for (const auto& g : groups) joined += (joined.empty() ? "" : ",") + g;
  return std::string(kHostCombinations) + escape_segment(host) + "/" + escape_segment(joined);
}

}  // namespace netmod::records::keys

// The datastore's key layout, all of it, in one place (version 1; every
// key under /netmod/v1/). Variable segments are escaped with
// ipam::keys::escape_segment, so a '/' in a host, handle or id can never
// move a key under another prefix. Values are JSON unless said otherwise.
//
// IPAM (ipam/keys.hpp writes these; IPAM lies below the records):
//   /netmod/v1/ipam/pools                    {"pools": [{"cidr", "block_size", "nat_outgoing"}]}
//   /netmod/v1/ipam/blocks/<block cidr>      a block's state (ipam/block.hpp)
//   /netmod/v1/ipam/affinity/<host>/<block>  "" (index: a host's blocks)
//   /netmod/v1/ipam/handles/<handle>         {"host", "addresses"}
//   /netmod/v1/hosts/<host>                  {"first_seen_ms"}
//
// Endpoints (records/endpoints.hpp):
//   /netmod/v1/endpoints/<host>/<id>         the endpoint record: {"container_id",
//       "host", "host_ifname", "task_ifname", "addresses", "netgroups", "labels",
//       "mtu", "netns", "netns_inode", "routes", "table"}
//   /netmod/v1/endpoint-ids/<id>             {"host"} (index: an attachment by its
//       key alone, whatever hostname a later call names)
//   /netmod/v1/endpoint-addresses/<address>  {"host", "container_id"} (index: one
//       endpoint per address)
//   /netmod/v1/host-netgroups/<host>/<netgroup>      "<count>"
//   /netmod/v1/host-combinations/<host>/<g1,g2,...>  "<count>"
//       (how many endpoints of the host are in a netgroup, or in exactly a
//        combination: when the last goes, so do the host's nftables objects)
//
// Hosts (records/hosts.hpp):
//   /netmod/v1/fabric/<host>                 {"addresses", "updated_ms"} (no lease)
//   /netmod/v1/agents/<host>                 {"host", "pid", "pid_start", "boot_id",
//       "started_ms", "fabric"} (under the agent's lease)
//
// Tasks the launcher started (records/tasks.hpp):
//   /netmod/v1/tasks/<task id>               {"id", "app", "name", "host", "state",
//       "addresses", "netgroups", "labels", "host_network", "ports", "pid", ...}
//   /netmod/v1/names/<name>/<task id>        {"addresses"} (the DNS responder's index)
//   /netmod/v1/ports/<host>/<proto>/<port>   {"task"} (host ports claimed)
//
// What a host's agent watches (agent/agent.cpp): all of /netmod/v1/, from
// the revision of a listing read with Store::list_at_once.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ipam/keys.hpp"
#include "net/cidr.hpp"

namespace netmod::records::keys {

inline constexpr std::string_view kEndpoints = "/netmod/v1/endpoints/";
inline constexpr std::string_view kEndpointIds = "/netmod/v1/endpoint-ids/";
inline constexpr std::string_view kEndpointAddresses = "/netmod/v1/endpoint-addresses/";
inline constexpr std::string_view kHostNetgroups = "/netmod/v1/host-netgroups/";
inline constexpr std::string_view kHostCombinations = "/netmod/v1/host-combinations/";

std::string host_endpoints(std::string_view host);  // the prefix of a host's endpoint records
std::string endpoint(std::string_view host, std::string_view id);
std::string endpoint_id(std::string_view id);
std::string endpoint_address(const net::IpAddress& a);
std::string host_netgroup(std::string_view host, std::string_view netgroup);
std::string host_combination(std::string_view host, const std::vector<std::string>& netgroups);

}  // namespace netmod::records::keys

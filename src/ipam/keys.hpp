// The IPAM key layout in the store (version 1). Every key lives under
// /netmod/v1/. Variable segments are escaped with escape_segment() so a
// '/' in a handle or host can never change which prefix a key falls under.
//
//   /netmod/v1/ipam/pools                  all pools, one JSON document
//                                          {"pools":[{"cidr","block_size","nat_outgoing"}]}
//                                          (one key, so a pool change conflicts
//                                          with every allocation that read it)
//   /netmod/v1/ipam/blocks/<block-cidr>    a block's state (block.hpp)
//   /netmod/v1/ipam/affinity/<host>/<block-cidr>
//                                          index: blocks affine to a host (value "")
//   /netmod/v1/ipam/handles/<handle>       {"host","addresses":[...]}
//   /netmod/v1/hosts/<host>                {"first_seen_ms"}: hosts known to IPAM
#pragma once

#include <string>
#include <string_view>

#include "net/cidr.hpp"

namespace netmod::ipam::keys {

inline constexpr std::string_view kRoot = "/netmod/v1/";
inline constexpr std::string_view kPools = "/netmod/v1/ipam/pools";
inline constexpr std::string_view kBlocks = "/netmod/v1/ipam/blocks/";
inline constexpr std::string_view kAffinity = "/netmod/v1/ipam/affinity/";
inline constexpr std::string_view kHandles = "/netmod/v1/ipam/handles/";
inline constexpr std::string_view kHosts = "/netmod/v1/hosts/";

// Percent-encodes '%', '/', and bytes outside printable ASCII.
std::string escape_segment(std::string_view s);
std::string unescape_segment(std::string_view s);

std::string block(const net::Cidr& cidr);
std::string affinity_prefix(std::string_view host);
std::string affinity(std::string_view host, const net::Cidr& block);
std::string handle(std::string_view handle);
std::string host(std::string_view host);

}  // namespace netmod::ipam::keys

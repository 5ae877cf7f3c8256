// Pools: CIDRs that task addresses come from, cut into blocks that hosts
// claim. A Pool value is always valid (made by make_pool or decode_pools).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "net/cidr.hpp"

namespace netmod::ipam {

inline constexpr unsigned kDefaultBlockSizeV4 = 26;   // 64 addresses
inline constexpr unsigned kDefaultBlockSizeV6 = 122;  // 64 addresses
// Smallest and largest block prefix: a block holds 1 to 4096 addresses.
inline constexpr unsigned kMinBlockSizeV4 = 20, kMaxBlockSizeV4 = 32;
inline constexpr unsigned kMinBlockSizeV6 = 116, kMaxBlockSizeV6 = 128;

struct PoolSpec {
  net::Cidr cidr;
  std::optional<unsigned> block_size = std::nullopt;  // default by family
  bool nat_outgoing = false;
};

struct Pool {
  net::Cidr cidr;
  unsigned block_size;
  bool nat_outgoing = false;

  net::Family family() const { return cidr.family(); }
  // Number of blocks in the pool.
  net::U128 block_count() const { return net::U128(1) << (block_size - cidr.prefix_len()); }
  // The i-th block of the pool.
  net::Cidr block_at(net::U128 index) const;
  // The block an address of this pool falls in.
  net::Cidr block_of(const net::IpAddress& a) const;
  bool is_reserved(const net::IpAddress& a) const;

  bool operator==(const Pool&) const = default;
};

// Addresses of a pool that are never handed out: an IPv4 pool's network and
// broadcast addresses (none in /31 and /32 pools, RFC 3021), and an IPv6
// pool's first address (the subnet-router anycast address, RFC 4291).
bool is_reserved_address(const net::Cidr& pool, const net::IpAddress& a);

// Validates a spec: block size in range for the family and not larger than
// the pool.
Result<Pool> make_pool(const PoolSpec& spec);

// Checks `pool` against existing pools: same CIDR is Errc::already_exists,
// an overlap is Errc::invalid_argument naming the pool it overlaps.
Result<void> check_no_overlap(const Pool& pool, const std::vector<Pool>& existing);

// The pool containing `a`, if any.
const Pool* find_pool(const std::vector<Pool>& pools, const net::IpAddress& a);

// The store encoding of the pool list (keys::kPools).
std::string encode_pools(const std::vector<Pool>& pools);
Result<std::vector<Pool>> decode_pools(std::string_view json);

}  // namespace netmod::ipam

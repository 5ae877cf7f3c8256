// A block: a slice of a pool, affine to the host that claimed it, and the
// state of each of its addresses. Pure data and rules; no store access.
//
// Store encoding (keys::block):
//   {"cidr": "10.65.0.0/26", "pool": "10.65.0.0/16", "host": "agent-1",
//    "seq": 7,                                  // last release sequence number
//    "allocations": {"<ordinal>": {"handle", "host", "netgroups", "labels"}},
//    "released":    {"<ordinal>": [seq, unix_ms]}}
// An ordinal is an address' offset in the block. An address is free when it
// has no allocation; it is never handed out while it is in its release
// cooldown.
//
// Free-list order: never-used addresses first, lowest first; then released
// addresses in the order they were released. So a released address goes to
// the back of the list and is reused as late as possible.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ipam/names.hpp"
#include "ipam/pool.hpp"

namespace netmod::ipam {

struct Allocation {
  std::string handle;
  std::string host;  // the host that asked (differs from the block's when borrowed)
  Attributes attrs;
  bool operator==(const Allocation&) const = default;
};

struct Released {
  uint64_t seq = 0;
  int64_t at_ms = 0;
  bool operator==(const Released&) const = default;
};

class Block {
 public:
  Block(net::Cidr cidr, net::Cidr pool, std::string host)
      : cidr_(cidr), pool_(pool), host_(std::move(host)) {}

  const net::Cidr& cidr() const { return cidr_; }
  const net::Cidr& pool() const { return pool_; }
  const std::string& host() const { return host_; }
  uint32_t size() const { return static_cast<uint32_t>(cidr_.size()); }

  const std::map<uint32_t, Allocation>& allocations() const { return allocations_; }
  const std::map<uint32_t, Released>& released() const { return released_; }

  net::IpAddress address(uint32_t ordinal) const { return *cidr_.at(ordinal); }
  std::optional<uint32_t> ordinal_of(const net::IpAddress& a) const;
  // An address of the pool that is never handed out (is_reserved_address).
  bool is_reserved(uint32_t ordinal) const;

  // Up to `limit` ordinals that may be handed out at `now_ms`, in free-list
  // order, skipping addresses released less than `cooldown_ms` ago.
  std::vector<uint32_t> free_ordinals(int64_t now_ms, int64_t cooldown_ms, size_t limit) const;
  // How many free addresses are held back by the cooldown at `now_ms`.
  size_t cooling(int64_t now_ms, int64_t cooldown_ms) const;

  // The allocation at an ordinal, or nullptr when free.
  const Allocation* allocation(uint32_t ordinal) const;
  void assign(uint32_t ordinal, Allocation a);
  // Frees an ordinal and puts it at the back of the free list. Returns the
  // allocation that was there, or nullopt if it was free.
  std::optional<Allocation> release(uint32_t ordinal, int64_t now_ms);

  std::string encode() const;
  static Result<Block> decode(std::string_view json);

  bool operator==(const Block&) const = default;

 private:
  net::Cidr cidr_;
  net::Cidr pool_;
  std::string host_;
  uint64_t seq_ = 0;
  std::map<uint32_t, Allocation> allocations_;
  std::map<uint32_t, Released> released_;
};

}  // namespace netmod::ipam

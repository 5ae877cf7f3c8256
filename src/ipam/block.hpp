// A block: a slice of a pool, affine to the host that claimed it, and which
// handle holds each of its addresses. Pure data and rules; no store access.
//
// Store encoding (keys::block), compact because every allocation and release
// reads and writes one (the two lists are strings, not JSON arrays, so a
// block decodes with a handful of JSON values instead of hundreds):
//   {"cidr": "10.65.0.0/26", "pool": "10.65.0.0/16", "host": "agent-1",
//    "handles": ["task-a", "task-b"],     // holders, referenced by index
//    "allocations": "-,0,0,1,-,...",     // per ordinal: handle index or '-'
//    "released": "5@1700000000123,2@1700000000456"}
//                 // free, released ordinals in release order, '@' release time (ms)
// An ordinal is an address' offset in the block. What a handle's task is
// (netgroups, labels, the host that asked) lives in its handle record.
//
// Free-list order: never-used addresses first, lowest first; then released
// addresses in the order they were released. So a released address goes to
// the back of the list and is reused as late as possible, and never while
// it is in its release cooldown.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ipam/pool.hpp"

namespace netmod::ipam {

// What the host's affinity record says of a block, so an allocation can
// skip full blocks without reading them. Encoded as the affinity key's
// value "unused,released,oldest_ms", e.g. "61,2,1700000000123".
struct BlockSummary {
  uint32_t unused = 0;       // free addresses never handed out (or free since the block was claimed)
  uint32_t released = 0;     // free addresses in the released queue
  int64_t oldest_ms = 0;     // release time of the queue's front (0: queue empty)

  // Whether an allocation at `now_ms` could take an address here.
  bool can_serve(int64_t now_ms, int64_t cooldown_ms) const {
    return unused > 0 || (released > 0 && now_ms - oldest_ms >= cooldown_ms);
  }
  std::string encode() const;
  static Result<BlockSummary> decode(std::string_view text);
  bool operator==(const BlockSummary&) const = default;
};

struct Released {
  uint32_t ordinal = 0;
  int64_t at_ms = 0;
  bool operator==(const Released&) const = default;
};

class Block {
 public:
  Block(net::Cidr cidr, net::Cidr pool, std::string host);

  const net::Cidr& cidr() const { return cidr_; }
  const net::Cidr& pool() const { return pool_; }
  const std::string& host() const { return host_; }
  uint32_t size() const { return static_cast<uint32_t>(owner_.size()); }

  net::IpAddress address(uint32_t ordinal) const { return *cidr_.at(ordinal); }
  std::optional<uint32_t> ordinal_of(const net::IpAddress& a) const;
  // An address of the pool that is never handed out (is_reserved_address).
  bool is_reserved(uint32_t ordinal) const;

  // Up to `limit` ordinals that may be handed out at `now_ms`, in free-list
  // order, skipping addresses released less than `cooldown_ms` ago.
  std::vector<uint32_t> free_ordinals(int64_t now_ms, int64_t cooldown_ms, size_t limit) const;
  // How many free addresses are held back by the cooldown at `now_ms`.
  size_t cooling(int64_t now_ms, int64_t cooldown_ms) const;

  // The handle holding an ordinal, or nullptr when free.
  const std::string* owner(uint32_t ordinal) const;
  // Every held ordinal with its handle, in ordinal order.
  std::vector<std::pair<uint32_t, std::string>> allocations() const;
  size_t allocated_count() const;
  const std::vector<Released>& released() const { return released_; }

  void assign(uint32_t ordinal, const std::string& handle);
  // Frees an ordinal and puts it at the back of the free list. Returns the
  // handle that held it, or nullopt if it was free.
  std::optional<std::string> release(uint32_t ordinal, int64_t now_ms);

  BlockSummary summary() const;

  std::string encode() const;
  static Result<Block> decode(std::string_view json);

  bool operator==(const Block& o) const { return encode() == o.encode(); }

 private:
  net::Cidr cidr_;
  net::Cidr pool_;
  std::string host_;
  std::vector<int32_t> owner_;         // per ordinal: index into handles_, -1 when free
  std::vector<std::string> handles_;   // may hold unused names until encode()
  std::vector<Released> released_;     // release order
};

}  // namespace netmod::ipam

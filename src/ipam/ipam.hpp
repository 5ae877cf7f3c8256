// The IPAM engine: pools, host-affine blocks, automatic and static
// addresses, release with a reuse cooldown. Written once against the Store
// interface; every operation is one store transaction (Store::update), so a
// failure or a crash part-way leaves nothing half-done. Never touches the
// kernel.
//
// Allocation order for each address family:
//   1. free addresses in blocks affine to the host (in pool order);
//   2. claim a new block in a pool (the lowest unclaimed one);
//   3. borrow single addresses from other hosts' blocks.
// Only when all three find nothing is the request Errc::exhausted.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ipam/block.hpp"
#include "ipam/names.hpp"
#include "ipam/pool.hpp"
#include "store/store.hpp"

namespace netmod::ipam {

// At most this many addresses of one family per request.
inline constexpr unsigned kMaxAddressesPerFamily = 64;

struct IpamOptions {
  int64_t release_cooldown_ms = 30000;
  // Created (in the allocation's own transaction) when an allocation finds
  // no pool at all in the store. Nothing else ever creates them.
  std::vector<PoolSpec> default_pools;
  // Milliseconds since the epoch; injectable for tests.
  std::function<int64_t()> clock;
};

struct AutoRequest {
  std::string handle;  // parse_handle
  std::string host;    // parse_hostname
  unsigned num_v4 = 0;
  unsigned num_v6 = 0;
  Attributes attrs;
  // Draw only from these pools (each must exist); empty: any pool.
  std::vector<net::Cidr> pools;
};

struct StaticRequest {
  std::string handle;
  std::string host;
  std::vector<net::IpAddress> addresses;
  Attributes attrs;
};

struct Assigned {
  std::vector<net::IpAddress> v4;
  std::vector<net::IpAddress> v6;
};

// What is filed under a handle (keys::handle):
//   {"host": "agent-1", "addresses": ["10.65.0.1", ...],
//    "netgroups": ["star-1"], "labels": {"app": "probe"}}
struct HandleRecord {
  std::string handle;
  std::string host;  // the host that asked
  std::vector<net::IpAddress> addresses;
  Attributes attrs;
};

// One address as `ipam show` reports it.
struct AddressRecord {
  net::IpAddress address;
  net::Cidr block;
  std::string block_host;  // differs from handle.host when borrowed
  std::string handle;
  std::string host;
  Attributes attrs;
};

struct AffinityRecord {
  std::string host;
  net::Cidr block;
  BlockSummary summary;
};

// Everything IPAM stores, decoded as far as possible; for show and check.
struct Snapshot {
  std::vector<Pool> pools;
  std::vector<Block> blocks;
  std::vector<HandleRecord> handles;
  std::vector<std::string> hosts;
  std::vector<AffinityRecord> affinities;
  std::vector<Error> undecodable;  // records that could not be decoded
};

class Ipam {
 public:
  Ipam(store::Store& store, IpamOptions options);

  Result<Pool> add_pool(const PoolSpec& spec);
  Result<std::vector<Pool>> pools();
  // Refuses (Errc::conflict) while the pool has allocations unless `force`,
  // which releases them.
  Result<void> remove_pool(const net::Cidr& cidr, bool force);
  Result<Pool> set_nat_outgoing(const net::Cidr& cidr, bool enabled);
  // Creates the pools that do not exist yet (default block size); used by
  // front ends whose configuration names pools.
  Result<void> ensure_pools(const std::vector<net::Cidr>& cidrs);

  Result<Assigned> allocate(const AutoRequest& request);
  // Reserves exactly these addresses. An address held by another handle is
  // Errc::conflict and nothing of the request is reserved; one already held
  // by this handle is kept (retries are idempotent).
  Result<Assigned> reserve(const StaticRequest& request);

  // Releases every address of a handle; an unknown handle releases nothing.
  Result<std::vector<net::IpAddress>> release_handle(const std::string& handle);
  // Releases these addresses, whoever holds them. An address outside every
  // pool is Errc::invalid_argument (and nothing is released); a free one is
  // skipped.
  Result<std::vector<net::IpAddress>> release_addresses(const std::vector<net::IpAddress>& addresses);

  Result<std::optional<HandleRecord>> handle(const std::string& handle);

  // Files every address of handle `from` under the new handle `to` (which
  // must not exist), with its host and attributes; `from` is gone after.
  // A front end that frees an attachment's addresses later (CNI DEL, once
  // the old interface is gone) parks them under a name of their own, so a
  // new attachment under the old name is never freed with them. An unknown
  // `from` moves nothing (returns false).
  Result<bool> rename_handle(store::Tx& tx, const std::string& from, const std::string& to);

  // The same operations inside a caller's store transaction, so that a
  // front end can make them one commit with records of its own (CNI ADD:
  // the existence check, the allocation and the endpoint record). They
  // write through `tx`; the caller's update() commits or drops it all.
  Result<Assigned> allocate(store::Tx& tx, const AutoRequest& request);
  Result<Assigned> reserve(store::Tx& tx, const StaticRequest& request);
  Result<void> ensure_pools(store::Tx& tx, const std::vector<net::Cidr>& cidrs);
  Result<std::optional<HandleRecord>> handle(store::Tx& tx, const std::string& handle);
  Result<std::vector<net::IpAddress>> release_handle(store::Tx& tx, const std::string& handle);
  // A host that is gone (garbage collection): every allocation it asked
  // for released, every block affine to it that holds nothing then freed
  // (a block still holding addresses other hosts borrowed stays), and its
  // host record removed. What was released and freed.
  struct HostForgotten {
    std::vector<net::IpAddress> released;
    std::vector<net::Cidr> freed_blocks;
  };
  Result<HostForgotten> forget_host(store::Tx& tx, const std::string& host);
  Result<std::vector<Pool>> pools(store::Tx& tx);
  Result<std::vector<net::Cidr>> blocks_of(store::Tx& tx, const std::string& host);
  // Every block's host (the affinity index alone, not the blocks); index
  // entries that cannot be decoded go to `undecodable`, as in snapshot().
  Result<std::vector<AffinityRecord>> affinities(store::Tx& tx, std::vector<Error>& undecodable);
  // The handle holding `address`; nullopt when it is free or in no pool.
  Result<std::optional<std::string>> holder(const net::IpAddress& address);
  Result<std::optional<std::string>> holder(store::Tx& tx, const net::IpAddress& address);
  // The blocks affine to `host`.
  Result<std::vector<net::Cidr>> blocks_of(const std::string& host);
  Result<std::vector<AddressRecord>> addresses();
  Result<Snapshot> snapshot();
  // The same inside a caller's read (one view with records of its own).
  Result<Snapshot> snapshot(store::Tx& tx);

 private:
  int64_t now() const;
  store::Store& store_;
  IpamOptions options_;
};

}  // namespace netmod::ipam

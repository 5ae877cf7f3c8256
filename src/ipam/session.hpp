// One IPAM transaction's working set: the blocks and handle records read so
// far, decoded once, changed in memory, and written back once by flush().
// Internal to the ipam library.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ipam/block.hpp"
#include "ipam/ipam.hpp"
#include "store/store.hpp"

namespace netmod::ipam::detail {

class Session {
 public:
  Session(store::Tx& tx, int64_t now_ms) : tx_(tx), now_ms_(now_ms) {}

  int64_t now() const { return now_ms_; }
  store::Tx& tx() { return tx_; }

  // The pool list (empty when no pool was ever added).
  Result<std::vector<Pool>> pools();
  void write_pools(const std::vector<Pool>& pools);

  // The block with this CIDR, or nullptr when unclaimed.
  Result<Block*> block(const net::Cidr& cidr);
  // Claims an unclaimed block for `host`: writes the block, the host's
  // affinity and registers the host.
  Result<Block*> claim(const net::Cidr& cidr, const Pool& pool, const std::string& host);
  void mark_dirty(const Block& b) { dirty_blocks_.insert(b.cidr().str()); }
  void delete_block(const Block& b);

  // CIDRs of every claimed block (read once per session).
  Result<const std::vector<net::Cidr>*> all_blocks();
  // CIDRs of the blocks affine to `host`.
  Result<std::vector<net::Cidr>> affine_blocks(const std::string& host);

  // The handle's record, created empty (for `host`) when absent.
  Result<HandleRecord*> handle(const std::string& handle, const std::string& host);
  // The handle's record, or nullptr when absent.
  Result<HandleRecord*> existing_handle(const std::string& handle);
  // Marks a record returned by existing_handle() as changed.
  void touch_handle(const std::string& handle) { dirty_handles_.insert(handle); }

  // Writes every changed block and handle (handles left without addresses
  // are deleted).
  void flush();

 private:
  store::Tx& tx_;
  int64_t now_ms_;
  std::optional<std::vector<Pool>> pools_;
  std::map<std::string, std::optional<Block>> blocks_;  // by cidr string
  std::set<std::string> dirty_blocks_;
  std::set<std::string> deleted_blocks_;
  std::optional<std::vector<net::Cidr>> all_blocks_;
  std::map<std::string, std::optional<HandleRecord>> handles_;
  std::set<std::string> dirty_handles_;
};

Result<std::optional<HandleRecord>> decode_handle(std::string_view name, std::string_view json);
std::string encode_handle(const HandleRecord& h);

}  // namespace netmod::ipam::detail

// One IPAM transaction's working set: the blocks and handle records read so
// far, decoded once, changed in memory, and written back once by flush()
// (each changed block with its host's affinity summary). Internal to the
// ipam library.
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

  // The pool list (empty when no pool was ever added).
  Result<std::vector<Pool>> pools();
  void write_pools(const std::vector<Pool>& pools);

  // The block with this CIDR, or nullptr when unclaimed.
  Result<Block*> block(const net::Cidr& cidr);
  // Claims an unclaimed block for `host` and registers the host.
  Result<Block*> claim(const net::Cidr& cidr, const Pool& pool, const std::string& host);
  void mark_dirty(const Block& b) { dirty_blocks_.insert(b.cidr().str()); }
  void delete_block(const Block& b);

  // Every block's affinity record (all hosts), read once per session.
  Result<const std::vector<AffinityRecord>*> all_affinities();
  // The affinity records of `host`'s blocks.
  Result<std::vector<AffinityRecord>> affinities_of(const std::string& host);

  // The handle's record, created empty (for `host`) when absent; marked changed.
  Result<HandleRecord*> handle(const std::string& handle, const std::string& host);
  // The handle's record, or nullptr when absent.
  Result<HandleRecord*> existing_handle(const std::string& handle);
  // Marks a record returned by existing_handle() as changed.
  void touch_handle(const std::string& handle) { dirty_handles_.insert(handle); }

  // Writes every changed block (with its affinity summary) and handle
  // (deleting handles left without addresses).
  void flush();

 private:
  store::Tx& tx_;
  int64_t now_ms_;
  std::optional<std::vector<Pool>> pools_;
  std::map<std::string, std::optional<Block>> blocks_;  // by cidr string
  std::set<std::string> dirty_blocks_;
  std::optional<std::vector<AffinityRecord>> affinities_;
  std::map<std::string, std::optional<HandleRecord>> handles_;
  std::set<std::string> dirty_handles_;
};

Result<HandleRecord> decode_handle(std::string_view name, std::string_view json);
std::string encode_handle(const HandleRecord& h);
// Parses an affinity key and value.
Result<AffinityRecord> decode_affinity(std::string_view key, std::string_view value);

}  // namespace netmod::ipam::detail

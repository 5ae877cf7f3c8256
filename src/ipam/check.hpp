// `netmod ipam check`: a consistency report over everything IPAM stores.
// Pure: works on a Snapshot, so each problem kind is testable by building a
// broken snapshot.
#pragma once

#include <string>
#include <vector>

#include "ipam/ipam.hpp"

namespace netmod::ipam {

struct Problem {
  // duplicate_address, free_but_held, held_by_other, missing_from_handle,
  // empty_handle, unknown_host, orphan_block, missing_affinity, stale_affinity,
  // undecodable_record
  std::string kind;
  std::string detail;
};

struct CheckReport {
  size_t pools = 0, blocks = 0, handles = 0, allocated = 0, hosts = 0;
  std::vector<Problem> problems;
  bool consistent() const { return problems.empty(); }
};

CheckReport check(const Snapshot& snapshot);

}  // namespace netmod::ipam

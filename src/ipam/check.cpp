#include "ipam/check.hpp"

#include <map>
#include <set>

namespace netmod::ipam {

CheckReport check(const Snapshot& snap) {
  CheckReport r;
  r.pools = snap.pools.size();
  r.blocks = snap.blocks.size();
  r.handles = snap.handles.size();
  r.hosts = snap.hosts.size();
  auto problem = [&](std::string kind, std::string detail) {
    r.problems.push_back({std::move(kind), std::move(detail)});
  };

  for (const auto& e : snap.undecodable) problem("undecodable_record", e.message);

  std::set<std::string> hosts(snap.hosts.begin(), snap.hosts.end());
  std::map<std::pair<std::string, std::string>, BlockSummary> affinities;
  for (const auto& a : snap.affinities) affinities[{a.host, a.block.str()}] = a.summary;

  // Address -> handle, as the blocks say.
  std::map<net::IpAddress, std::string> held;
  for (const Block& b : snap.blocks) {
    if (!hosts.count(b.host())) {
      problem("unknown_host", "block " + b.cidr().str() + " is owned by unknown host \"" + b.host() + "\"");
    }
    auto aff = affinities.find({b.host(), b.cidr().str()});
    if (aff == affinities.end()) {
      problem("missing_affinity", "block " + b.cidr().str() + " has no affinity record for its host \"" +
                                      b.host() + "\"");
    } else if (!(aff->second == b.summary())) {
      problem("stale_affinity", "the affinity summary of block " + b.cidr().str() + " does not match the block");
    }
    bool pooled = false;
    for (const Pool& p : snap.pools) pooled = pooled || p.cidr.contains(b.cidr());
    if (!pooled) problem("orphan_block", "block " + b.cidr().str() + " lies in no pool");
    for (const auto& [ord, handle] : b.allocations()) {
      auto addr = b.address(ord);
      ++r.allocated;
      if (!held.emplace(addr, handle).second) {
        problem("duplicate_address", "address " + addr.str() + " is allocated in more than one block");
      }
    }
  }

  // Every address a handle lists must be held by that handle, once.
  std::map<net::IpAddress, std::string> listed;
  for (const HandleRecord& h : snap.handles) {
    if (h.addresses.empty()) problem("empty_handle", "uid \"" + h.handle + "\" has no addresses");
    for (const auto& addr : h.addresses) {
      if (auto [it, fresh] = listed.emplace(addr, h.handle); !fresh) {
        problem("duplicate_address", "address " + addr.str() + " is listed by uid \"" + it->second +
                                         "\" and uid \"" + h.handle + "\"");
      }
      auto it = held.find(addr);
      if (it == held.end()) {
        problem("free_but_held", "address " + addr.str() + " is listed by uid \"" + h.handle +
                                     "\" but free in its block");
      } else if (it->second != h.handle) {
        problem("held_by_other", "address " + addr.str() + " is listed by uid \"" + h.handle +
                                     "\" but allocated to uid \"" + it->second + "\"");
      }
    }
  }
  for (const auto& [addr, handle] : held) {
    if (!listed.count(addr)) {
      problem("missing_from_handle", "address " + addr.str() + " is allocated to uid \"" + handle +
                                         "\" but that uid does not list it");
    }
  }
  return r;
}

}  // namespace netmod::ipam

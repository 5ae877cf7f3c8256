// `netmod reconcile`: makes this host's kernel state match the endpoint
// records in the store (the store is the truth; the kernel never is).
// Removes interfaces and nftables elements that belong to no endpoint,
// re-creates what an endpoint lacks (routes, neighbours, rules, and the
// whole wiring when the task's namespace still exists), reapplies the
// host-wide state (base ruleset, pool sets, block blackholes), and reports
// each change. The agent runs it continuously.
#pragma once

#include <string>
#include <vector>

#include "ipam/ipam.hpp"
#include "store/store.hpp"

namespace netmod::plugin {

struct ReconcileReport {
  std::vector<std::string> removed;   // what belonged to no endpoint
  std::vector<std::string> created;   // what an endpoint lacked
  std::vector<std::string> problems;  // what could not be repaired
};

Result<ReconcileReport> reconcile(store::Store& store, ipam::Ipam& ipam, const std::string& host);

}  // namespace netmod::plugin

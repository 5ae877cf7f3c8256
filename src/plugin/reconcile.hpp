// `netmod reconcile`: makes this host's kernel state match the endpoint
// records in the store (the store is the truth; the kernel never is).
// Changes only what differs: removes what netmod owns and no record wants
// (interfaces in its groups, its routes, entries on its links, objects in
// its tables), re-creates what an endpoint lacks (routes, neighbours,
// elements, sets, chains, hooks, the pool sets, block blackholes, and the
// whole wiring when the task's namespace still exists), and reports each
// change. The agent will run it continuously.
#pragma once

#include <string>
#include <vector>

#include "dataplane/kernel.hpp"
#include "ipam/ipam.hpp"
#include "store/store.hpp"

namespace netmod::plugin {

struct ReconcileReport {
  std::vector<std::string> removed;   // what belonged to no endpoint
  std::vector<std::string> created;   // what an endpoint lacked
  std::vector<std::string> problems;  // what could not be repaired
};

struct ReconcileOptions {
  // Threads that look inside the tasks (each task's namespace is read
  // over a socket of its own, most of it time in the kernel and waiting
  // for it: several per CPU overlap well). 1: in the caller's thread, the
  // only choice for a kernel that is not thread-safe (the simulated one).
  unsigned task_workers = 1;
};

// Plan (engine/plan.hpp) + snapshot + diff + apply on `kernel`, then each
// task's side and the wiring anew of tasks whose host end is gone.
Result<ReconcileReport> reconcile(store::Store& store, ipam::Ipam& ipam, const std::string& host,
                                  dataplane::Kernel& kernel, const ReconcileOptions& options = {});

}  // namespace netmod::plugin

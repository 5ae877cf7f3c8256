// `netmod reconcile`: makes this host's kernel state match the endpoint
// records in the store (the store is the truth; the kernel never is).
// Changes only what differs: removes what netmod owns and no record wants
// (interfaces in its groups, its routes, entries on its links, objects in
// its tables), re-creates what an endpoint lacks (routes, neighbours,
// elements, sets, chains, hooks, the pool sets, block blackholes, and the
// whole wiring when the task's namespace still exists), and reports each
// change. The agent will run it continuously.
#pragma once

#include <cstdint>
#include <map>
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
  // What the records held (the agent's gauges).
  size_t endpoints = 0;          // of this host
  size_t cluster_endpoints = 0;  // of every host
  size_t blocks = 0;             // affine to this host
  size_t hosts = 0;              // with a fabric record
  size_t undecodable = 0;        // records skipped as unreadable
};

struct ReconcileOptions {
  // Threads that look inside the tasks (each task's namespace is read
  // over a socket of its own, most of it time in the kernel and waiting
  // for it: several per CPU overlap well). 1: in the caller's thread, the
  // only choice for a kernel that is not thread-safe (the simulated one).
  unsigned task_workers = 1;
  // The agent's run on each change it watches does only the host's side:
  // no look inside the tasks, and no wiring anew of a task whose host end
  // is missing (a plugin may be wiring it right now); its periodic run,
  // like `netmod reconcile`, does all.
  bool task_sides = true;
  bool rewire = true;
  // A task link with no endpoint record may be one a plugin is wiring
  // right now (the veth is made before its record is filed). With
  // `unowned_links` set, such a link is removed only once it has been seen
  // without a record for `unowned_grace_ms` (first sightings are kept
  // there, by name, across runs); without it (`netmod reconcile`), at once.
  std::map<std::string, int64_t>* unowned_links = nullptr;
  int64_t now_ms = 0;
  int64_t unowned_grace_ms = 2000;
};

// Plan (engine/plan.hpp) + snapshot + diff + apply on `kernel`, then each
// task's side and the wiring anew of tasks whose host end is gone.
Result<ReconcileReport> reconcile(store::Store& store, ipam::Ipam& ipam, const std::string& host,
                                  dataplane::Kernel& kernel, const ReconcileOptions& options = {});

}  // namespace netmod::plugin

// An attachment as the kernel holds it, compared with its endpoint record:
// what CNI CHECK reports and what reconcile repairs. observe() reads the
// kernel (the task's namespace through a socket bound to it, the host's
// through the dataplane); differences() is pure.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dataplane/dataplane.hpp"
#include "dataplane/kernel_state.hpp"
#include "records/endpoints.hpp"

namespace netmod::plugin {

// The records plugins file and read (records/endpoints.hpp).
using records::EndpointRecord;
using records::Endpoints;

struct Observed {
  // Inside the task (nullopt link: no interface of the record's name).
  std::optional<dataplane::state::Link> task_link;
  std::vector<dataplane::state::Address> task_addresses;  // of task_link
  std::vector<dataplane::state::Route> task_routes;       // every table, both families
  std::vector<dataplane::state::Rule> task_rules;
  // On the host.
  std::optional<dataplane::state::Link> host_link;
  std::vector<dataplane::state::Route> host_routes;  // main table
  std::vector<dataplane::ruleset::Element> missing_elements;
};

struct Difference {
  enum class Side { task, host, rules };
  Side side;
  std::string what;  // "eth0 lacks address 10.65.0.7/32"
};

// Reads what the kernel holds of `rec`. `task_nl`: a socket bound to the
// task's namespace, or nullptr when that namespace is gone (only the
// host side is read then).
Result<Observed> observe(dataplane::Dataplane& dp, const EndpointRecord& rec, dataplane::NetlinkSocket* task_nl);
// The task's side alone, into `seen`.
Result<void> observe_task(dataplane::NetlinkSocket& task_nl, const EndpointRecord& rec, Observed& seen);

// What differs between the record and the kernel: inside the task, the
// interface present and up, each address, each route via the gateway (and
// a later attachment's table and rules); on the host, the host end present
// and up, a route to each address through it, and every address' isolation
// elements.
std::vector<Difference> differences(const EndpointRecord& rec, const Observed& seen, bool task_side);

// "a; b; c (and 4 more)": a message naming what differs.
std::string describe(const std::vector<Difference>& diffs);

}  // namespace netmod::plugin

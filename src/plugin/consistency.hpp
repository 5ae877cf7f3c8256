// Endpoint records against IPAM's allocations, for `netmod ipam check`:
// every address an endpoint wires must be allocated, to the endpoint's own
// handle where one of that name exists (CNI: container id ":" ifname).
// Pure, like ipam::check.
#pragma once

#include <vector>

#include "ipam/check.hpp"
#include "records/endpoints.hpp"

namespace netmod::plugin {

// The records plugins file and read (records/endpoints.hpp).
using records::EndpointRecord;
using records::Endpoints;

// Kinds: endpoint_address_free (IPAM holds the address free: it may be
// handed to another task while this one uses it), endpoint_address_foreign
// (held by another handle than the endpoint's own).
std::vector<ipam::Problem> check_endpoints(const ipam::Snapshot& snapshot, const std::vector<EndpointRecord>& endpoints);

}  // namespace netmod::plugin

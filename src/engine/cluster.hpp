// What a host's kernel needs from the rest of the cluster (DESIGN.md,
// "Cluster"), computed from the store's records alone. Pure.
//
// Routes (host-gw: hosts on one L2 segment reach each other's fabric
// addresses directly):
//  - a block affine to another host: via that host's fabric address of the
//    block's family;
//  - an address of a task on another host that lies in a block that host
//    does not hold (borrowed: its own blocks were full): a /32 or /128 via
//    the host the task is on (longest prefix wins over the block's route,
//    and over this host's blackhole when the block is this host's);
//  - this host's blocks are blackholed by the plan itself, its tasks' /32s
//    go through their host ends.
// A host with no fabric address of a family gets no routes of it (and
// is reported).
//
// Members: the addresses and netgroups of every other host's tasks; the
// plan puts them into the netgroup sets this host has, so rule 1 is checked
// at the destination against the source address.
#pragma once

#include <string>
#include <vector>

#include "ipam/ipam.hpp"
#include "net/cidr.hpp"
#include "records/endpoints.hpp"
#include "records/hosts.hpp"

namespace netmod::engine {

struct RemoteRoute {
  net::Cidr dst;
  net::IpAddress via;
  auto operator<=>(const RemoteRoute&) const = default;
};

struct RemoteMember {
  std::vector<net::IpAddress> addresses;
  std::vector<std::string> netgroups;
};

struct ClusterInput {
  std::vector<RemoteRoute> routes;
  std::vector<RemoteMember> members;
  std::vector<std::string> problems;  // hosts without a fabric address, ...
};

ClusterInput cluster_input(const std::string& host, const std::vector<ipam::AffinityRecord>& affinities,
                           const std::vector<records::EndpointRecord>& endpoints, const records::FabricMap& fabric);

}  // namespace netmod::engine

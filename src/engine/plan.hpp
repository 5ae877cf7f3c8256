// The planner: from a host's endpoint records, blocks and pools, the
// kernel state the host must hold. Pure: no kernel, no store. Each object
// has one encoding, the one the dataplane writes it with (ruleset.hpp for
// nftables elements and rules, rtnl.hpp for links, routes, neighbours),
// so what reconcile compares is what wiring made.
//
// Per task (an endpoint record of this host): its host end (named from
// the container id, in netmod's interface group, up), a /32 or /128 route
// per address through it and a permanent neighbour entry per address with
// the task's MAC, the proxy entry of the IPv6 gateway (a task with IPv6),
// its nftables elements (ruleset::task_elements), and, with netgroups, the
// fast-path hook on its host end. Host-wide: a blackhole per block of the
// host, the base ruleset and pool sets, and the sets and chains of every
// netgroup and combination a task of the host is in, each chain with its
// number of rules. From the cluster (cluster.hpp): a route per other
// host's block and per borrowed address, via that host; and other hosts'
// tasks in the sets of the netgroups this host has.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "dataplane/rtnl.hpp"
#include "dataplane/ruleset.hpp"
#include "engine/cluster.hpp"
#include "records/endpoints.hpp"

namespace netmod::engine {

struct HostInput {
  std::vector<records::EndpointRecord> endpoints;  // of this host
  std::vector<net::Cidr> local_blocks;
  std::vector<dataplane::ruleset::PoolRules> pools;
  // Other hosts' blocks, borrowed addresses and netgroup members.
  ClusterInput cluster;
};

struct TaskLink {
  std::string container_id;
  std::vector<net::IpAddress> addresses;
  std::vector<std::string> netgroups;
  dataplane::rtnl::Mac task_mac{};
  bool operator==(const TaskLink&) const = default;
};

struct HostRoute {
  net::Cidr dst;
  std::string ifname;  // empty: a blackhole, or via `via`
  std::optional<net::IpAddress> via;  // another host's fabric address
  auto operator<=>(const HostRoute&) const = default;
};

struct Neighbour {
  std::string ifname;
  net::IpAddress ip;
  std::optional<dataplane::rtnl::Mac> mac;  // nullopt: a proxy entry
  auto operator<=>(const Neighbour&) const = default;
};

// An nftables object by name (the fast-path table's with `fast`).
struct Object {
  std::string name;
  bool chain = false;
  bool fast = false;
  auto operator<=>(const Object&) const = default;
};

struct Plan {
  std::map<std::string, TaskLink> links;  // by host end name
  std::set<HostRoute> routes;
  std::set<Neighbour> neighbours;         // permanent entries and proxy entries
  // Every task's elements; a fast-path dev_v4/dev_v6 element's data
  // ifindex is 0 here (the differ takes it from the kernel's link).
  std::vector<dataplane::ruleset::Element> elements;
  std::set<std::string> hooks;            // host ends hooked to the fast path (a base chain each)
  // Sets and chains that must exist, and, for the chains, how many rules
  // each holds (a chain with another number is written anew).
  std::set<Object> objects;
  std::map<Object, size_t> rule_counts;
  // nft syntax that makes each object when it is missing, by object:
  // the base ruleset, a combination's sets and chain, the fast-path base.
  std::map<Object, std::string> makers;
  std::vector<dataplane::ruleset::PoolRules> pools;
  // Task links no record wants that stay this time (a plugin may be wiring
  // one: plugin/reconcile.hpp, ReconcileOptions::unowned_links).
  std::set<std::string> spare_links;
};

Plan plan(const HostInput& input);

// The number of rules each chain gets from nft syntax written by
// ruleset.hpp ("add rule <table> <chain> ..." lines), by chain.
std::map<Object, size_t> count_rules(const std::string& nft_text);

}  // namespace netmod::engine

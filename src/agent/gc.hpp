// Garbage collection by the agents (DESIGN.md, "Cluster"): what no live
// task or host holds any more is released, but only after it has been
// seen so twice, a grace period apart (agent.gc_grace_seconds), and never
// while its task lives.
//
// Garbage, each with the one agent that acts on it:
//  - a host gone: it had an agent (it has a fabric record) and has none
//    now (its lease expired): its endpoint records are forgotten, its
//    allocations released, its empty blocks freed, its fabric record
//    removed, so every other host drops its routes. Any live agent acts;
//    the work is transactional, so two at once do it once.
//  - an endpoint of this host whose task's namespace is gone (the task
//    died and nothing called cleanup or DEL): unwired, forgotten, its
//    addresses released, by this host's agent.
//  - an allocation this host asked for that no endpoint uses (allocated,
//    never isolated; or left by an interrupted call): released, by this
//    host's agent. (Addresses parked for a veth being deleted are
//    reconcile's, not garbage.)
#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ipam/ipam.hpp"
#include "records/endpoints.hpp"
#include "records/hosts.hpp"

namespace netmod::agent {

struct GcCandidate {
  enum class Kind { host_gone, endpoint_gone, allocation_unused };
  Kind kind = Kind::host_gone;
  std::string host;  // the host it belongs to
  std::string id;    // the host, the endpoint's container id, or the allocation's handle
  std::string why;
  std::string action;  // what collecting it does
  std::string key() const;
};

struct GcInput {
  std::string host;                            // this host
  std::set<std::string> hosts_with_fabric;     // had an agent
  std::set<std::string> hosts_with_agent;      // have a live one
  std::vector<records::EndpointRecord> endpoints;  // of every host
  std::vector<ipam::HandleRecord> handles;
  std::set<std::string> endpoints_without_namespace;  // container ids of this host's
};

// Pure: what is garbage now, as this host's agent sees it.
std::vector<GcCandidate> gc_candidates(const GcInput& in);

// The two observations: remembers when each candidate was first seen,
// forgets those that stopped being candidates, and returns those seen
// `grace` ago or more and seen again now.
class GcClock {
 public:
  explicit GcClock(std::chrono::seconds grace) : grace_(grace) {}
  std::vector<GcCandidate> due(const std::vector<GcCandidate>& now, std::chrono::steady_clock::time_point t);

 private:
  std::chrono::seconds grace_;
  std::map<std::string, std::chrono::steady_clock::time_point> first_seen_;
};

}  // namespace netmod::agent

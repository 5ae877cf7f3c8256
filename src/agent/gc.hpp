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
//  - a task record (records/tasks.hpp) whose launcher is definitely dead
//    (launcher_dead: killed with -9, so it never removed what it filed;
//    its task died with it): removed with its names and port claims, by
//    the agent of the task's host, or, for a task still waiting for a
//    host, by any agent on the launcher's machine. Its endpoint and
//    allocation go as those of any dead task.
//  - a name or a host port claim whose task record is gone (an orphan,
//    which no launcher writes: they are filed and removed with the
//    record): removed, by any live agent.
#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "agent/processes.hpp"
#include "ipam/ipam.hpp"
#include "records/endpoints.hpp"
#include "records/hosts.hpp"
#include "records/tasks.hpp"

namespace netmod::agent {

struct GcCandidate {
  enum class Kind { host_gone, endpoint_gone, allocation_unused, task_dead, name_orphan, port_claim_orphan };
  Kind kind = Kind::host_gone;
  // The host it belongs to; a waiting task's: the agent that collects it;
  // a name's: none.
  std::string host;
  // The host, the endpoint's container id, the allocation's handle, the
  // task's id, or an orphan's store key.
  std::string id;
  std::string why;
  std::string action;  // what collecting it does
  std::string task;    // orphans: the task id they name
  std::string key() const;
};

// "host-gone", "task-dead", ... (for `netmod ipam check --json`).
std::string_view kind_name(GcCandidate::Kind kind);

// A launcher is definitely dead when its record names this boot of this
// machine and its pid is gone or runs another process (another start
// time). Anything else — another machine or boot, a pid or start time not
// recorded, a /proc that cannot be read — is not known dead: such a
// record is never collected.
bool launcher_dead(const records::TaskRecord& t, const Processes& processes);

struct GcInput {
  std::string host;                            // this host
  std::set<std::string> hosts_with_fabric;     // had an agent
  std::set<std::string> hosts_with_agent;      // have a live one
  std::vector<records::EndpointRecord> endpoints;  // of every host
  std::vector<ipam::HandleRecord> handles;
  std::set<std::string> endpoints_without_namespace;  // container ids of this host's
  // Tasks: every record that can be read, the ids of all (readable or
  // not: an unreadable record still owns its names), which have a dead
  // launcher (launcher_dead), and what is filed for them.
  std::vector<records::TaskRecord> tasks;
  std::set<std::string> task_ids;
  std::set<std::string> tasks_launcher_dead;
  std::vector<records::NameEntry> names;
  std::vector<records::PortClaim> port_claims;
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

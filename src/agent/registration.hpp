// An agent's hold on its host name (DESIGN.md, "Cluster"): the agent
// record under a lease, and the host's fabric record beside it (without
// one: routes to the host's tasks stay while its agent restarts).
//
// acquire() refuses a host another live agent holds (Errc::conflict,
// naming it). A holder that is dead is told apart without waiting for its
// lease: same machine (boot id), and its pid no longer runs the process
// that registered (start time) — an agent killed with -9 and restarted
// takes over at once. A holder on another machine is live until its lease
// expires.
#pragma once

#include <chrono>
#include <functional>

#include "records/hosts.hpp"
#include "store/store.hpp"

namespace netmod::agent {

// Whether the agent described by `r` still runs (injected in tests).
using HolderAlive = std::function<bool(const records::AgentRecord& r)>;
// The real check: this machine's boot id and /proc.
bool holder_alive_on_this_machine(const records::AgentRecord& r);
// This process as an agent record's pid, pid_start and boot_id.
records::AgentRecord this_process(const std::string& host, const std::vector<net::IpAddress>& fabric);

class Registration {
 public:
  static Result<Registration> acquire(store::Store& store, records::AgentRecord me, std::chrono::seconds ttl,
                                      HolderAlive alive);

  // Renews the lease. When it has ended (the store was unreachable for
  // longer than its TTL), registers again; Errc::conflict when another
  // agent took the host meanwhile (the agent must stop).
  Result<void> renew();
  // Ends the lease (clean stop): the agent record goes, the fabric record
  // stays.
  Result<void> release();

  int64_t lease() const { return lease_; }
  uint64_t renewals() const { return renewals_; }

 private:
  Registration(store::Store& store, records::AgentRecord me, std::chrono::seconds ttl, HolderAlive alive)
      : store_(&store), me_(std::move(me)), ttl_(ttl), alive_(std::move(alive)) {}
  Result<void> register_once();

  store::Store* store_;
  records::AgentRecord me_;
  std::chrono::seconds ttl_;
  HolderAlive alive_;
  int64_t lease_ = 0;
  uint64_t renewals_ = 0;
};

}  // namespace netmod::agent

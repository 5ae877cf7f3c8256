// The per-host agent (`netmod agent`): holds the host's registration, and
// makes the host's kernel follow the store — at start, on every change
// its watch of netmod's keys reports, and every resync_seconds — with the
// engine (plugin/reconcile.hpp). Serves /metrics and /healthz, and DNS for
// task names (agent/dns.hpp).
//
// Threads: the loop (watch, reconcile) in the caller's thread, one that
// renews the lease every third of its TTL, the HTTP server's and the DNS
// responder's. Stops
// when `stop` is set (the command sets it on SIGTERM or SIGINT): the lease
// is revoked, the kernel left as it is, so tasks keep their networking.
#pragma once

#include <atomic>

#include "agent/metrics.hpp"
#include "agent/processes.hpp"
#include "agent/registration.hpp"
#include "config/config.hpp"
#include "dataplane/kernel.hpp"
#include "store/store.hpp"

namespace netmod::agent {

struct AgentOptions {
  config::Config config;
  std::string host;
  dataplane::Kernel* kernel = nullptr;
  HolderAlive alive = holder_alive_on_this_machine;
  const Processes* processes = &this_machine_processes();  // whether task launchers live (gc.hpp)
  unsigned task_workers = 1;
  std::atomic<bool>* stop = nullptr;
};

// Runs until stopped (ok) or until the agent cannot go on: its host taken
// by another agent, the metrics or DNS address in use, no fabric address.
Result<void> run_agent(store::Store& store, const AgentOptions& options, Metrics& metrics);

}  // namespace netmod::agent

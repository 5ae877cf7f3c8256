// Garbage collection's reads and actions (gc.hpp decides what is garbage).
#pragma once

#include "agent/gc.hpp"
#include "dataplane/kernel.hpp"
#include "store/store.hpp"

namespace netmod::agent {

// What gc_candidates needs: the records at one revision, which of this
// host's endpoints' namespaces are gone (asked of `kernel`), and which
// tasks' launchers are dead (asked of `processes`).
Result<GcInput> read_gc_input(store::Store& store, ipam::Ipam& ipam, dataplane::Kernel& kernel,
                              const Processes& processes, const std::string& host);

// Collects one candidate, checking again first that it still is one (an
// agent that came back, an endpoint that appeared meanwhile, a launcher
// that lives: nothing is done). What was done, for the log; empty when
// nothing was.
Result<std::string> collect(store::Store& store, ipam::Ipam& ipam, dataplane::Kernel& kernel,
                            const Processes& processes, const GcCandidate& c);

}  // namespace netmod::agent

// A TCP forwarder from this machine into a simulated host: listens in the
// calling process's network namespace and opens each connection to the
// target from inside another one. `make demo` uses it to put the
// collector's page (in a task on a simulated host) at
// http://127.0.0.1:9001/ of the machine, where a browser is.
#pragma once

#include <atomic>
#include <string>

#include "common/result.hpp"

namespace netmod::launch {

struct ForwardOptions {
  std::string listen;  // "127.0.0.1:9001"
  std::string to;      // "10.65.0.5:9001" (as seen from `netns`)
  std::string netns;   // "/run/netns/host-1"; "": this namespace
};

// Serves until `*stop`; each connection is copied both ways on a thread of
// its own. An error when the listener or the namespace cannot be had.
Result<void> forward(const ForwardOptions& o, const std::atomic<bool>* stop);

}  // namespace netmod::launch

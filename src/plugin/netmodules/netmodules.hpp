// `netmod netmodules`: the plugin binary the seed's Mesos module runs as its
// ipam_command and isolator_command. Reads one request from stdin, writes
// exactly one JSON object to stdout, and nothing else:
//   success: the command's result with "error": null, exit 0
//   failure: {"error": "<clear message>"}, exit 1
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>

#include "config/config.hpp"
#include "plugin/finisher.hpp"

namespace netmod::plugin::netmodules {

// What a call needs from outside, injected so tests run it in-process.
struct Environment {
  config::Config config;
  std::function<Result<std::shared_ptr<store::Store>>()> open_store;
  // Does what a call leaves for after its answer (plugin/finisher.hpp):
  // a background process by default.
  std::shared_ptr<Finisher> finisher;
  // The kernel: Linux by default.
  dataplane::Kernel* kernel = &dataplane::linux_kernel();
};

Environment default_environment(config::Config config);

// Handles one request; returns the process exit code.
int run(std::istream& in, std::ostream& out, const Environment& env);

}  // namespace netmod::plugin::netmodules

// netmod as a CNI plugin of type "netmod": the same binary, chosen when
// CNI_COMMAND is set. Environment, stdin and stdout are parameters, so
// every command runs in-process in tests.
//
// Network configuration keys read by netmod (besides cniVersion, name,
// type): "netgroups" (default netgroups), "datastore", "hostname", "mtu",
// "log_file" (as in netmod.conf), "ipam": {"type": "netmod",
// "ipv4_pools": [...], "ipv6_pools": [...], "assign_ipv4": true,
// "assign_ipv6": false}, "args": {"org.apache.mesos": {"network_info":
// {...}}}, "runtimeConfig": {"ips": [...]}.
#pragma once

#include <functional>
#include <iosfwd>

#include "plugin/finisher.hpp"

namespace netmod::plugin::cni {

using plugin::Finisher;
using plugin::Machine;

using Getenv = std::function<const char*(const char*)>;

// Handles one CNI invocation; returns the exit code. Errors are CNI error
// JSON on stdout and a non-zero exit.
// `machine`: the kernel, and who does what a call leaves for after its
// answer (the process's choice: plugin/finisher.hpp).
int run(const Getenv& getenv, std::istream& in, std::ostream& out, Machine& machine);

}  // namespace netmod::plugin::cni

// Kernel parameters under /proc/sys, in the calling thread's network
// namespace (per-namespace files are resolved when opened).
#pragma once

#include <string>

#include "common/result.hpp"

namespace netmod::dataplane::sysctl {

// Writes `value` unless the file already holds it.
Result<void> set(const std::string& name, const std::string& value);  // "net/ipv4/ip_forward"
Result<std::string> get(const std::string& name);

}  // namespace netmod::dataplane::sysctl

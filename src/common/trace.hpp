// Timing trace points for finding where a plugin call's time goes: with
// NETMOD_TRACE set in the environment, each point prints
// "TRACE <seconds.microseconds since the epoch> <name>" to stderr
// (comparable with bash's $EPOCHREALTIME taken before the call). Without
// it a point costs one branch. docs/benchmarks.md shows the breakdowns
// made with it.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace netmod {

inline void trace_point(const char* name) {
  static const bool on = std::getenv("NETMOD_TRACE") != nullptr;
  if (!on) return;
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  std::fprintf(stderr, "TRACE %ld.%06ld %s\n", static_cast<long>(ts.tv_sec), ts.tv_nsec / 1000, name);
}

}  // namespace netmod

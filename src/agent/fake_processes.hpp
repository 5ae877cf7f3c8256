// Processes for tests: a boot id and a table of pid -> start time; pids in
// `unknowable` answer an error (a /proc that cannot be read).
#pragma once

#include <map>
#include <set>
#include <type_traits>

#include "agent/processes.hpp"

namespace netmod::agent {

class FakeProcesses final : public Processes {
 public:
  std::string boot = "boot-1";
  std::map<int64_t, int64_t> running;  // pid -> start time
  std::set<int64_t> unknowable;

  std::string boot_id() const override { return boot; }
  Result<std::optional<int64_t>> start_time(int64_t pid) const override {
    if (unknowable.count(pid)) return make_error(Errc::io, "cannot read /proc/" + std::to_string(pid));
    auto it = running.find(pid);
    if (it == running.end()) return std::optional<int64_t>{};
    return std::optional<int64_t>(it->second);
  }
};

static_assert(std::is_base_of_v<Processes, FakeProcesses> && !std::is_abstract_v<FakeProcesses>);

}  // namespace netmod::agent

// What the agent asks of this machine's processes: whether the launcher
// that filed a task record (records/tasks.hpp: pid, pid_start, boot_id)
// still runs. The real one reads /proc; tests use FakeProcesses
// (agent/fake_processes.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/result.hpp"

namespace netmod::agent {

class Processes {
 public:
  virtual ~Processes() = default;
  // This machine's boot id (/proc/sys/kernel/random/boot_id): a pid means
  // something only on the boot that recorded it. "" when it cannot be read.
  virtual std::string boot_id() const = 0;
  // The start time of process `pid` (field 22 of /proc/<pid>/stat, clock
  // ticks since boot; a reused pid has another). nullopt when there is no
  // such process; an error when it cannot be told — then nothing may be
  // taken for dead.
  virtual Result<std::optional<int64_t>> start_time(int64_t pid) const = 0;
};

// This machine's, through /proc. In a PID namespace of its own (an agent
// in a container) the machine's launchers are invisible, not gone:
// start_time() is then an error for every pid.
const Processes& this_machine_processes();

}  // namespace netmod::agent

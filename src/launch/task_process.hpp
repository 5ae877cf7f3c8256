// The process of a task: forked by its launcher, set up in namespaces of
// its own, started only when its network is wired. Between fork and exec
// the child only makes system calls (the launcher may have threads).
//
// The child:
//   - leads a process group of its own (signals reach the whole task: a
//     `sh -c` and what it starts), which its launcher forwards signals to;
//   - dies with its launcher (PR_SET_PDEATHSIG: after kill -9 of the
//     launcher nothing of the task runs on, and the agent's garbage
//     collection finds its namespace gone);
//   - has a network namespace of its own (unless on the host's network),
//     with lo up, and a mount namespace in which `resolv_conf` is bind
//     mounted over /etc/resolv.conf (its resolver is the agent's DNS);
//   - waits for go(), then execs the command.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "dataplane/fd.hpp"

namespace netmod::launch {

struct ProcessSpec {
  std::vector<std::string> argv;  // execvp'd: argv[0] is looked up in PATH
  std::vector<std::string> env;   // the whole environment, "K=V"
  std::string cwd;                // "": the launcher's
  bool own_netns = true;
  std::string resolv_conf;        // "": the machine's /etc/resolv.conf
};

class TaskProcess {
 public:
  // Forks and waits until the child is set up (its namespaces exist): an
  // error saying why when it could not be.
  static Result<TaskProcess> start(const ProcessSpec& spec);
  TaskProcess(TaskProcess&&) noexcept = default;
  TaskProcess& operator=(TaskProcess&&) noexcept = default;
  ~TaskProcess() = default;  // the child dies with its launcher; nothing to do here

  pid_t pid() const { return pid_; }
  // Lets the child exec its command; an error (naming the command and why)
  // when exec failed. The child is then already gone (reap it with wait()).
  Result<void> go();
  // Signals the task's whole process group.
  void signal(int sig) const;
  // The exit code once the child has ended (128 + signal number when a
  // signal ended it); nullopt while it runs.
  std::optional<int> poll();
  // Kills and reaps a child that must not run (a failed launch).
  void abort();

 private:
  TaskProcess(pid_t pid, dataplane::UniqueFd go, dataplane::UniqueFd exec_status)
      : pid_(pid), go_(std::move(go)), exec_status_(std::move(exec_status)) {}
  pid_t pid_ = -1;
  dataplane::UniqueFd go_;           // write end: one byte lets it exec
  dataplane::UniqueFd exec_status_;  // read end: EOF = exec succeeded, else errno
  std::optional<int> exit_code_;
};

// 128 + signal, or the exit status, from a waitpid status.
int exit_code_of(int wait_status);

}  // namespace netmod::launch

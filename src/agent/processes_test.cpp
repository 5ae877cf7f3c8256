#include "agent/processes.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

namespace netmod::agent {
namespace {

bool nested_pid_namespace() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("NSpid:")) return line.find_first_of(" \t", line.find_first_not_of(" \t", 6)) != std::string::npos;
  }
  return false;
}

TEST(Processes, ThisMachineHasABootIdAndSeesItself) {
  const Processes& p = this_machine_processes();
  EXPECT_EQ(p.boot_id().size(), 36u) << p.boot_id();
  if (nested_pid_namespace()) {
    EXPECT_FALSE(p.start_time(getpid())) << "in a nested PID namespace nothing may be taken for dead";
    GTEST_SKIP() << "in a PID namespace of its own";
  }
  auto me = p.start_time(getpid());
  ASSERT_TRUE(me) << me.error().message;
  ASSERT_TRUE(me->has_value());
  EXPECT_GT(**me, 0);
  auto again = p.start_time(getpid());
  ASSERT_TRUE(again && again->has_value());
  EXPECT_EQ(**again, **me);  // the same process, the same start
}

TEST(Processes, AReapedChildIsGone) {
  if (nested_pid_namespace()) GTEST_SKIP() << "in a PID namespace of its own";
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  auto gone = this_machine_processes().start_time(child);
  ASSERT_TRUE(gone) << gone.error().message;
  EXPECT_FALSE(gone->has_value());  // unless the pid was reused within microseconds
}

TEST(Processes, NoPidIsAnErrorNotADeadProcess) {
  EXPECT_FALSE(this_machine_processes().start_time(0));
  EXPECT_FALSE(this_machine_processes().start_time(-5));
}

}  // namespace
}  // namespace netmod::agent

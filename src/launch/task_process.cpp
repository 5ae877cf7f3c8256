#include "launch/task_process.hpp"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

namespace netmod::launch {

using dataplane::UniqueFd;

namespace {

// Child side, after fork: system calls only, no allocation.
[[noreturn]] void child_fail(int fd, const char* what) {
  char buf[256];
  int n = snprintf(buf, sizeof buf, "e%s: %s", what, strerror(errno));
  if (n > 0) (void)!write(fd, buf, static_cast<size_t>(std::min(n, static_cast<int>(sizeof buf) - 1)));
  _exit(126);
}

bool bring_up_lo() {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return false;
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  bool ok = ioctl(s, SIOCGIFFLAGS, &ifr) == 0;
  if (ok) {
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
    ok = ioctl(s, SIOCSIFFLAGS, &ifr) == 0;
  }
  close(s);
  return ok;
}

[[noreturn]] void run_child(pid_t launcher, int ready, int go, int exec_status, const ProcessSpec& spec,
                            char* const* argv, char* const* envp) {
  setpgid(0, 0);
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) child_fail(ready, "prctl(PR_SET_PDEATHSIG)");
  if (getppid() != launcher) _exit(126);  // the launcher is already gone
  if (unshare(CLONE_NEWNS | (spec.own_netns ? CLONE_NEWNET : 0)) != 0) child_fail(ready, "unshare");
  if (spec.own_netns && !bring_up_lo()) child_fail(ready, "bringing up lo");
  // Mounts made here stay here, and the machine's do not move under it.
  if (mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0) child_fail(ready, "mount(MS_SLAVE)");
  if (!spec.resolv_conf.empty() && access("/etc/resolv.conf", F_OK) == 0 &&
      mount(spec.resolv_conf.c_str(), "/etc/resolv.conf", nullptr, MS_BIND, nullptr) != 0) {
    child_fail(ready, "bind mounting the task's resolv.conf");
  }
  if (write(ready, "r", 1) != 1) _exit(126);
  close(ready);
  char c = 0;
  if (read(go, &c, 1) != 1 || c != 'g') _exit(126);  // the launch failed
  close(go);
  if (!spec.cwd.empty() && chdir(spec.cwd.c_str()) != 0) {
    int e = errno;
    (void)!write(exec_status, &e, sizeof e);
    _exit(127);
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execvpe(argv[0], argv, envp);
  int e = errno;
  (void)!write(exec_status, &e, sizeof e);
  _exit(127);
}

}  // namespace

int exit_code_of(int status) {
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 1;
}

Result<TaskProcess> TaskProcess::start(const ProcessSpec& spec) {
  if (spec.argv.empty()) return make_error(Errc::invalid_argument, "no command to run");
  // Everything the child uses is built before fork.
  std::vector<char*> argv;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : spec.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  int ready[2], go[2], status[2];
  if (pipe2(ready, O_CLOEXEC) != 0) return make_error(Errc::io, std::string("pipe: ") + strerror(errno));
  UniqueFd ready_r(ready[0]), ready_w(ready[1]);
  if (pipe2(go, O_CLOEXEC) != 0) return make_error(Errc::io, std::string("pipe: ") + strerror(errno));
  UniqueFd go_r(go[0]), go_w(go[1]);
  if (pipe2(status, O_CLOEXEC) != 0) return make_error(Errc::io, std::string("pipe: ") + strerror(errno));
  UniqueFd status_r(status[0]), status_w(status[1]);
  const pid_t launcher = getpid();
  pid_t pid = fork();
  if (pid < 0) return make_error(Errc::io, std::string("fork: ") + strerror(errno));
  if (pid == 0) run_child(launcher, ready_w.get(), go_r.get(), status_w.get(), spec, argv.data(), envp.data());
  ready_w.reset();
  go_r.reset();
  status_w.reset();
  // Also set here: a signal forwarded before the child ran setpgid must
  // still reach its group.
  setpgid(pid, pid);
  TaskProcess p(pid, std::move(go_w), std::move(status_r));
  char buf[256];
  ssize_t n;
  do {
    n = read(ready_r.get(), buf, sizeof buf);
  } while (n < 0 && errno == EINTR);
  if (n == 1 && buf[0] == 'r') return p;
  p.abort();
  if (n > 1 && buf[0] == 'e') {
    return make_error(Errc::io, "setting up the task's process: " + std::string(buf + 1, static_cast<size_t>(n - 1)));
  }
  return make_error(Errc::io, "the task's process ended while being set up");
}

Result<void> TaskProcess::go() {
  if (write(go_.get(), "g", 1) != 1) return make_error(Errc::io, std::string("starting the task: ") + strerror(errno));
  go_.reset();
  int e = 0;
  ssize_t n;
  do {
    n = read(exec_status_.get(), &e, sizeof e);
  } while (n < 0 && errno == EINTR);
  exec_status_.reset();
  if (n == static_cast<ssize_t>(sizeof e)) {
    return make_error(Errc::invalid_argument, "cannot run " + std::string("the command") + ": " + strerror(e));
  }
  return ok();
}

void TaskProcess::signal(int sig) const {
  if (pid_ > 0 && !exit_code_) ::kill(-pid_, sig);
}

std::optional<int> TaskProcess::poll() {
  if (exit_code_ || pid_ <= 0) return exit_code_;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) exit_code_ = exit_code_of(status);
  return exit_code_;
}

void TaskProcess::abort() {
  if (pid_ <= 0 || exit_code_) return;
  ::kill(-pid_, SIGKILL);
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  exit_code_ = exit_code_of(status);
}

}  // namespace netmod::launch

#include "process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace netmod::testing {

std::string netmod_bin() {
  const char* b = std::getenv("NETMOD_BIN");
  return b ? b : "netmod";
}

Child::Child(const std::vector<std::string>& argv, const std::string& input) {
  // A child that exits without reading its stdin must not kill the test.
  static const bool ignored = (signal(SIGPIPE, SIG_IGN), true);
  (void)ignored;
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
    throw std::runtime_error("pipe failed");
  }
  // Built before fork: the child of a threaded process may only make
  // async-signal-safe calls before exec.
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_ = fork();
  if (pid_ == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    execv(args[0], args.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  // Requests are small; the pipe buffer holds them, so this never blocks.
  if (!input.empty() && write(in[1], input.data(), input.size()) < 0) {
    // the child may already have exited; its outcome tells
  }
  close(in[1]);
  out_fd_ = out[0];
  err_fd_ = err[0];
}

Child::Child(Child&& o) noexcept : pid_(o.pid_), out_fd_(o.out_fd_), err_fd_(o.err_fd_) {
  o.pid_ = -1;
  o.out_fd_ = o.err_fd_ = -1;
}

Child::~Child() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    wait();
  }
}

void Child::kill(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

Outcome Child::wait() {
  Outcome o;
  pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
  std::string* sinks[2] = {&o.out, &o.err};
  int open_fds = 2;
  char buf[4096];
  while (open_fds > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<size_t>(n));
      } else {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  out_fd_ = err_fd_ = -1;
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  if (WIFEXITED(status)) o.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) o.signal = WTERMSIG(status);
  return o;
}

Outcome run(const std::vector<std::string>& argv, const std::string& input) {
  return Child(argv, input).wait();
}

TempDir::TempDir() {
  char tmpl[] = "/tmp/netmod-test-XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() { std::filesystem::remove_all(path_); }

std::string TempDir::write_config(const std::string& extra_json) const {
  std::string p = path_ + "/netmod.conf";
  std::ofstream(p) << "{\"datastore\": {\"path\": \"" << store_path() << "\"}, \"hostname\": \"test-host\""
                   << (extra_json.empty() ? "" : ", ") << extra_json << "}";
  return p;
}

}  // namespace netmod::testing

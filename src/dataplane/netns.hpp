// Network namespaces: a move-only handle, and the one function in netmod
// that switches the calling thread into another namespace.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>

#include "common/result.hpp"
#include "dataplane/fd.hpp"

namespace netmod::dataplane {

class Netns {
 public:
  // The namespace of a process: /proc/<pid>/ns/net. Errc::not_found when
  // the process does not exist (or has exited).
  static Result<Netns> of_pid(pid_t pid);
  // A namespace file (/proc/<pid>/ns/net, /run/netns/NAME, a bind mount).
  // Errc::not_found when absent, Errc::invalid_argument when the file is not
  // a network namespace.
  static Result<Netns> open(const std::string& path);
  // The calling thread's own namespace.
  static Result<Netns> current();
  // A namespace known by other means than its path (a Kernel
  // implementation's: the simulated kernel names its namespaces so).
  static Netns known(UniqueFd fd, dev_t dev, ino_t ino, std::string path) {
    return Netns(std::move(fd), dev, ino, std::move(path));
  }

  int fd() const { return fd_.get(); }
  // Identity of the namespace (device and inode of its nsfs file).
  dev_t dev() const { return dev_; }
  ino_t inode() const { return ino_; }
  bool same_as(const Netns& o) const { return dev_ == o.dev_ && ino_ == o.ino_; }
  const std::string& path() const { return path_; }

 private:
  Netns(UniqueFd fd, dev_t dev, ino_t ino, std::string path)
      : fd_(std::move(fd)), dev_(dev), ino_(ino), path_(std::move(path)) {}
  UniqueFd fd_;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  std::string path_;
};

// Runs `fn` with the calling thread in `ns`, then switches back. If
// switching back fails the process aborts: a thread left in the wrong
// namespace would silently act on the wrong network.
Result<void> with_netns(const Netns& ns, const std::function<Result<void>()>& fn);

}  // namespace netmod::dataplane

#include "dataplane/netns.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <cstdio>
#include <cstdlib>

namespace netmod::dataplane {

Result<Netns> Netns::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ESRCH) {
      return make_error(Errc::not_found, "network namespace " + path + " does not exist");
    }
    return sys_error("opening network namespace " + path);
  }
  UniqueFd owned(fd);
  struct statfs sfs {};
  struct stat st {};
  if (fstatfs(fd, &sfs) != 0 || fstat(fd, &st) != 0) return sys_error("inspecting " + path);
  if (static_cast<unsigned long>(sfs.f_type) != NSFS_MAGIC) {
    return make_error(Errc::invalid_argument, path + " is not a network namespace");
  }
  // An nsfs file of another kind (ns/mnt, ns/pid) must not be taken for one.
  if (ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET) {
    return make_error(Errc::invalid_argument, path + " is not a network namespace");
  }
  return Netns(std::move(owned), st.st_dev, st.st_ino, path);
}

Result<Netns> Netns::of_pid(pid_t pid) {
  auto ns = open("/proc/" + std::to_string(pid) + "/ns/net");
  if (!ns && ns.error().code == Errc::not_found) {
    return make_error(Errc::not_found, "process " + std::to_string(pid) + " does not exist");
  }
  return ns;
}

Result<Netns> Netns::current() { return open("/proc/thread-self/ns/net"); }

Result<void> with_netns(const Netns& ns, const std::function<Result<void>()>& fn) {
  NETMOD_ASSIGN_OR_RETURN(Netns home, Netns::current());
  if (home.same_as(ns)) return fn();
  if (setns(ns.fd(), CLONE_NEWNET) != 0) return sys_error("entering network namespace " + ns.path());
  Result<void> r = fn();
  if (setns(home.fd(), CLONE_NEWNET) != 0) {
    std::perror("netmod: cannot return to the original network namespace");
    std::abort();
  }
  return r;
}

}  // namespace netmod::dataplane

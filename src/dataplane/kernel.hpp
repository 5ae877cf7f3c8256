// The kernel, as the dataplane and the front ends reach it: netlink
// sockets (in the host's namespace, or bound to a task's), namespaces by
// path, sysctls, and nft syntax. Linux is one implementation
// (linux_kernel()); a simulated kernel is the other (fake_kernel.hpp), so
// that ADD, DEL, CHECK, isolate, cleanup and reconcile run in unit tests
// without root. Which one a process uses is decided where it starts.
#pragma once

#include <string>

#include "common/result.hpp"
#include "dataplane/netlink.hpp"
#include "dataplane/netns.hpp"

namespace netmod::dataplane {

class Kernel {
 public:
  virtual ~Kernel() = default;
  // A netlink socket in the calling thread's (the host's) namespace.
  virtual Result<NetlinkSocket> open_socket(int protocol) = 0;
  // A rtnetlink socket bound to `ns` (the one namespace switch of a call).
  virtual Result<NetlinkSocket> socket_in(const Netns& ns) = 0;
  // A namespace file (Netns::open's outcomes: not_found, invalid_argument).
  virtual Result<Netns> open_netns(const std::string& path) = 0;
  // The calling thread's own namespace.
  virtual Result<Netns> current_netns() = 0;
  // "net/ipv4/ip_forward" = "1".
  virtual Result<void> set_sysctl(const std::string& name, const std::string& value) = 0;
  // nft syntax, one transaction (Nft::run's outcomes).
  virtual Result<void> run_nft(const std::string& commands) = 0;
};

// The running Linux kernel (libnftables loaded on first use).
Kernel& linux_kernel();

}  // namespace netmod::dataplane

// A real etcd (Debian's etcd-server) for tests: started on free loopback
// ports with its data in a fresh directory under /dev/shm, stopped and
// removed with the object. Tests of the etcd backend and the cluster run
// against it, never against an etcd they did not start.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace netmod::testing {

class EtcdServer {
 public:
  struct Options {
    std::vector<std::string> extra_args;  // e.g. TLS flags
    std::string scheme = "http";
  };
  // Starts etcd and waits (up to 20 s) until it answers; aborts the test
  // binary with a message when it cannot.
  EtcdServer();
  explicit EtcdServer(Options options);
  ~EtcdServer();
  EtcdServer(const EtcdServer&) = delete;
  EtcdServer& operator=(const EtcdServer&) = delete;

  // "http://127.0.0.1:<port>"
  const std::string& endpoint() const { return endpoint_; }
  // Stops etcd (SIGKILL) and starts it again on the same port and data.
  void stop();
  void start();

 private:
  Options options_;
  std::string dir_;
  std::string endpoint_;
  int client_port_ = 0, peer_port_ = 0;
  pid_t pid_ = -1;
};

// A TCP port nothing listens on now (bound and released).
int free_port();

}  // namespace netmod::testing

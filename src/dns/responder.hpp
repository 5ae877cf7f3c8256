// The DNS responder of the agent: answers queries for task names (zone.hpp)
// over UDP and over TCP (RFC 7766: a 2-byte length before each message;
// resolvers retry there when a UDP answer comes truncated) on one or more
// addresses, from a thread of its own.
//
// One thread serves every socket with poll(): a query is a parse, one
// lookup (one prefix list of the store) and a send, so one thread keeps up,
// and no query waits behind another's slow TCP client: TCP connections are
// non-blocking, at most kMaxConnections at once, closed after
// kIdleSeconds without a message.
#pragma once

#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "dataplane/fd.hpp"
#include "dns/zone.hpp"
#include "net/endpoint.hpp"

namespace netmod::dns {

struct ResponderOptions {
  std::vector<net::Endpoint> addresses;  // port 0: any (the same for UDP and TCP)
  Zone zone;
  // Called on the responder's thread after each answer (for metrics).
  std::function<void(Rcode, Transport)> on_answer;
};

class Responder {
 public:
  static constexpr size_t kMaxConnections = 64;
  static constexpr int kIdleSeconds = 10;

  // Binds UDP and TCP on every address before returning (errors name the
  // address and the protocol: "binding UDP to 10.0.0.1:53: Address already
  // in use"), then serves until stopped. UDP sockets of a wildcard address
  // answer from the address each query was sent to.
  static Result<std::unique_ptr<Responder>> start(ResponderOptions options);
  ~Responder();
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;

  // Stops serving and closes every socket; idempotent.
  void stop();

  // The addresses served, with the ports the kernel chose for port 0.
  const std::vector<net::Endpoint>& bound() const { return bound_; }

 private:
  struct Connection;
  Responder() = default;
  void serve();
  void serve_udp(int fd);
  void accept_tcp(int fd);
  bool read_tcp(Connection& c);   // false: close it
  bool write_tcp(Connection& c);  // false: close it

  ResponderOptions options_;
  std::vector<net::Endpoint> bound_;
  std::vector<dataplane::UniqueFd> udp_;
  std::vector<dataplane::UniqueFd> tcp_;
  std::vector<std::unique_ptr<Connection>> connections_;
  dataplane::UniqueFd stop_event_;
  std::thread thread_;
};

}  // namespace netmod::dns

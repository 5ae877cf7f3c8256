#include "dns/responder.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstring>

namespace netmod::dns {

using dataplane::UniqueFd;
using Clock = std::chrono::steady_clock;

struct Responder::Connection {
  UniqueFd fd;
  std::string in;   // bytes read, not yet a whole message
  std::string out;  // answers not yet sent
  Clock::time_point last = Clock::now();
};

namespace {

// A client that sends queries and reads no answers is cut off here.
constexpr size_t kMaxPendingOutput = 1 << 20;
// Above this much unsent output, its queries are not read.
constexpr size_t kPauseReading = 64 * 1024;
constexpr int kUdpBatch = 64;  // datagrams per wake, so TCP is not starved

socklen_t to_sockaddr(const net::Endpoint& e, sockaddr_storage& ss) {
  ss = {};
  const auto bytes = e.address.bytes();
  if (e.address.is_v4()) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
    v4->sin_family = AF_INET;
    v4->sin_port = htons(e.port);
    std::memcpy(&v4->sin_addr, bytes.data(), 4);
    return sizeof(sockaddr_in);
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  v6->sin6_family = AF_INET6;
  v6->sin6_port = htons(e.port);
  std::memcpy(&v6->sin6_addr, bytes.data(), 16);
  return sizeof(sockaddr_in6);
}

uint16_t bound_port(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  return ntohs(ss.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&ss)->sin_port
                                       : reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
}

Result<UniqueFd> bind_socket(const net::Endpoint& e, bool tcp) {
  const char* proto = tcp ? "TCP" : "UDP";
  const int family = e.address.is_v4() ? AF_INET : AF_INET6;
  UniqueFd s(socket(family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!s.valid()) return sys_error(std::string("opening a ") + proto + " socket for " + e.str());
  int one = 1;
  // "[::]:53" beside "0.0.0.0:53": each family on its own socket.
  if (family == AF_INET6) setsockopt(s.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (tcp) {
    // A restart must not wait for the last run's connections in TIME_WAIT
    // (on Linux this never lets two listeners share a port).
    setsockopt(s.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  } else if (family == AF_INET) {
    setsockopt(s.get(), IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
  } else {
    setsockopt(s.get(), IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one);
  }
  sockaddr_storage ss{};
  const socklen_t len = to_sockaddr(e, ss);
  if (bind(s.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    return sys_error(std::string("binding ") + proto + " to " + e.str());
  }
  if (tcp && listen(s.get(), 64) != 0) return sys_error("listening on TCP " + e.str());
  return s;
}

}  // namespace

Result<std::unique_ptr<Responder>> Responder::start(ResponderOptions options) {
  if (options.addresses.empty()) return make_error(Errc::invalid_argument, "no address to serve DNS on");
  if (!options.zone.lookup) return make_error(Errc::invalid_argument, "no lookup to answer DNS from");
  std::unique_ptr<Responder> r(new Responder());
  for (const auto& want : options.addresses) {
    // Port 0: UDP takes any port, TCP the same one; another process may
    // hold that TCP port, so a few tries.
    for (int attempt = 0;; ++attempt) {
      NETMOD_ASSIGN_OR_RETURN(auto udp, bind_socket(want, false));
      net::Endpoint got{want.address, bound_port(udp.get())};
      auto tcp = bind_socket(got, true);
      if (!tcp && want.port == 0 && tcp.error().sys_errno == EADDRINUSE && attempt < 8) continue;
      if (!tcp) return std::move(tcp).error();
      r->udp_.push_back(std::move(udp));
      r->tcp_.push_back(std::move(*tcp));
      r->bound_.push_back(got);
      break;
    }
  }
  r->stop_event_ = UniqueFd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!r->stop_event_.valid()) return sys_error("eventfd");
  r->options_ = std::move(options);
  r->thread_ = std::thread([p = r.get()] { p->serve(); });
  return r;
}

Responder::~Responder() { stop(); }

void Responder::stop() {
  if (!thread_.joinable()) return;
  uint64_t one = 1;
  (void)!write(stop_event_.get(), &one, sizeof one);
  thread_.join();
  connections_.clear();
  udp_.clear();
  tcp_.clear();
}

void Responder::serve() {
  std::vector<pollfd> fds;
  for (;;) {
    fds.clear();
    fds.push_back({stop_event_.get(), POLLIN, 0});
    for (const auto& c : connections_) {
      const short events = static_cast<short>((c->out.empty() ? 0 : POLLOUT) | (c->out.size() < kPauseReading ? POLLIN : 0));
      fds.push_back({c->fd.get(), events, 0});
    }
    for (const auto& s : udp_) fds.push_back({s.get(), POLLIN, 0});
    for (const auto& s : tcp_) fds.push_back({s.get(), POLLIN, 0});
    // With connections open, wake each second to close idle ones.
    if (poll(fds.data(), fds.size(), connections_.empty() ? -1 : 1000) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[0].revents) return;
    size_t at = 1;
    const auto now = Clock::now();
    std::vector<bool> keep(connections_.size(), true);
    for (size_t i = 0; i < connections_.size(); ++i, ++at) {
      Connection& c = *connections_[i];
      const short ev = fds[at].revents;
      if (ev & (POLLIN | POLLHUP | POLLERR)) keep[i] = read_tcp(c);
      if (keep[i] && (ev & POLLOUT)) keep[i] = write_tcp(c);
      if (keep[i] && now - c.last > std::chrono::seconds(kIdleSeconds)) keep[i] = false;
    }
    for (size_t i = connections_.size(); i-- > 0;) {
      if (!keep[i]) connections_.erase(connections_.begin() + static_cast<std::ptrdiff_t>(i));
    }
    for (const auto& s : udp_) {
      if (fds[at++].revents & POLLIN) serve_udp(s.get());
    }
    for (const auto& s : tcp_) {
      if (fds[at++].revents & POLLIN) accept_tcp(s.get());
    }
  }
}

void Responder::serve_udp(int fd) {
  // A query is small; a datagram larger than this is cut (MSG_TRUNC) and
  // then fails to parse as a whole, which is what it deserves.
  uint8_t buf[4096];
  for (int i = 0; i < kUdpBatch; ++i) {
    sockaddr_storage peer{};
    iovec iov{buf, sizeof buf};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in6_pktinfo)) + CMSG_SPACE(sizeof(in_pktinfo))];
    msghdr msg{};
    msg.msg_name = &peer;
    msg.msg_namelen = sizeof peer;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);
    if (n < 0) return;  // EAGAIN: drained; anything else: the next poll says
    auto handled = handle(options_.zone, std::span<const uint8_t>(buf, static_cast<size_t>(n)), Transport::udp);
    if (handled.reply.empty()) continue;
    if (options_.on_answer && handled.rcode) options_.on_answer(*handled.rcode, Transport::udp);
    // Answer from the address the query went to (a wildcard socket would
    // otherwise let routing pick a source the resolver does not expect).
    alignas(cmsghdr) char reply_control[CMSG_SPACE(sizeof(in6_pktinfo))] = {};
    msghdr out{};
    out.msg_name = &peer;
    out.msg_namelen = msg.msg_namelen;
    iovec out_iov{handled.reply.data(), handled.reply.size()};
    out.msg_iov = &out_iov;
    out.msg_iovlen = 1;
    for (cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
      if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
        in_pktinfo got{};
        std::memcpy(&got, CMSG_DATA(cm), sizeof got);
        in_pktinfo send_from{};
        send_from.ipi_spec_dst = got.ipi_spec_dst;
        out.msg_control = reply_control;
        out.msg_controllen = CMSG_SPACE(sizeof send_from);
        cmsghdr* rc = CMSG_FIRSTHDR(&out);
        rc->cmsg_level = IPPROTO_IP;
        rc->cmsg_type = IP_PKTINFO;
        rc->cmsg_len = CMSG_LEN(sizeof send_from);
        std::memcpy(CMSG_DATA(rc), &send_from, sizeof send_from);
      } else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO) {
        in6_pktinfo got{};
        std::memcpy(&got, CMSG_DATA(cm), sizeof got);
        out.msg_control = reply_control;
        out.msg_controllen = CMSG_SPACE(sizeof got);
        cmsghdr* rc = CMSG_FIRSTHDR(&out);
        rc->cmsg_level = IPPROTO_IPV6;
        rc->cmsg_type = IPV6_PKTINFO;
        rc->cmsg_len = CMSG_LEN(sizeof got);
        std::memcpy(CMSG_DATA(rc), &got, sizeof got);
      }
    }
    // A full send buffer drops the answer, as the network could: the
    // resolver asks again.
    (void)sendmsg(fd, &out, MSG_DONTWAIT | MSG_NOSIGNAL);
  }
}

void Responder::accept_tcp(int fd) {
  for (;;) {
    UniqueFd c(accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!c.valid()) return;
    // Over the limit, a new connection is closed at once: the resolver
    // falls back to another server or retries.
    if (connections_.size() >= kMaxConnections) continue;
    auto conn = std::make_unique<Connection>();
    conn->fd = std::move(c);
    connections_.push_back(std::move(conn));
  }
}

bool Responder::read_tcp(Connection& c) {
  char buf[16384];
  const ssize_t n = recv(c.fd.get(), buf, sizeof buf, MSG_DONTWAIT);
  if (n == 0) return false;
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
  c.in.append(buf, static_cast<size_t>(n));
  c.last = Clock::now();
  while (c.in.size() >= 2) {
    const size_t len = static_cast<uint8_t>(c.in[0]) << 8 | static_cast<uint8_t>(c.in[1]);
    if (c.in.size() < 2 + len) break;
    auto handled = handle(options_.zone, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(c.in.data()) + 2, len),
                          Transport::tcp);
    c.in.erase(0, 2 + len);
    if (handled.reply.empty()) continue;
    const size_t out_len = handled.reply.size();  // at most 65535: build_response's limit
    if (options_.on_answer && handled.rcode) options_.on_answer(*handled.rcode, Transport::tcp);
    c.out += static_cast<char>(out_len >> 8);
    c.out += static_cast<char>(out_len & 0xFF);
    c.out += handled.reply;
    if (c.out.size() > kMaxPendingOutput) return false;
  }
  return write_tcp(c);
}

bool Responder::write_tcp(Connection& c) {
  while (!c.out.empty()) {
    const ssize_t n = send(c.fd.get(), c.out.data(), c.out.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    c.out.erase(0, static_cast<size_t>(n));
    c.last = Clock::now();
  }
  return true;
}

}  // namespace netmod::dns

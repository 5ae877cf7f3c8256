#include "launch/forward.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <thread>

#include "dataplane/fd.hpp"
#include "dataplane/netns.hpp"

namespace netmod::launch {

using dataplane::UniqueFd;

namespace {

Result<std::pair<sockaddr_storage, socklen_t>> parse_endpoint(const std::string& text, const char* what) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos) return make_error(Errc::invalid_argument, std::string(what) + " " + text + ": no port");
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  char* end = nullptr;
  long port = std::strtol(text.c_str() + colon + 1, &end, 10);
  if (*end || port < 1 || port > 65535) return make_error(Errc::invalid_argument, std::string(what) + " " + text + ": bad port");
  sockaddr_storage ss{};
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    return std::make_pair(ss, socklen_t(sizeof(sockaddr_in)));
  }
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    return std::make_pair(ss, socklen_t(sizeof(sockaddr_in6)));
  }
  return make_error(Errc::invalid_argument, std::string(what) + " " + text + ": not an IP address and port");
}

// Copies both ways until either side closes.
void pump(UniqueFd a, UniqueFd b) {
  char buf[16384];
  pollfd fds[2] = {{a.get(), POLLIN, 0}, {b.get(), POLLIN, 0}};
  while (poll(fds, 2, -1) > 0) {
    for (int i = 0; i < 2; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) return;
      for (ssize_t off = 0; off < n;) {
        ssize_t w = write(fds[1 - i].fd, buf + off, static_cast<size_t>(n - off));
        if (w <= 0) return;
        off += w;
      }
    }
  }
}

}  // namespace

Result<void> forward(const ForwardOptions& o, const std::atomic<bool>* stop) {
  NETMOD_ASSIGN_OR_RETURN(auto listen_at, parse_endpoint(o.listen, "--listen"));
  NETMOD_ASSIGN_OR_RETURN(auto target, parse_endpoint(o.to, "--to"));
  std::optional<dataplane::Netns> ns;
  if (!o.netns.empty()) {
    NETMOD_ASSIGN_OR_RETURN(ns, dataplane::Netns::open(o.netns));
  }
  UniqueFd listener(socket(listen_at.first.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (listener.get() < 0) return make_error(Errc::io, std::string("socket: ") + strerror(errno));
  int one = 1;
  setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(listener.get(), reinterpret_cast<sockaddr*>(&listen_at.first), listen_at.second) != 0 ||
      listen(listener.get(), 64) != 0) {
    return make_error(Errc::io, "listening on " + o.listen + ": " + strerror(errno));
  }
  while (!stop || !*stop) {
    pollfd p{listener.get(), POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    UniqueFd client(accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (client.get() < 0) continue;
    // The outgoing socket is made inside the target's namespace; it stays
    // there when this thread comes back.
    UniqueFd out;
    auto make = [&]() -> Result<void> {
      out = UniqueFd(socket(target.first.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
      return ok();
    };
    if (ns) {
      if (!dataplane::with_netns(*ns, make)) continue;
    } else {
      (void)make();
    }
    if (out.get() < 0 || connect(out.get(), reinterpret_cast<sockaddr*>(&target.first), target.second) != 0) continue;
    std::thread(pump, std::move(client), std::move(out)).detach();
  }
  return ok();
}

}  // namespace netmod::launch

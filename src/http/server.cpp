#include "http/server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <optional>

namespace netmod::http {

namespace {

Result<sockaddr_storage> parse_address(const std::string& address, socklen_t& len) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) return make_error(Errc::invalid_argument, "address " + address + " has no port");
  std::string host = address.substr(0, colon);
  const std::string port_text = address.substr(colon + 1);
  char* end = nullptr;
  long port = std::strtol(port_text.c_str(), &end, 10);
  if (port_text.empty() || *end || port < 0 || port > 65535) {
    return make_error(Errc::invalid_argument, "address " + address + ": bad port");
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  sockaddr_storage ss{};
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    len = sizeof(sockaddr_in6);
  } else {
    return make_error(Errc::invalid_argument, "address " + address + ": not an IP address and port");
  }
  return ss;
}

const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

// Reads the request head (up to 8 KiB, 2 s); nullopt on a bad request.
std::optional<std::pair<std::string, std::string>> read_request(int fd) {
  std::string head;
  char buf[1024];
  while (head.find("\r\n\r\n") == std::string::npos && head.find("\n\n") == std::string::npos && head.size() < 8192) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 2000) <= 0) return std::nullopt;
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    head.append(buf, static_cast<size_t>(n));
  }
  const auto line_end = head.find_first_of("\r\n");
  const std::string line = head.substr(0, line_end);
  const auto sp1 = line.find(' ');
  const auto sp2 = line.find(' ', sp1 == std::string::npos ? 0 : sp1 + 1);
  if (sp1 == std::string::npos || sp2 == std::string::npos) return std::nullopt;
  std::string path = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (auto q = path.find('?'); q != std::string::npos) path.resize(q);
  return std::make_pair(line.substr(0, sp1), path);
}

void write_all(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

}  // namespace

StatusServer::~StatusServer() { stop(); }

Result<void> StatusServer::start(const std::string& address, Handler handler) {
  socklen_t len = 0;
  NETMOD_ASSIGN_OR_RETURN(auto ss, parse_address(address, len));
  dataplane::UniqueFd s(socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!s.valid()) return sys_error("socket for " + address);
  int one = 1;
  setsockopt(s.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  // "[::]:port" is every address, IPv4 too, whatever net.ipv6.bindv6only
  // says (the star tools' ":port").
  if (ss.ss_family == AF_INET6) {
    int zero = 0;
    setsockopt(s.get(), IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
  }
  if (bind(s.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) return sys_error("listening on " + address);
  if (listen(s.get(), 16) != 0) return sys_error("listening on " + address);
  sockaddr_storage bound{};
  socklen_t blen = sizeof bound;
  getsockname(s.get(), reinterpret_cast<sockaddr*>(&bound), &blen);
  port_ = ntohs(bound.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                                           : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
  dataplane::UniqueFd ev(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!ev.valid()) return sys_error("eventfd");
  listener_ = std::move(s);
  stop_event_ = std::move(ev);
  handler_ = std::move(handler);
  thread_ = std::thread([this] { serve(); });
  return ok();
}

void StatusServer::serve() {
  for (;;) {
    pollfd p[2] = {{listener_.get(), POLLIN, 0}, {stop_event_.get(), POLLIN, 0}};
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (p[1].revents) return;
    dataplane::UniqueFd c(accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!c.valid()) continue;
    auto req = read_request(c.get());
    HttpAnswer a;
    if (!req) {
      a = {400, "text/plain", "bad request\n"};
    } else if (req->first != "GET" && req->first != "HEAD") {
      a = {405, "text/plain", "only GET\n"};
    } else {
      a = handler_(req->second);
    }
    std::string out = "HTTP/1.0 " + std::to_string(a.status) + " " + reason(a.status) + "\r\nContent-Type: " +
                      a.content_type + "\r\nContent-Length: " + std::to_string(a.body.size()) +
                      "\r\nConnection: close\r\n\r\n";
    if (!req || req->first != "HEAD") out += a.body;
    write_all(c.get(), out);
  }
}

void StatusServer::stop() {
  if (!thread_.joinable()) return;
  uint64_t one = 1;
  (void)!write(stop_event_.get(), &one, sizeof one);
  thread_.join();
}

}  // namespace netmod::http

#include "star/http_get.hpp"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <memory>
#include <optional>

#include "common/text.hpp"
#include "dataplane/fd.hpp"

namespace netmod::star {

namespace {

using Clock = std::chrono::steady_clock;
using dataplane::UniqueFd;

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 1 << 30));
}

// Waits for `events` on `fd` until the deadline; false when it passed.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int n = poll(&p, 1, remaining_ms(deadline));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return false;
  }
}

// A connected non-blocking socket to one address, or an error naming why.
Result<UniqueFd> connect_to(const addrinfo& ai, Clock::time_point deadline) {
  UniqueFd fd(socket(ai.ai_family, ai.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai.ai_protocol));
  if (!fd.valid()) return sys_error("socket");
  if (connect(fd.get(), ai.ai_addr, ai.ai_addrlen) != 0) {
    if (errno != EINPROGRESS) return sys_error("connect");
    if (!wait_for(fd.get(), POLLOUT, deadline)) return make_error(Errc::unavailable, "connect timed out");
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) return sys_error("getsockopt");
    if (err != 0) return sys_error("connect", err);
  }
  return fd;
}

bool send_all(int fd, std::string_view data, Clock::time_point deadline) {
  while (!data.empty()) {
    const ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!wait_for(fd, POLLOUT, deadline)) return false;
    } else {
      return false;
    }
  }
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Where the head ends and the body starts, tolerating bare "\n" line ends.
std::optional<std::pair<size_t, size_t>> head_end(std::string_view raw) {
  const size_t crlf = raw.find("\r\n\r\n");
  const size_t lf = raw.find("\n\n");
  if (crlf == std::string_view::npos && lf == std::string_view::npos) return std::nullopt;
  if (crlf != std::string_view::npos && (lf == std::string_view::npos || crlf < lf)) return std::pair{crlf, crlf + 4};
  return std::pair{lf, lf + 2};
}

// The Content-Length header's value, if the head has a valid one.
std::optional<size_t> content_length(std::string_view head) {
  size_t pos = 0;
  while (pos < head.size()) {
    size_t end = head.find('\n', pos);
    if (end == std::string_view::npos) end = head.size();
    std::string_view line = head.substr(pos, end - pos);
    pos = end + 1;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || lower(line.substr(0, colon)) != "content-length") continue;
    std::string_view v = line.substr(colon + 1);
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == '\r' || v.back() == ' ')) v.remove_suffix(1);
    size_t n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec == std::errc() && p == v.data() + v.size()) return n;
  }
  return std::nullopt;
}

}  // namespace

Result<GetAnswer> parse_answer(std::string_view raw, size_t max_body) {
  auto not_http = [&] {
    return make_error(Errc::corrupt, "the answer is not HTTP: " + quote(raw.substr(0, raw.find('\n'))));
  };
  // "HTTP/1.1 200 OK": a version, a three-digit code, an optional reason.
  if (raw.size() < 12 || raw.substr(0, 5) != "HTTP/" || raw.find(' ') == std::string_view::npos) return not_http();
  std::string_view code = raw.substr(raw.find(' ') + 1, 3);
  int status = 0;
  auto [p, ec] = std::from_chars(code.data(), code.data() + code.size(), status);
  if (ec != std::errc() || p != code.data() + 3 || status < 100) return not_http();
  GetAnswer a;
  a.status = status;
  auto end = head_end(raw);
  if (!end) return a;  // a head cut short still says the server answered
  std::string_view body = raw.substr(end->second);
  if (auto len = content_length(raw.substr(0, end->first)); len && *len < body.size()) body = body.substr(0, *len);
  if (body.size() > max_body) {
    body = body.substr(0, max_body);
    a.truncated = true;
  }
  a.body = std::string(body);
  return a;
}

Result<GetAnswer> http_get(const Url& url, const GetOptions& options) {
  const auto deadline = Clock::now() + options.timeout;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(url.port);
  const int gai = getaddrinfo(url.host.c_str(), port.c_str(), &hints, &found);
  if (gai != 0) {
    const Errc code = gai == EAI_NONAME || gai == EAI_NODATA ? Errc::not_found : Errc::unavailable;
    return make_error(code, "resolving " + url.host + ": " + gai_strerror(gai));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(found, freeaddrinfo);
  UniqueFd fd;
  std::string why = "no address";
  for (const addrinfo* ai = found; ai && !fd.valid(); ai = ai->ai_next) {
    auto c = connect_to(*ai, deadline);
    if (c) {
      fd = std::move(*c);
    } else {
      why = c.error().message;
    }
  }
  if (!fd.valid()) return make_error(Errc::unavailable, url.authority() + ": " + why);

  const std::string request = "GET " + url.path + " HTTP/1.0\r\nHost: " + url.authority() +
                              "\r\nUser-Agent: netmod-star\r\nAccept: */*\r\nConnection: close\r\n\r\n";
  if (!send_all(fd.get(), request, deadline)) {
    return make_error(Errc::unavailable, url.authority() + ": sending the request failed or timed out");
  }
  // Read to the end of the stream, or to Content-Length, or past the cap
  // (the head's size is not known before it is read: 64 KiB more than the
  // body's cap is room for any sane head).
  const size_t cap = options.max_body + (64 << 10);
  std::string raw;
  char buf[16384];
  for (;;) {
    if (auto end = head_end(raw)) {
      auto len = content_length(std::string_view(raw).substr(0, end->first));
      if (len && raw.size() - end->second >= *len) break;
    }
    if (raw.size() >= cap) break;
    const ssize_t n = recv(fd.get(), buf, sizeof buf, 0);
    if (n > 0) {
      raw.append(buf, static_cast<size_t>(n));
    } else if (n == 0) {
      break;
    } else if (errno == EAGAIN || errno == EINTR) {
      if (!wait_for(fd.get(), POLLIN, deadline)) {
        if (raw.empty()) return make_error(Errc::unavailable, url.authority() + ": no answer before the timeout");
        break;  // a slow body: what came is the answer
      }
    } else {
      if (raw.empty()) return sys_error(url.authority() + ": reading the answer");
      break;
    }
  }
  if (raw.empty()) return make_error(Errc::unavailable, url.authority() + ": closed without an answer");
  auto answer = parse_answer(raw, options.max_body);
  if (!answer) return std::move(answer).error().with_context(url.authority());
  if (raw.size() >= cap) answer->truncated = true;
  return answer;
}

}  // namespace netmod::star

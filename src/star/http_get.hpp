// An HTTP GET over a plain socket, for the probe (is a target there?) and
// the collector (what does a probe say?). The host is resolved with
// getaddrinfo, so a task uses its own /etc/resolv.conf (the launcher gives
// each task one pointing at netmod's DNS); each address is tried in turn
// within one deadline. The request is HTTP/1.0 with "Connection: close":
// the answer ends at Content-Length or at the end of the stream, never
// chunked.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "common/result.hpp"
#include "star/url.hpp"

namespace netmod::star {

struct GetOptions {
  // The whole exchange: connect, send, and read the answer. Name resolution
  // is not bounded by it (getaddrinfo has no timeout; resolv.conf's
  // "options timeout" bounds it), which is why every target has a thread.
  std::chrono::milliseconds timeout{1000};
  // A longer body is cut here and the answer marked truncated.
  size_t max_body = 1 << 20;
};

struct GetAnswer {
  int status = 0;  // from the status line: any answer means the server is reachable
  std::string body;
  bool truncated = false;
};

// Errc::not_found: the name does not resolve. Errc::unavailable: no address
// accepted a connection, or the deadline passed (the message says which).
// Errc::corrupt: something answered that is not HTTP.
Result<GetAnswer> http_get(const Url& url, const GetOptions& options = {});

// The status code and body of a complete answer ("HTTP/1.x NNN ...", headers,
// body); Errc::corrupt when `raw` is not an HTTP answer.
Result<GetAnswer> parse_answer(std::string_view raw, size_t max_body);

}  // namespace netmod::star

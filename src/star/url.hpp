// The URLs the star tools poll: "http://host[:port]/path", the host a name,
// an IPv4 address or a bracketed IPv6 address ("http://[fd00::1]:9000/").
// Parsed once at the boundary (the command line, the resources file) into a
// value that cannot be invalid; the text is kept as given, because the
// collector matches a probe's target URLs against resource URLs by exact
// text, as the seed's collector did.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace netmod::star {

struct Url {
  std::string text;  // as given
  std::string host;  // without brackets: "probe-a.star", "10.0.0.1", "fd00::1"
  uint16_t port = 80;
  std::string path = "/";  // always starts with '/', query string included

  // Errc::invalid_argument naming what is wrong: not http, no host, a bad
  // port, a bracketed host that is not IPv6, spaces or control characters.
  static Result<Url> parse(std::string_view text);

  // "host:port" as a Host header or a log line shows it ("[fd00::1]:9000").
  std::string authority() const;
};

}  // namespace netmod::star

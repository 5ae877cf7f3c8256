#include "star/url.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "common/text.hpp"

namespace netmod::star {

namespace {

// Letters, digits, '-', '.' and '_' (Mesos-DNS names and addresses need no
// more; '_' is in names some resolvers accept).
bool host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_';
}

}  // namespace

Result<Url> Url::parse(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return make_error(Errc::invalid_argument, "URL " + quote(text) + ": " + why);
  };
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return bad("has a space or a control character");
  }
  constexpr std::string_view kScheme = "http://";
  if (text.size() < kScheme.size() || !std::equal(kScheme.begin(), kScheme.end(), text.begin(), [](char a, char b) {
        return a == std::tolower(static_cast<unsigned char>(b));
      })) {
    return bad("must start with http:// (https is not supported)");
  }
  Url u;
  u.text = std::string(text);
  std::string_view rest = text.substr(kScheme.size());
  const size_t slash = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    // The fragment is the client's own; it is never sent.
    u.path = std::string(rest.substr(slash, rest.find('#', slash) - slash));
    if (u.path.empty() || u.path.front() != '/') u.path.insert(0, "/");
  }
  if (authority.find('@') != std::string_view::npos) return bad("user information is not supported");
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("'[' without ']'");
    u.host = std::string(authority.substr(1, close - 1));
    in6_addr a6{};
    if (inet_pton(AF_INET6, u.host.c_str(), &a6) != 1) return bad("[" + u.host + "] is not an IPv6 address");
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("unexpected text after ']'");
      port_text = after.substr(1);
      if (port_text.empty()) return bad("empty port");
    }
  } else {
    if (std::count(authority.begin(), authority.end(), ':') > 1) {
      return bad("an IPv6 address must be in brackets (http://[fd00::1]:9000/)");
    }
    const size_t colon = authority.find(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return bad("empty port");
    }
    for (char c : u.host) {
      if (!host_char(c)) return bad("host has a character that is not allowed: " + quote(std::string(1, c)));
    }
  }
  if (u.host.empty()) return bad("no host");
  if (!port_text.empty()) {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 || port > 65535) {
      return bad("port must be a number from 1 to 65535, got " + quote(port_text));
    }
    u.port = static_cast<uint16_t>(port);
  }
  return u;
}

std::string Url::authority() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace netmod::star

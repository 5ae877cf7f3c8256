#include "net/endpoint.hpp"

#include <charconv>

namespace netmod::net {

namespace {

Error bad(std::string_view text, const std::string& why) {
  return make_error(Errc::invalid_argument, "\"" + std::string(text) + "\" is not an address and port: " + why);
}

}  // namespace

Result<Endpoint> Endpoint::parse(std::string_view text, uint16_t default_port) {
  std::string_view host = text;
  std::string_view port_text;
  bool has_port = false;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return bad(text, "no ']' after the IPv6 address");
    host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return bad(text, "expected ':' and a port after ']'");
      port_text = rest.substr(1);
      has_port = true;
    }
    auto ip = IpAddress::parse(host);
    if (!ip || ip->is_v4()) return bad(text, "not an IPv6 address between '[' and ']'");
  } else if (IpAddress::parse(text)) {
    // A bare address, IPv6 included: its colons are not a port's.
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad(text, "not an IP address");
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    has_port = true;
    auto ip = IpAddress::parse(host);
    // "fd00::1:53" parses as an address above; an IPv6 address with a port
    // must be bracketed, so a colon in the host part here is an error.
    if (!ip || !ip->is_v4()) return bad(text, "not an IPv4 address before the port (IPv6: \"[addr]:port\")");
  }
  Endpoint e{*IpAddress::parse(host), default_port};
  if (has_port) {
    unsigned value = 0;
    const char* end = port_text.data() + port_text.size();
    auto [ptr, ec] = std::from_chars(port_text.data(), end, value);
    if (port_text.empty() || ec != std::errc() || ptr != end || value > 65535) {
      return bad(text, "the port must be a number from 0 to 65535");
    }
    e.port = static_cast<uint16_t>(value);
  }
  return e;
}

std::string Endpoint::str() const {
  const std::string a = address.str();
  return (address.is_v4() ? a : "[" + a + "]") + ":" + std::to_string(port);
}

}  // namespace netmod::net

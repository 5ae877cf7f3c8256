#include "net/ip_address.hpp"

#include <arpa/inet.h>

#include "common/text.hpp"

namespace netmod::net {

std::string_view family_name(Family f) { return f == Family::v4 ? "IPv4" : "IPv6"; }

Result<IpAddress> IpAddress::parse(std::string_view text) {
  auto bad = [&] { return make_error(Errc::invalid_argument, std::string("invalid IP address ").append(quote(text))); };
  // inet_pton needs a NUL-terminated string; addresses are short.
  if (text.empty() || text.size() > 45) return bad();
  std::string s(text);
  if (s.find(':') == std::string::npos) {
    in_addr a{};
    if (inet_pton(AF_INET, s.c_str(), &a) == 1) {
      return IpAddress(Family::v4, ntohl(a.s_addr));
    }
  } else {
    in6_addr a{};
    if (inet_pton(AF_INET6, s.c_str(), &a) == 1) {
      U128 v = 0;
      for (uint8_t b : a.s6_addr) v = (v << 8) | b;
      return IpAddress(Family::v6, v);
    }
  }
  return bad();
}

IpAddress IpAddress::from_integer(Family family, U128 value) {
  if (family == Family::v4) value &= 0xffffffffu;
  return IpAddress(family, value);
}

std::array<uint8_t, 16> IpAddress::bytes() const {
  std::array<uint8_t, 16> out{};
  unsigned n = is_v4() ? 4 : 16;
  U128 v = value_;
  for (unsigned i = 0; i < n; ++i) {
    out[n - 1 - i] = static_cast<uint8_t>(v & 0xff);
    v >>= 8;
  }
  return out;
}

std::string IpAddress::str() const {
  char buf[INET6_ADDRSTRLEN];
  auto b = bytes();
  const char* r = inet_ntop(is_v4() ? AF_INET : AF_INET6, b.data(), buf, sizeof buf);
  return r ? std::string(r) : std::string();
}

}  // namespace netmod::net

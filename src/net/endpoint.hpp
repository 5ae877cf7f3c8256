// A socket address: an IP address and a port, as an operator writes one in
// a configuration file: "10.0.0.1:53", "[fd00::1]:53", or the address alone
// ("10.0.0.1", "fd00::1", "[fd00::1]") for a service's well-known port.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "net/ip_address.hpp"

namespace netmod::net {

struct Endpoint {
  IpAddress address;
  uint16_t port = 0;

  // Parses the forms above; `default_port` is used when no port is given.
  // A port is 0-65535 (0: any, for a listener that reports what it got).
  static Result<Endpoint> parse(std::string_view text, uint16_t default_port);

  // "10.0.0.1:53", "[fd00::1]:53".
  std::string str() const;

  bool operator==(const Endpoint&) const = default;
};

}  // namespace netmod::net

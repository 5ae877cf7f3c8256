// IPv4 and IPv6 addresses as values. An IpAddress is always valid: the only
// ways to make one are parse() (which rejects anything but the canonical
// textual forms inet_pton accepts) and the integer constructors.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace netmod::net {

enum class Family : uint8_t { v4 = 4, v6 = 6 };

std::string_view family_name(Family f);  // "IPv4" / "IPv6"

// Addresses as 128-bit integers make block and offset arithmetic exact.
using U128 = unsigned __int128;

class IpAddress {
 public:
  // Parses "10.0.0.1" or "fd00::1". No zone ids, no prefixes, no leading
  // zeros in IPv4 octets.
  static Result<IpAddress> parse(std::string_view text);

  static IpAddress from_integer(Family family, U128 value);
  static IpAddress v4(uint32_t host_order) { return from_integer(Family::v4, host_order); }

  Family family() const { return family_; }
  bool is_v4() const { return family_ == Family::v4; }
  unsigned bits() const { return is_v4() ? 32 : 128; }

  // Integer value (IPv4 in the low 32 bits).
  U128 to_integer() const { return value_; }

  // Network-order bytes: 4 for IPv4, 16 for IPv6.
  std::array<uint8_t, 16> bytes() const;

  // Canonical text (RFC 5952 for IPv6).
  std::string str() const;

  auto operator<=>(const IpAddress&) const = default;
  bool operator==(const IpAddress&) const = default;

 private:
  IpAddress(Family family, U128 value) : family_(family), value_(value) {}
  Family family_ = Family::v4;
  U128 value_ = 0;
};

}  // namespace netmod::net

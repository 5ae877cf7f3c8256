// A CIDR prefix: a network address and a prefix length, with no host bits
// set. parse() rejects host bits with a message that names the network the
// caller probably meant, so "10.0.0.1/24" never silently becomes 10.0.0.0/24.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "net/ip_address.hpp"

namespace netmod::net {

class Cidr {
 public:
  static Result<Cidr> parse(std::string_view text);
  // The prefix of `prefix_len` bits containing `addr` (host bits cleared).
  static Result<Cidr> containing(IpAddress addr, unsigned prefix_len);
  // A single-address prefix (/32 or /128).
  static Cidr host(IpAddress addr);

  const IpAddress& network() const { return network_; }
  unsigned prefix_len() const { return prefix_; }
  Family family() const { return network_.family(); }

  // Number of addresses, as an integer (2^(bits-prefix)).
  U128 size() const { return U128(1) << (network_.bits() - prefix_); }
  IpAddress last() const;

  bool contains(const IpAddress& a) const;
  bool contains(const Cidr& other) const;
  bool overlaps(const Cidr& other) const;

  // The address at `offset` from the network address, if inside.
  std::optional<IpAddress> at(U128 offset) const;
  // Offset of `a` from the network address; `a` must be contained.
  U128 offset_of(const IpAddress& a) const { return a.to_integer() - network_.to_integer(); }

  std::string str() const;

  auto operator<=>(const Cidr&) const = default;
  bool operator==(const Cidr&) const = default;

 private:
  Cidr(IpAddress network, unsigned prefix) : network_(network), prefix_(prefix) {}
  IpAddress network_;
  unsigned prefix_;
};

}  // namespace netmod::net

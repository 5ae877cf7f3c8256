#include "net/cidr.hpp"

#include <charconv>

#include "common/text.hpp"

namespace netmod::net {

namespace {

U128 host_mask(unsigned bits, unsigned prefix) {
  unsigned host_bits = bits - prefix;
  return host_bits == 128 ? ~U128(0) : (U128(1) << host_bits) - 1;
}

}  // namespace

Result<Cidr> Cidr::parse(std::string_view text) {
  // Messages are built by append: GCC 12 at -O2 warns (-Wrestrict, falsely)
  // about chains of operator+ on strings here.
  auto bad = [&](std::string_view why) {
    std::string msg = "invalid CIDR ";
    msg.append(quote(text)).append(": ").append(why);
    return make_error(Errc::invalid_argument, std::move(msg));
  };
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return bad("missing /prefix-length");
  auto addr = IpAddress::parse(text.substr(0, slash));
  if (!addr) return bad(quote(text.substr(0, slash)).append(" is not an IP address"));
  std::string_view len_text = text.substr(slash + 1);
  unsigned len = 0;
  auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
  if (len_text.empty() || ec != std::errc() || end != len_text.data() + len_text.size() ||
      (len_text.size() > 1 && len_text[0] == '0')) {
    return bad(std::string("prefix length ").append(quote(len_text)).append(" is not a number"));
  }
  if (len > addr->bits()) {
    return bad(std::string("prefix length ")
                   .append(std::to_string(len))
                   .append(" is longer than ")
                   .append(std::to_string(addr->bits())));
  }
  if ((addr->to_integer() & host_mask(addr->bits(), len)) != 0) {
    auto net = containing(*addr, len);
    return bad(std::string("host bits are set (did you mean ").append(net->str()).append("?)"));
  }
  return Cidr(*addr, len);
}

Result<Cidr> Cidr::containing(IpAddress addr, unsigned prefix_len) {
  if (prefix_len > addr.bits()) {
    return make_error(Errc::invalid_argument,
                      "prefix length " + std::to_string(prefix_len) + " too long for " +
                          std::string(family_name(addr.family())));
  }
  U128 v = addr.to_integer() & ~host_mask(addr.bits(), prefix_len);
  return Cidr(IpAddress::from_integer(addr.family(), v), prefix_len);
}

Cidr Cidr::host(IpAddress addr) { return Cidr(addr, addr.bits()); }

IpAddress Cidr::last() const {
  return IpAddress::from_integer(family(), network_.to_integer() | host_mask(network_.bits(), prefix_));
}

bool Cidr::contains(const IpAddress& a) const {
  if (a.family() != family()) return false;
  return (a.to_integer() & ~host_mask(network_.bits(), prefix_)) == network_.to_integer();
}

bool Cidr::contains(const Cidr& other) const {
  return other.family() == family() && other.prefix_ >= prefix_ && contains(other.network_);
}

bool Cidr::overlaps(const Cidr& other) const { return contains(other) || other.contains(*this); }

std::optional<IpAddress> Cidr::at(U128 offset) const {
  if (offset >= size() && prefix_ != 0) return std::nullopt;
  return IpAddress::from_integer(family(), network_.to_integer() + offset);
}

std::string Cidr::str() const { return network_.str() + "/" + std::to_string(prefix_); }

}  // namespace netmod::net

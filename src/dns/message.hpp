// DNS messages on the wire (RFC 1035 section 4; EDNS, RFC 6891): a query
// parsed into a Query, a response built from one. No store, no sockets.
//
// What parse_query accepts: a header with QR=0, one question whose name is
// labels of 1-63 bytes (at most 255 bytes on the wire), compression
// pointers followed only backwards (so a loop cannot be written) and at
// most 32 times; then any records of the answer, authority and additional
// sections, each bounds-checked and skipped, except one OPT (EDNS) record
// in the additional section, whose payload size is kept. Bytes after the
// last record are ignored. Anything else is Malformed (answered with the
// header's ID, no question) or, without a header to answer, Dropped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "net/ip_address.hpp"

namespace netmod::dns {

enum class Rcode : uint8_t { noerror = 0, formerr = 1, servfail = 2, nxdomain = 3, notimp = 4, refused = 5 };
inline constexpr size_t kRcodes = 6;
std::string_view rcode_name(Rcode r);  // "NOERROR", "FORMERR", ...

namespace rrtype {
inline constexpr uint16_t a = 1, ns = 2, soa = 6, aaaa = 28, opt = 41, ixfr = 251, axfr = 252, any = 255;
}
namespace rrclass {
inline constexpr uint16_t in = 1, any = 255;
}

inline constexpr size_t kHeaderSize = 12;
inline constexpr size_t kClassicUdpSize = 512;  // without EDNS (RFC 1035 4.2.1)
inline constexpr size_t kMaxMessageSize = 65535;  // over TCP (2-byte length)

struct Query {
  uint16_t id = 0;
  uint8_t opcode = 0;
  bool recursion_desired = false;
  bool checking_disabled = false;
  // The question's name as sent, case kept (echoed as is: resolvers that
  // randomise case check it), most specific first, without the root.
  std::vector<std::string> labels;
  uint16_t qtype = 0;
  uint16_t qclass = 0;
  // The payload size the requestor advertised in its OPT record, if any.
  std::optional<uint16_t> edns_udp_size;
};

// A query that can be answered only with an error code.
struct Malformed {
  uint16_t id = 0;
  uint8_t opcode = 0;
  bool recursion_desired = false;
  Rcode rcode = Rcode::formerr;  // FORMERR, or NOTIMP for an opcode other than QUERY
  std::string why;
};

// Not to be answered: shorter than a header, or a response (answering
// responses could set two servers answering each other forever).
struct Dropped {
  std::string why;
};

using Parsed = std::variant<Query, Malformed, Dropped>;

Parsed parse_query(std::span<const uint8_t> packet);

// The zone's SOA record (RFC 1035 3.3.13), sent in the authority section
// of negative answers so that resolvers cache them for `minimum` seconds
// at most (RFC 2308), or as the answer to an SOA query at the apex.
struct Soa {
  size_t apex_labels = 0;  // the zone apex: the last apex_labels labels of the question's name
  uint32_t ttl = 1;
  uint32_t serial = 1;
  uint32_t refresh = 60;
  uint32_t retry = 10;
  uint32_t expire = 86400;
  uint32_t minimum = 1;
};

struct Response {
  Rcode rcode = Rcode::noerror;
  bool authoritative = true;
  // A and AAAA records of the question's name, in this order.
  std::vector<net::IpAddress> addresses;
  uint32_t ttl = 1;
  std::optional<Soa> soa;
  bool soa_is_answer = false;  // else in the authority section
};

// The payload size EDNS lets us send over UDP for `q`: what the requestor
// advertised, between 512 and 1232 (the size DNS Flag Day 2020 agreed
// avoids IP fragmentation).
size_t udp_limit(const Query& q);

// The response to `q`: ID and question echoed, QR=1, opcode and RD copied,
// RA=0, an OPT record when the query had one. When the records do not fit
// in `max_size` bytes, none are sent and TC is set (the resolver asks
// again over TCP).
std::string build_response(const Query& q, const Response& r, size_t max_size);

// The header-only answer to a Malformed query (no question section).
std::string build_error(const Malformed& m);

}  // namespace netmod::dns

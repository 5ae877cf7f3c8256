// Queries as resolvers send them, and readers of answers, for the DNS tests.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/fd.hpp"
#include "dns/message.hpp"
#include "net/endpoint.hpp"

namespace netmod::dns::testing {

inline void put16(std::string& out, uint16_t v) {
  out += static_cast<char>(v >> 8);
  out += static_cast<char>(v & 0xFF);
}

inline void put_name(std::string& out, std::string_view dotted) {
  size_t start = 0;
  while (start < dotted.size()) {
    size_t dot = dotted.find('.', start);
    if (dot == std::string_view::npos) dot = dotted.size();
    out += static_cast<char>(dot - start);
    out += dotted.substr(start, dot - start);
    start = dot + 1;
  }
  out += '\0';
}

// A query for `name` (dotted, trailing dot optional) of type `qtype`, as
// dig sends it: RD set, and an OPT record when `edns` is given.
inline std::string query(std::string_view name, uint16_t qtype, uint16_t id = 0x1234,
                         std::optional<uint16_t> edns = std::nullopt, uint16_t qclass = rrclass::in) {
  std::string q;
  put16(q, id);
  put16(q, 0x0100);
  put16(q, 1);
  put16(q, 0);
  put16(q, 0);
  put16(q, edns ? 1 : 0);
  put_name(q, name);
  put16(q, qtype);
  put16(q, qclass);
  if (edns) {
    q += '\0';
    put16(q, rrtype::opt);
    put16(q, *edns);
    put16(q, 0);
    put16(q, 0);
    put16(q, 0);
  }
  return q;
}

inline std::span<const uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// What a test checks of an answer: the header, and the records' types and
// data (A/AAAA as text), read with no trust in the message.
struct Answer {
  uint16_t id = 0;
  uint16_t flags = 0;
  uint16_t qd = 0, an = 0, ns = 0, ar = 0;
  Rcode rcode() const { return static_cast<Rcode>(flags & 0xF); }
  bool aa() const { return flags & 0x0400; }
  bool tc() const { return flags & 0x0200; }
  bool rd() const { return flags & 0x0100; }
  bool qr() const { return flags & 0x8000; }
  std::string question;  // dotted, as sent back (case kept)
  struct Record {
    uint16_t type = 0;
    uint32_t ttl = 0;
    std::string data;  // an address for A/AAAA, else the raw bytes' size
  };
  std::vector<Record> records;  // answer, then authority, then additional
};

// Skips a name (compression pointers end it); false past the end.
inline bool skip_name(std::string_view w, size_t& at, std::string* dotted = nullptr) {
  while (at < w.size()) {
    const auto len = static_cast<uint8_t>(w[at]);
    if ((len & 0xC0) == 0xC0) {
      at += 2;
      return at <= w.size();
    }
    ++at;
    if (len == 0) return true;
    if (at + len > w.size()) return false;
    if (dotted) *dotted += std::string(dotted->empty() ? "" : ".") + std::string(w.substr(at, len));
    at += len;
  }
  return false;
}

inline std::optional<Answer> read_answer(std::string_view w) {
  auto u16 = [&](size_t at) { return static_cast<uint16_t>(static_cast<uint8_t>(w[at]) << 8 | static_cast<uint8_t>(w[at + 1])); };
  if (w.size() < kHeaderSize) return std::nullopt;
  Answer a;
  a.id = u16(0);
  a.flags = u16(2);
  a.qd = u16(4), a.an = u16(6), a.ns = u16(8), a.ar = u16(10);
  size_t at = kHeaderSize;
  for (int i = 0; i < a.qd; ++i) {
    if (!skip_name(w, at, &a.question) || at + 4 > w.size()) return std::nullopt;
    at += 4;
  }
  for (int i = 0; i < a.an + a.ns + a.ar; ++i) {
    if (!skip_name(w, at) || at + 10 > w.size()) return std::nullopt;
    Answer::Record r;
    r.type = u16(at);
    r.ttl = static_cast<uint32_t>(u16(at + 4)) << 16 | u16(at + 6);
    const uint16_t len = u16(at + 8);
    at += 10;
    if (at + len > w.size()) return std::nullopt;
    if ((r.type == rrtype::a && len == 4) || (r.type == rrtype::aaaa && len == 16)) {
      net::U128 v = 0;
      for (size_t k = 0; k < len; ++k) v = v << 8 | static_cast<uint8_t>(w[at + k]);
      r.data = net::IpAddress::from_integer(len == 4 ? net::Family::v4 : net::Family::v6, v).str();
    } else {
      r.data = std::to_string(len);
    }
    at += len;
    a.records.push_back(r);
  }
  if (at != w.size()) return std::nullopt;  // nothing may trail
  return a;
}

// One UDP exchange through a connected socket (the kernel delivers only a
// reply from the address the query went to); "" when none comes in time.
inline std::string udp_ask(const net::Endpoint& to, const std::string& q, int wait_ms = 2000) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  const auto b = to.address.bytes();
  if (to.address.is_v4()) {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(to.port);
    std::memcpy(&a->sin_addr, b.data(), 4);
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(to.port);
    std::memcpy(&a->sin6_addr, b.data(), 16);
    len = sizeof *a;
  }
  dataplane::UniqueFd s(socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (connect(s.get(), reinterpret_cast<const sockaddr*>(&ss), len) != 0) return "";
  if (send(s.get(), q.data(), q.size(), 0) != static_cast<ssize_t>(q.size())) return "";
  pollfd p{s.get(), POLLIN, 0};
  if (poll(&p, 1, wait_ms) != 1) return "";
  char buf[65536];
  const ssize_t n = recv(s.get(), buf, sizeof buf, 0);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

}  // namespace netmod::dns::testing

#include "dns/message.hpp"

#include <algorithm>

namespace netmod::dns {

std::string_view rcode_name(Rcode r) {
  switch (r) {
    case Rcode::noerror: return "NOERROR";
    case Rcode::formerr: return "FORMERR";
    case Rcode::servfail: return "SERVFAIL";
    case Rcode::nxdomain: return "NXDOMAIN";
    case Rcode::notimp: return "NOTIMP";
    case Rcode::refused: return "REFUSED";
  }
  return "?";
}

namespace {

constexpr size_t kMaxNameWire = 255;  // RFC 1035 2.3.4, length bytes and root included
constexpr int kMaxPointers = 32;
constexpr uint16_t kOurUdpSize = 1232;

// Every read is checked against the packet's end; a failed read leaves a
// reason and the caller stops.
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> b) : b_(b) {}

  bool u16(size_t& at, uint16_t& out) const {
    if (at > b_.size() || b_.size() - at < 2) return false;
    out = static_cast<uint16_t>(b_[at] << 8 | b_[at + 1]);
    at += 2;
    return true;
  }

  bool skip(size_t& at, size_t n) const {
    if (at > b_.size() || b_.size() - at < n) return false;
    at += n;
    return true;
  }

  // Reads the name at `at` into `labels` (when given); `at` moves past it
  // (past its first pointer, if any). Pointers must each point before the
  // start of the labels read so far, so every jump goes strictly backwards
  // and the walk ends; the count bound is a second guard. Returns why not.
  std::optional<std::string> name(size_t& at, std::vector<std::string>* labels) const {
    size_t pos = at;
    size_t floor = at;  // a pointer must go below every byte read so far
    size_t wire = 1;    // the root's byte
    int pointers = 0;
    bool jumped = false;
    for (;;) {
      if (pos >= b_.size()) return "a name runs past the end of the message";
      const uint8_t len = b_[pos];
      if ((len & 0xC0) == 0xC0) {
        if (pos + 1 >= b_.size()) return "a compression pointer is cut off";
        const size_t target = static_cast<size_t>(len & 0x3F) << 8 | b_[pos + 1];
        if (target >= floor) return "a compression pointer does not point backwards";
        if (++pointers > kMaxPointers) return "too many compression pointers";
        if (!jumped) at = pos + 2;
        jumped = true;
        pos = floor = target;
        continue;
      }
      if ((len & 0xC0) != 0) return "a label of an unknown type";
      if (len == 0) {
        if (!jumped) at = pos + 1;
        return std::nullopt;
      }
      wire += 1 + len;
      if (wire > kMaxNameWire) return "a name is longer than 255 bytes";
      if (pos + 1 + len > b_.size()) return "a label runs past the end of the message";
      if (labels) labels->emplace_back(reinterpret_cast<const char*>(b_.data() + pos + 1), len);
      pos += 1 + len;
    }
  }

 private:
  std::span<const uint8_t> b_;
};

void put16(std::string& out, uint16_t v) {
  out += static_cast<char>(v >> 8);
  out += static_cast<char>(v & 0xFF);
}

void put32(std::string& out, uint32_t v) {
  put16(out, static_cast<uint16_t>(v >> 16));
  put16(out, static_cast<uint16_t>(v & 0xFFFF));
}

// The question's name uncompressed; false if it is not a valid name (a
// Query built by hand, not by parse_query).
bool put_name(std::string& out, const std::vector<std::string>& labels) {
  size_t wire = 1;
  for (const auto& l : labels) {
    wire += 1 + l.size();
    if (l.empty() || l.size() > 63 || wire > kMaxNameWire) return false;
  }
  for (const auto& l : labels) {
    out += static_cast<char>(l.size());
    out += l;
  }
  out += '\0';
  return true;
}

uint16_t flags(uint8_t opcode, bool aa, bool tc, bool rd, bool cd, Rcode rcode) {
  return static_cast<uint16_t>(0x8000 | (opcode & 0xF) << 11 | (aa ? 0x0400 : 0) | (tc ? 0x0200 : 0) |
                               (rd ? 0x0100 : 0) | (cd ? 0x0010 : 0) | static_cast<uint8_t>(rcode));
}

void put_opt(std::string& out) {
  out += '\0';  // the root
  put16(out, rrtype::opt);
  put16(out, kOurUdpSize);
  put32(out, 0);  // extended rcode 0, version 0, no flags
  put16(out, 0);
}

// A name made of `first` then the apex: a pointer to the apex's place in
// the question, or the root.
void put_under_apex(std::string& out, std::string_view first, std::optional<uint16_t> apex_at) {
  if (!first.empty()) {
    out += static_cast<char>(first.size());
    out += first;
  }
  if (apex_at) {
    put16(out, static_cast<uint16_t>(0xC000 | *apex_at));
  } else {
    out += '\0';
  }
}

void put_soa(std::string& out, const Soa& soa, std::optional<uint16_t> apex_at) {
  put_under_apex(out, "", apex_at);
  put16(out, rrtype::soa);
  put16(out, rrclass::in);
  put32(out, soa.ttl);
  std::string rdata;
  put_under_apex(rdata, "ns", apex_at);          // MNAME
  put_under_apex(rdata, "hostmaster", apex_at);  // RNAME
  for (uint32_t v : {soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum}) put32(rdata, v);
  put16(out, static_cast<uint16_t>(rdata.size()));
  out += rdata;
}

}  // namespace

Parsed parse_query(std::span<const uint8_t> packet) {
  if (packet.size() < kHeaderSize) return Dropped{"shorter than a DNS header"};
  const Reader r(packet);
  size_t at = 0;
  uint16_t id = 0, fl = 0, qd = 0, an = 0, ns = 0, ar = 0;
  (void)(r.u16(at, id) && r.u16(at, fl) && r.u16(at, qd) && r.u16(at, an) && r.u16(at, ns) && r.u16(at, ar));
  if (fl & 0x8000) return Dropped{"a response, not a query"};
  Malformed bad{id, static_cast<uint8_t>(fl >> 11 & 0xF), (fl & 0x0100) != 0, Rcode::formerr, ""};
  auto malformed = [&](std::string why) {
    bad.why = std::move(why);
    return bad;
  };
  if (bad.opcode != 0) {
    bad.rcode = Rcode::notimp;
    return malformed("opcode " + std::to_string(bad.opcode) + " is not QUERY");
  }
  if (qd != 1) return malformed(std::to_string(qd) + " questions; one is answered");
  Query q;
  q.id = id;
  q.opcode = bad.opcode;
  q.recursion_desired = bad.recursion_desired;
  q.checking_disabled = (fl & 0x0010) != 0;
  if (auto why = r.name(at, &q.labels)) return malformed("question: " + *why);
  if (!r.u16(at, q.qtype) || !r.u16(at, q.qclass)) return malformed("the question is cut off");
  // Each record takes at least 11 bytes, so a count larger than the packet
  // fails on a bounds check long before 3 x 65535 iterations.
  const size_t records = size_t{an} + ns + ar;
  for (size_t i = 0; i < records; ++i) {
    const bool additional = i >= size_t{an} + ns;
    std::vector<std::string> owner;
    if (auto why = r.name(at, &owner)) return malformed("record " + std::to_string(i + 1) + ": " + *why);
    uint16_t type = 0, cls = 0, rdlen = 0;
    if (!r.u16(at, type) || !r.u16(at, cls) || !r.skip(at, 4) || !r.u16(at, rdlen) || !r.skip(at, rdlen)) {
      return malformed("record " + std::to_string(i + 1) + " is cut off");
    }
    if (type != rrtype::opt) continue;
    if (!additional || !owner.empty()) return malformed("an OPT record outside the additional section or not at the root");
    if (q.edns_udp_size) return malformed("more than one OPT record");
    q.edns_udp_size = cls;
  }
  return q;
}

size_t udp_limit(const Query& q) {
  if (!q.edns_udp_size) return kClassicUdpSize;
  return std::clamp<size_t>(*q.edns_udp_size, kClassicUdpSize, kOurUdpSize);
}

std::string build_response(const Query& q, const Response& r, size_t max_size) {
  std::string question;
  if (!put_name(question, q.labels)) {
    return build_error({q.id, q.opcode, q.recursion_desired, Rcode::formerr, "unencodable question"});
  }
  put16(question, q.qtype);
  put16(question, q.qclass);
  const bool soa_fits = r.soa && r.soa->apex_labels <= q.labels.size();
  std::optional<uint16_t> apex_at;
  if (soa_fits && r.soa->apex_labels > 0) {
    size_t off = kHeaderSize;
    for (size_t i = 0; i < q.labels.size() - r.soa->apex_labels; ++i) off += 1 + q.labels[i].size();
    apex_at = static_cast<uint16_t>(off);  // below 12 + 255: a valid pointer
  }
  auto assemble = [&](bool with_records) {
    const bool soa_answer = with_records && soa_fits && r.soa_is_answer;
    const bool soa_authority = with_records && soa_fits && !r.soa_is_answer;
    const size_t answers = with_records ? r.addresses.size() + (soa_answer ? 1 : 0) : 0;
    std::string out;
    put16(out, q.id);
    put16(out, flags(q.opcode, r.authoritative, !with_records, q.recursion_desired, q.checking_disabled, r.rcode));
    put16(out, 1);
    put16(out, static_cast<uint16_t>(std::min<size_t>(answers, 0xFFFF)));
    put16(out, soa_authority ? 1 : 0);
    put16(out, q.edns_udp_size ? 1 : 0);
    out += question;
    if (with_records) {
      for (const auto& a : r.addresses) {
        put16(out, 0xC000 | kHeaderSize);  // the question's name
        put16(out, a.is_v4() ? rrtype::a : rrtype::aaaa);
        put16(out, rrclass::in);
        put32(out, r.ttl);
        const auto bytes = a.bytes();
        const size_t n = a.is_v4() ? 4 : 16;
        put16(out, static_cast<uint16_t>(n));
        out.append(reinterpret_cast<const char*>(bytes.data()), n);
        if (out.size() > max_size) return out;  // too big already: no need to go on
      }
      if (soa_answer || soa_authority) put_soa(out, *r.soa, apex_at);
    }
    if (q.edns_udp_size) put_opt(out);
    return out;
  };
  std::string full = assemble(true);
  if (full.size() <= max_size && r.addresses.size() < 0xFFFF) return full;
  return assemble(false);
}

std::string build_error(const Malformed& m) {
  std::string out;
  put16(out, m.id);
  put16(out, flags(m.opcode, false, false, m.recursion_desired, false, m.rcode));
  for (int i = 0; i < 4; ++i) put16(out, 0);
  return out;
}

}  // namespace netmod::dns

#include "dns/zone.hpp"

namespace netmod::dns {

namespace {

Response refused() {
  Response r;
  r.rcode = Rcode::refused;
  r.authoritative = false;  // not our zone
  return r;
}

Response negative(const Zone& zone, Rcode rcode) {
  Response r;
  r.rcode = rcode;
  r.ttl = zone.ttl_seconds;
  r.soa = Soa{.apex_labels = zone.domain.labels().size(), .ttl = zone.ttl_seconds, .minimum = zone.ttl_seconds};
  return r;
}

}  // namespace

Response resolve(const Zone& zone, const Query& q) {
  if (q.qclass != rrclass::in && q.qclass != rrclass::any) return refused();
  const int depth = zone.domain.depth_of(q.labels);
  if (depth < 0) return refused();
  if (q.qtype == rrtype::axfr || q.qtype == rrtype::ixfr) return refused();
  if (depth == 0) {
    Response r = negative(zone, Rcode::noerror);
    r.soa_is_answer = q.qtype == rrtype::soa || q.qtype == rrtype::any;
    return r;
  }
  // Names are filed lower-cased, of [a-z0-9-] labels only (records::
  // dns_label): anything else cannot be there, and is not looked up.
  std::string relative;
  for (int i = 0; i < depth; ++i) {
    if (!is_task_label(q.labels[i])) return negative(zone, Rcode::nxdomain);
    relative += (i ? "." : "") + lower(q.labels[i]);
  }
  auto found = zone.lookup(relative);
  if (!found) {
    Response r;
    r.rcode = Rcode::servfail;
    r.authoritative = false;
    return r;
  }
  if (!*found) return negative(zone, Rcode::nxdomain);
  Response r = negative(zone, Rcode::noerror);
  const bool want_a = q.qtype == rrtype::a || q.qtype == rrtype::any;
  const bool want_aaaa = q.qtype == rrtype::aaaa || q.qtype == rrtype::any;
  for (const auto& a : **found) {
    if (a.is_v4() ? want_a : want_aaaa) r.addresses.push_back(a);
  }
  if (!r.addresses.empty()) r.soa.reset();  // an answer needs no SOA
  return r;
}

Handled handle(const Zone& zone, std::span<const uint8_t> message, Transport transport) {
  Parsed parsed = parse_query(message);
  if (std::holds_alternative<Dropped>(parsed)) return {};
  if (const auto* m = std::get_if<Malformed>(&parsed)) return {build_error(*m), m->rcode};
  const Query& q = std::get<Query>(parsed);
  const Response r = resolve(zone, q);
  const size_t limit = transport == Transport::tcp ? kMaxMessageSize : udp_limit(q);
  return {build_response(q, r, limit), r.rcode};
}

}  // namespace netmod::dns

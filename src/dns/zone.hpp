// What the agent answers (docs/cluster.md, "Names (DNS)"): the A and AAAA
// records of tasks' Mesos-DNS names under one domain, from a lookup the
// caller injects (the agent's reads the store: records::lookup_name).
//
//   name outside the domain, or a class other than IN  REFUSED (not ours)
//   the domain itself                                  SOA for an SOA query, else NODATA
//   a name no task has, or not of [a-z0-9-] labels     NXDOMAIN, SOA in authority
//   a task name: A / AAAA / ANY                        its addresses of that family (or both)
//   a task name without an address of that type        NODATA (NOERROR, no answer), SOA
//   a task name, any other type                        NODATA
//   the lookup fails                                   SERVFAIL
//   zone transfers (AXFR, IXFR)                        REFUSED
//
// Answers are authoritative and live `ttl_seconds` (1 by default), and
// negative answers as long (SOA minimum), so a task that stops is gone
// from resolvers' caches within a second.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "dns/message.hpp"
#include "dns/name.hpp"

namespace netmod::dns {

// The addresses filed under a name relative to the domain
// ("probe-b.star-iso"); nullopt: no such name; an error: could not tell.
using Lookup = std::function<Result<std::optional<std::vector<net::IpAddress>>>(std::string_view relative_name)>;

struct Zone {
  Domain domain;
  Lookup lookup;
  uint32_t ttl_seconds = 1;
};

// The response to a well-formed query.
Response resolve(const Zone& zone, const Query& q);

enum class Transport { udp, tcp };

struct Handled {
  std::string reply;  // empty: nothing to send
  std::optional<Rcode> rcode;  // what was answered, for counting
};

// One message in (a UDP datagram, or a TCP message without its length
// prefix), the message to send back out.
Handled handle(const Zone& zone, std::span<const uint8_t> message, Transport transport);

}  // namespace netmod::dns

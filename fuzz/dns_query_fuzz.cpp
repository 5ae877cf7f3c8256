// Fuzz target: a DNS query as the agent's responder receives it
// (dns/message.hpp, dns/zone.hpp): parsed, answered through a zone whose
// lookup finds every name, and the response built for UDP and for TCP.
// None may crash; every response fits its limit and echoes the query's ID.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

#include "dns/message.hpp"
#include "dns/zone.hpp"

namespace {

uint16_t id_of(const std::string& wire) {
  return static_cast<uint16_t>(static_cast<uint8_t>(wire[0]) << 8 | static_cast<uint8_t>(wire[1]));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace dns = netmod::dns;
  using netmod::net::IpAddress;
  const std::span<const uint8_t> in(data, size);
  // A name's address count and family come from its length, so that every
  // path (answers, NODATA, truncation) is reached.
  const dns::Zone zone{dns::Domain(), [](std::string_view name) -> netmod::Result<std::optional<std::vector<IpAddress>>> {
                         if (name.size() % 7 == 0) return std::optional<std::vector<IpAddress>>{};
                         if (name.size() % 11 == 0) return netmod::make_error(netmod::Errc::unavailable, "down");
                         std::vector<IpAddress> out;
                         for (size_t i = 0; i < name.size() * 3; ++i) {
                           out.push_back(IpAddress::from_integer(i % 2 ? netmod::net::Family::v6 : netmod::net::Family::v4, i));
                         }
                         return std::optional(out);
                       },
                       1};
  const dns::Parsed parsed = dns::parse_query(in);
  for (auto transport : {dns::Transport::udp, dns::Transport::tcp}) {
    const auto handled = dns::handle(zone, in, transport);
    if (std::holds_alternative<dns::Dropped>(parsed) != handled.reply.empty()) std::abort();
    if (handled.reply.empty()) continue;
    if (handled.reply.size() < dns::kHeaderSize || id_of(handled.reply) != static_cast<uint16_t>(data[0] << 8 | data[1])) {
      std::abort();
    }
    const auto* q = std::get_if<dns::Query>(&parsed);
    const size_t limit = transport == dns::Transport::tcp ? dns::kMaxMessageSize : (q ? dns::udp_limit(*q) : 512);
    if (handled.reply.size() > limit) std::abort();
    // What the responder sends back is never taken for a query.
    if (!std::holds_alternative<dns::Dropped>(dns::parse_query(
            std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(handled.reply.data()), handled.reply.size())))) {
      std::abort();
    }
  }
  return 0;
}

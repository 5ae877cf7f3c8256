#include "agent/dns.hpp"

#include <algorithm>

#include "records/tasks.hpp"

namespace netmod::agent {

std::vector<net::Endpoint> dns_addresses(const config::AgentConfig& config, const std::vector<net::IpAddress>& fabric) {
  std::vector<net::Endpoint> out;
  auto add = [&](const net::Endpoint& e) {
    if (std::find(out.begin(), out.end(), e) == out.end()) out.push_back(e);
  };
  if (config.dns_on_fabric) {
    for (const auto& a : fabric) add({a, 53});
  }
  for (const auto& e : config.dns_addresses) add(e);
  return out;
}

std::string endpoints_text(const std::vector<net::Endpoint>& endpoints) {
  std::string out;
  for (const auto& e : endpoints) out += (out.empty() ? "" : ",") + e.str();
  return out;
}

Result<std::unique_ptr<dns::Responder>> start_dns(store::Store& store, const config::AgentConfig& config,
                                                  const std::vector<net::IpAddress>& fabric, Metrics& metrics) {
  dns::ResponderOptions o;
  o.addresses = dns_addresses(config, fabric);
  if (o.addresses.empty()) return std::unique_ptr<dns::Responder>();
  o.zone.domain = config.dns_domain;
  o.zone.lookup = [&store](std::string_view name) { return records::lookup_name(store, name); };
  o.on_answer = [&metrics](dns::Rcode rcode, dns::Transport) {
    const auto i = static_cast<size_t>(rcode);
    if (i < metrics.dns_queries.size()) ++metrics.dns_queries[i];
  };
  const std::string what = endpoints_text(o.addresses);
  auto r = dns::Responder::start(std::move(o));
  if (!r) {
    std::string key = "agent.dns_address";
    if (config.dns_on_fabric) key += " \"auto\" (the fabric addresses at port 53)";
    return std::move(r).error().with_context(key + " " + what);
  }
  return std::move(*r);
}

}  // namespace netmod::agent

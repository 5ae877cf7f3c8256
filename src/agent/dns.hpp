// The agent's DNS responder (docs/dns.md): answers for the Mesos-DNS names
// of tasks the store files (records/tasks.hpp, /netmod/v1/names/), under
// agent.dns_domain, on agent.dns_address. Every query reads the store (one
// prefix list): a name that is deleted is gone from the next answer.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "agent/metrics.hpp"
#include "config/config.hpp"
#include "dns/responder.hpp"
#include "net/endpoint.hpp"
#include "store/store.hpp"

namespace netmod::agent {

// Where to serve: agent.dns_address's addresses, and with "auto" each
// fabric address at port 53; each once. Empty: DNS is off.
std::vector<net::Endpoint> dns_addresses(const config::AgentConfig& config, const std::vector<net::IpAddress>& fabric);

// Starts the responder on dns_addresses(), answering from `store` (shared
// with the agent's other threads: Store handles are thread-safe) and
// counting answers by rcode in `metrics`. nullptr when DNS is off. A bind
// that fails is an error naming agent.dns_address and the address.
Result<std::unique_ptr<dns::Responder>> start_dns(store::Store& store, const config::AgentConfig& config,
                                                  const std::vector<net::IpAddress>& fabric, Metrics& metrics);

// "10.0.0.1:53,[fd00::1]:53" for the log.
std::string endpoints_text(const std::vector<net::Endpoint>& endpoints);

}  // namespace netmod::agent

// What the store holds about a cluster's hosts (DESIGN.md, "Cluster"):
//
//   /netmod/v1/fabric/<host>   {"addresses": ["192.168.50.2", "fd50::2"], "updated_ms": N}
//       where other hosts send traffic for this host's blocks and tasks;
//       written by the host's agent, kept while the agent restarts (routes
//       to a host's tasks must not flap with its agent).
//   /netmod/v1/agents/<host>   {"host", "pid", "pid_start", "boot_id", "started_ms", "fabric": [...]}
//       put with the agent's lease: present exactly while a live agent
//       holds the host. Its absence after a grace period is what garbage
//       collection acts on.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/ip_address.hpp"
#include "store/store.hpp"

namespace netmod::records {

namespace keys {
inline constexpr std::string_view kFabric = "/netmod/v1/fabric/";
inline constexpr std::string_view kAgents = "/netmod/v1/agents/";
std::string fabric(std::string_view host);
std::string agent(std::string_view host);
}  // namespace keys

struct FabricRecord {
  std::string host;
  std::vector<net::IpAddress> addresses;
  int64_t updated_ms = 0;
  // The address of `family` other hosts route through, if any.
  std::optional<net::IpAddress> address(net::Family family) const;
};

struct AgentRecord {
  std::string host;
  int64_t pid = 0;
  int64_t pid_start = 0;  // the process' start time (/proc/<pid>/stat), against pid reuse
  std::string boot_id;  // /proc/sys/kernel/random/boot_id of its machine
  int64_t started_ms = 0;
  std::vector<net::IpAddress> fabric;
};

std::string encode_fabric(const FabricRecord& r);
// The host is the key's last segment (unescaped by the caller).
Result<FabricRecord> decode_fabric(std::string_view host, std::string_view json);
std::string encode_agent(const AgentRecord& r);
Result<AgentRecord> decode_agent(std::string_view json);

// Every fabric record, by host; records that cannot be decoded are
// returned as errors beside them (never fatal: one bad key must not stop
// a cluster's routing).
struct FabricMap {
  std::map<std::string, FabricRecord> hosts;
  std::vector<Error> undecodable;
};
FabricMap decode_fabrics(const std::vector<store::KeyValue>& kvs);

}  // namespace netmod::records

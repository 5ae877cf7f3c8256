// netmod's configuration: a JSON file named by --config, else
// $NETMOD_CONFIG, else /etc/netmod/netmod.conf; when none of these exists,
// built-in defaults. Unknown keys are errors that name the key, so a typo
// never silently falls back to a default.
//
//   {
//     "datastore": {"type": "embedded", "path": "/var/lib/netmod/netmod.db",
//                   "busy_timeout_ms": 10000},
//       or, for a cluster (DESIGN.md, "Cluster"; docs/cluster.md):
//     "datastore": {"type": "etcd", "endpoints": ["https://10.0.0.1:2379", ...],
//                   "prefix": "/netmod", "timeout_ms": 5000,
//                   "tls": {"ca": "/etc/netmod/ca.pem", "cert": "...", "key": "..."}},
//     "hostname": "agent-1",              // default: the machine's hostname
//     "default_pools": [{"cidr": "10.65.0.0/16", "block_size": 26,
//                        "nat_outgoing": false}],
//     "release_cooldown_seconds": 30,
//     "mtu": 1500,                        // task interfaces
//     "agent": {"fabric_address": "192.168.50.2",  // or a list (IPv4 and IPv6)
//               "lease_ttl_seconds": 10, "resync_seconds": 30,
//               "gc_grace_seconds": 60, "metrics_address": "127.0.0.1:9099",
//               "dns_address": "auto",         // or "IP[:PORT]", a list, "" for none
//               "dns_domain": "marathon.mesos"}
//   }
//
// Layers: a CNI network config's keys override the file's, which override
// the built-in defaults (parse_config's `base`), so the plugin and the CLI
// find the same datastore.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dns/name.hpp"
#include "ipam/ipam.hpp"
#include "net/endpoint.hpp"
#include "store/store.hpp"

namespace netmod::config {

inline constexpr const char* kDefaultConfigPath = "/etc/netmod/netmod.conf";
inline constexpr const char* kDefaultDatastorePath = "/var/lib/netmod/netmod.db";

struct DatastoreConfig {
  std::string type = "embedded";  // or "etcd"
  // embedded
  std::string path = kDefaultDatastorePath;
  int busy_timeout_ms = 10000;
  // etcd
  std::vector<std::string> endpoints;  // http:// or https:// URLs, no path
  std::string prefix = "/netmod";
  int timeout_ms = 5000;  // a request, per endpoint tried
  std::string tls_ca, tls_cert, tls_key;
};

// The per-host agent (`netmod agent`; docs/cluster.md).
struct AgentConfig {
  // Where other hosts send this host's traffic; empty: found (the address
  // the default route leaves from, else the only global address).
  std::vector<net::IpAddress> fabric_addresses;
  int lease_ttl_seconds = 10;        // renewed every third of it
  int resync_seconds = 30;           // a full reconcile at least this often
  int gc_grace_seconds = 60;         // between the two observations GC needs
  std::string metrics_address = "127.0.0.1:9099";  // /metrics and /healthz; "" for none
  // Where the agent answers DNS for task names (docs/dns.md), from
  // agent.dns_address: "auto" (the default) is every fabric address at
  // port 53 (dns_on_fabric); addresses are "IP" (port 53) or "IP:PORT"
  // ("[IPv6]:PORT"); a list may mix both; "" or [] for no DNS.
  bool dns_on_fabric = true;
  std::vector<net::Endpoint> dns_addresses;
  dns::Domain dns_domain;  // agent.dns_domain, "marathon.mesos" by default
};

struct Config {
  DatastoreConfig datastore;
  AgentConfig agent;
  std::optional<std::string> hostname;  // validated; nullopt: machine's hostname
  std::vector<ipam::PoolSpec> default_pools;
  int64_t release_cooldown_ms = 30000;
  uint32_t mtu = 1500;   // of task interfaces
  std::string source = "built-in defaults";  // where it came from, for messages
};

// The pools an allocation creates when the store has none:
// 10.65.0.0/16 and fd65:6e6d::/48, default block sizes.
std::vector<ipam::PoolSpec> builtin_default_pools();

// The built-in defaults.
Config default_config();

// Parses a configuration document over `base`: each key the document has
// replaces base's (datastore keys one by one); `source` names it in errors.
Result<Config> parse_config(std::string_view json, const std::string& source, const Config& base = default_config());

// Finds and loads the configuration. `getenv` is injected for tests.
Result<Config> load_config(const std::optional<std::string>& flag_path,
                           const std::function<const char*(const char*)>& getenv);

// The machine's hostname (uname nodename).
std::string machine_hostname();

// The configured hostname, or the machine's.
std::string effective_hostname(const Config& config);

// Opens the configured datastore. `long_lived`: for a process that keeps
// it open (the agent), not a short plugin call (SqliteOptions::short_lived).
Result<std::unique_ptr<store::Store>> open_store(const DatastoreConfig& config, bool long_lived = false);

ipam::IpamOptions ipam_options(const Config& config);

}  // namespace netmod::config

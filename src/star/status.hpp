// What a probe says about itself at GET /status. The seed's shape is kept
// exactly, so the seed's collector can read netmod's probes and netmod's
// collector the seed's:
//   {"status": {"targets": [{"reachable": true, "url": "http://..."}]}}
// netmod's probe adds one top-level member the seed's collector ignores,
// who the probe is, from the environment the launcher gives each task:
//   "probe": {"name": "probe-a", "app": "/star-iso/probe-a", "host": "h1",
//             "addresses": ["10.65.0.2"], "netgroups": ["star-1"]}
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace netmod::star {

struct ProbeIdentity {
  std::string name;  // NETMOD_TASK_NAME
  std::string app;   // NETMOD_APP_ID
  std::string host;  // NETMOD_HOST
  std::vector<std::string> addresses;  // NETMOD_TASK_ADDRESSES, comma-separated
  std::vector<std::string> netgroups;  // NETMOD_NETGROUPS, comma-separated

  bool operator==(const ProbeIdentity&) const = default;
};

struct TargetStatus {
  std::string url;
  bool reachable = false;

  bool operator==(const TargetStatus&) const = default;
};

struct ProbeStatus {
  std::vector<TargetStatus> targets;
  std::optional<ProbeIdentity> identity;  // absent in the seed's probes
};

using Getenv = std::function<const char*(const char*)>;

// The task environment the launcher documents; an absent or empty variable
// is an empty value, and empty items of a list are dropped.
ProbeIdentity identity_from_env(const Getenv& getenv);

// The /status document.
nlohmann::json status_json(const std::vector<TargetStatus>& targets, const ProbeIdentity& identity);

// Reads a /status body leniently, as a collector must read whatever a probe
// says: a body without "status.targets" is an error (not a probe), but a
// target entry without a string url is skipped, a non-boolean "reachable"
// counts as unreachable, and a malformed "probe" member is ignored.
Result<ProbeStatus> parse_status(const nlohmann::json& body);

}  // namespace netmod::star

// One CNI invocation parsed from environment and network config, and the
// commands that act on it. Internal to the CNI front end.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "ipam/names.hpp"
#include "plugin/cni/plugin.hpp"
#include "plugin/cni/types.hpp"

namespace netmod::plugin::cni::detail {

struct Failure {
  CniError error;
};

struct Invocation {
  std::string command;
  std::string cni_version = "1.1.0";
  nlohmann::json conf;
  std::string container_id;
  std::string ifname;
  std::string netns;
  config::Config cfg;
  std::string host;
  ipam::Attributes attrs;
  std::vector<net::IpAddress> static_ips;
  unsigned want_v4 = 0, want_v6 = 0;
  std::vector<net::Cidr> pools;
  // Called as the IPAM plugin of another plugin ("ipam": {"type": "netmod"}
  // under "type": "bridge", ...): address management only.
  bool ipam_only = false;
};

Failure fail(Code code, std::string msg);
std::string env_or(const Getenv& getenv, const char* name);
Result<config::Config> netmod_config(const Getenv& getenv, const nlohmann::json& conf, const std::string& name);
// Parses environment and config into `inv` (inv.command already set).
std::optional<Failure> parse_request(const Getenv& getenv, const std::string& input, Invocation& inv);

// Attachment key: container id + interface name.
std::string endpoint_id(const Invocation& inv);

Result<std::string> add(const Invocation& inv);
Result<void> del(const Invocation& inv);
Result<void> check(const Invocation& inv);
Result<void> gc(const Invocation& inv);

}  // namespace netmod::plugin::cni::detail

// One CNI invocation parsed from environment and network config, and the
// commands that act on it. Internal to the CNI front end.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "dataplane/netns.hpp"
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
  std::string network;  // the config's "name"
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
  // What ADD answered (CHECK, DEL), or what the plugins before netmod in a
  // chain made (ADD).
  std::optional<AddResult> prev;
  // GC: the attachments to keep, as "container-id:ifname".
  std::set<std::string> valid_attachments;
  // DEL of an attachment ADD could never have made (a name or config ADD
  // refuses): nothing to free, success.
  bool nothing_to_do = false;
};

Failure fail(Code code, std::string msg);
std::string env_or(const Getenv& getenv, const char* name);
// The network config's netmod keys over `base` (netmod.conf).
Result<config::Config> network_config(const config::Config& base, const nlohmann::json& conf, const std::string& name);
// Parses environment and config into `inv` (inv.command already set).
std::optional<Failure> parse_request(const Getenv& getenv, const std::string& input, Invocation& inv);

// Attachment key: container id + interface name.
std::string endpoint_id(const Invocation& inv);

// `task_ns`: the namespace CNI_NETNS names (opened by the caller).
Result<std::string> add(const Invocation& inv, dataplane::Netns task_ns, Machine& machine);
Result<void> del(const Invocation& inv, Machine& machine);
Result<void> check(const Invocation& inv, const dataplane::Netns& task_ns, Machine& machine);
Result<void> gc(const Invocation& inv, Machine& machine);
// STATUS: whether an ADD could succeed now (the datastore can be written).
Result<void> status(const Invocation& inv);

}  // namespace netmod::plugin::cni::detail

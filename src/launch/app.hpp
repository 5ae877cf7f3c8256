// Marathon app and app group definitions, as `netmod run --app FILE.json`
// reads them (DESIGN.md, "What Marathon, Mesos-DNS and Star expect"): the
// seed's shape (`ipAddress.groups`, `ipAddress.labels`,
// `ipAddress.discovery.ports`; `ports` + `requirePorts` for host
// networking) and Marathon >= 1.5's `networks`. Parsed at the boundary into
// AppSpecs that cannot be invalid; fields netmod has no use for (`cpus`,
// `mem`, `constraints`, ...) are accepted and ignored, as Marathon ignores
// what a cluster does not offer.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace netmod::launch {

struct DiscoveryPort {
  std::string name;
  uint16_t number = 0;
  std::string protocol = "tcp";
};

struct AppSpec {
  std::string id;   // absolute path: "/star-iso/probe-a"
  std::string cmd;  // run by /bin/sh -c
  unsigned instances = 1;
  // Own address (ipAddress or a container network) or the host's network.
  bool host_network = true;
  std::vector<std::string> netgroups;  // validated, sorted
  std::map<std::string, std::string> labels;
  std::vector<DiscoveryPort> discovery;
  // Host networking: the host ports the task needs (`ports`); claimed only
  // with requirePorts (Marathon otherwise assigns any free port: netmod
  // passes the requested numbers and claims nothing).
  std::vector<uint16_t> ports;
  bool require_ports = false;
  // Files the task's sandbox gets (Marathon `uris`): file:// URIs or paths,
  // relative ones resolved against the app file's directory.
  std::vector<std::string> uris;
  std::map<std::string, std::string> env;
};

// The apps of a definition: one app, or a group's apps (nested groups
// flattened), in file order, with absolute ids. `base_dir` resolves
// relative uris. Errors name the field: "apps[2].cmd must be a string".
Result<std::vector<AppSpec>> parse_apps(std::string_view json, const std::string& base_dir = ".");

// "/star-iso/probe-a" from id "probe-a" inside group "/star-iso"; ids are
// Marathon paths: segments of [a-z0-9-.] (".." and "." resolve).
Result<std::string> absolute_app_id(std::string_view id, std::string_view parent);

// The id of the task that is instance `index` of `app`:
// "star-iso.probe-a.0" for /star-iso/probe-a.
std::string task_id(const std::string& app, unsigned index);

// True when `app` is `id` or lies below it ("/star-iso" covers
// "/star-iso/probe-a").
bool app_within(std::string_view app, std::string_view id);

}  // namespace netmod::launch

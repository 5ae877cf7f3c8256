// What the store holds about tasks the launcher (`netmod run`) started, and
// the names they answer to (DESIGN.md, "What Marathon, Mesos-DNS and Star
// expect"):
//
//   /netmod/v1/tasks/<task id>       the task record (TaskRecord, below)
//   /netmod/v1/names/<name>/<task id>  {"addresses": [...]}
//       <name> is relative to the DNS domain (the agent's dns_domain,
//       "marathon.mesos" by default): app /star-iso/probe-b files
//       "probe-b.star-iso" and "probe-b-star-iso". A task's names are
//       written in the transaction that marks it running and deleted in the
//       one that removes its record.
//   /netmod/v1/ports/<host>/<proto>/<port>  {"task": <task id>}
//       a host port claimed by a host-network task (`requirePorts`).
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
inline constexpr std::string_view kTasks = "/netmod/v1/tasks/";
inline constexpr std::string_view kNames = "/netmod/v1/names/";
inline constexpr std::string_view kPorts = "/netmod/v1/ports/";
std::string task(std::string_view id);
// The prefix of every record of `name` (relative to the domain).
std::string name_prefix(std::string_view name);
std::string name(std::string_view name, std::string_view task_id);
std::string port(std::string_view host, std::string_view proto, uint16_t port);
}  // namespace keys

enum class TaskState { waiting, starting, running };
std::string_view to_string(TaskState s);

struct TaskRecord {
  std::string id;   // "star-iso.probe-a.1"
  std::string app;  // "/star-iso/probe-a" (empty: a task launched by hand)
  std::string name; // --name, or the app's last segment
  std::string host; // empty while waiting for a host
  TaskState state = TaskState::waiting;
  std::vector<net::IpAddress> addresses;  // its own, or the host's with host_network
  std::vector<std::string> netgroups;
  std::map<std::string, std::string> labels;
  bool host_network = false;
  std::vector<uint16_t> ports;  // host ports claimed (host_network)
  // The launcher process that supervises it, for `netmod stop` and for
  // garbage collection after kill -9 (pid_start guards against pid reuse).
  int64_t pid = 0;
  int64_t pid_start = 0;
  std::string boot_id;
  int64_t started_ms = 0;
  bool stop_requested = false;  // `netmod stop`: the launcher ends the task
};

std::string encode_task(const TaskRecord& r);
Result<TaskRecord> decode_task(std::string_view json);

struct NameRecord {
  std::vector<net::IpAddress> addresses;
};
std::string encode_name(const NameRecord& r);
Result<NameRecord> decode_name(std::string_view json);

// The Mesos-DNS names of app `app_id` ("/star-iso/probe-b"), relative to the
// domain: the path's segments reversed and joined by dots
// ("probe-b.star-iso"), and the same joined by dashes ("probe-b-star-iso").
// Each segment is a DNS label: lower-cased, '.' and '_' turned into '-',
// other characters outside [a-z0-9-] dropped, at most 63 characters.
// Empty segments are skipped; an app id with no usable segment has no names.
std::vector<std::string> mesos_dns_names(std::string_view app_id);
std::string dns_label(std::string_view segment);

// Every address filed under `name` (relative), from all its tasks; nullopt
// when no task has the name (NXDOMAIN), an empty list when tasks have it
// with no address.
Result<std::optional<std::vector<net::IpAddress>>> lookup_name(store::Store& store, std::string_view name);

}  // namespace netmod::records

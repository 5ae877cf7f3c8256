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
//
// Names and port claims are written only in a transaction that finds the
// task's record, and removed with it (remove_task_records): one whose
// record is gone is an orphan, which the agents' garbage collection
// removes (agent/gc.hpp).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
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

// A host port claim's value: the holder's task id; an error when the
// value is not a claim.
std::string encode_port_claim(std::string_view task_id);
Result<std::string> decode_port_claim(std::string_view json);

// What is filed for tasks, read back from the keys (and, for port claims,
// the holder from the value).
struct NameEntry {
  std::string key;
  std::string name;  // relative to the DNS domain
  std::string task_id;
};
struct PortClaim {
  std::string key;
  std::string host;
  std::string proto;
  uint16_t port = 0;
  std::string task_id;  // the holder
};
// Every name entry / port claim; keys or values that cannot be read are
// skipped and counted in `unreadable` (nothing can tell whose they are).
Result<std::vector<NameEntry>> list_names(store::Tx& tx, size_t& unreadable);
Result<std::vector<PortClaim>> list_port_claims(store::Tx& tx, size_t& unreadable);
// The id of every task record, decodable or not (from the keys).
Result<std::set<std::string>> list_task_ids(store::Tx& tx);

// Removes task `id`'s record, its names (its app's Mesos-DNS names) and
// the host ports it holds on its host, in `tx`. False when there is no
// record (nothing to do). An unreadable record is removed alone: what it
// held cannot be named (garbage collection finds those orphaned).
Result<bool> remove_task_records(store::Tx& tx, std::string_view id);

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

#include "agent/gc.hpp"

#include "plugin/isolation.hpp"

namespace netmod::agent {

std::string GcCandidate::key() const {
  return std::to_string(static_cast<int>(kind)) + "/" + host + "/" + id;
}

std::string_view kind_name(GcCandidate::Kind kind) {
  switch (kind) {
    case GcCandidate::Kind::host_gone: return "host-gone";
    case GcCandidate::Kind::endpoint_gone: return "endpoint-gone";
    case GcCandidate::Kind::allocation_unused: return "allocation-unused";
    case GcCandidate::Kind::task_dead: return "task-dead";
    case GcCandidate::Kind::name_orphan: return "name-orphan";
    case GcCandidate::Kind::port_claim_orphan: return "port-claim-orphan";
  }
  return "?";
}

bool launcher_dead(const records::TaskRecord& t, const Processes& processes) {
  if (t.pid <= 0 || t.boot_id.empty() || t.boot_id != processes.boot_id()) return false;
  auto start = processes.start_time(t.pid);
  if (!start) return false;
  if (!*start) return true;  // no such process
  // A record without a start time cannot tell its launcher from a
  // process that reused the pid.
  return t.pid_start > 0 && **start != t.pid_start;
}

namespace {

void task_candidates(const GcInput& in, std::vector<GcCandidate>& out) {
  for (const auto& t : in.tasks) {
    if (!in.tasks_launcher_dead.count(t.id)) continue;
    if (!t.host.empty() && t.host != in.host) continue;
    std::string filed = "its record";
    if (!records::mesos_dns_names(t.app).empty()) filed += ", names";
    if (!t.ports.empty() && !t.host.empty()) filed += ", port claims";
    out.push_back({GcCandidate::Kind::task_dead, in.host, t.id,
                   "its launcher (pid " + std::to_string(t.pid) + ") is gone" +
                       (t.host.empty() ? " while it waited for a host" : ""),
                   "remove " + filed, {}});
  }
  for (const auto& n : in.names) {
    if (in.task_ids.count(n.task_id)) continue;
    out.push_back({GcCandidate::Kind::name_orphan, "", n.key,
                   "name " + n.name + " of task " + n.task_id + ", which has no record", "remove it", n.task_id});
  }
  for (const auto& c : in.port_claims) {
    if (in.task_ids.count(c.task_id)) continue;
    out.push_back({GcCandidate::Kind::port_claim_orphan, c.host, c.key,
                   "port " + c.proto + "/" + std::to_string(c.port) + " claimed by task " + c.task_id +
                       ", which has no record",
                   "free the port", c.task_id});
  }
}

}  // namespace

std::vector<GcCandidate> gc_candidates(const GcInput& in) {
  std::vector<GcCandidate> out;
  std::set<std::string> gone;
  for (const auto& h : in.hosts_with_fabric) {
    if (h == in.host || in.hosts_with_agent.count(h)) continue;
    gone.insert(h);
    out.push_back({GcCandidate::Kind::host_gone, h, h, "its agent's lease expired",
                   "forget its endpoints, release its allocations, free its empty blocks, drop its routes everywhere", {}});
  }
  std::set<std::string> used;  // addresses some endpoint uses
  for (const auto& e : in.endpoints) {
    for (const auto& a : e.addresses) used.insert(a.str());
    if (e.host == in.host && in.endpoints_without_namespace.count(e.container_id)) {
      out.push_back({GcCandidate::Kind::endpoint_gone, e.host, e.container_id,
                     "its task's namespace " + e.netns + " is gone",
                     "unwire and forget it, release its addresses", {}});
    }
  }
  for (const auto& h : in.handles) {
    if (h.host != in.host || h.addresses.empty()) continue;
    if (h.handle.find(plugin::kParkedHandleSeparator) != std::string::npos) continue;
    bool in_use = false;
    for (const auto& a : h.addresses) in_use = in_use || used.count(a.str());
    if (in_use) continue;
    std::string addrs;
    for (const auto& a : h.addresses) addrs += (addrs.empty() ? "" : ", ") + a.str();
    out.push_back({GcCandidate::Kind::allocation_unused, h.host, h.handle, "no endpoint uses " + addrs,
                   "release " + addrs, {}});
  }
  task_candidates(in, out);
  return out;
}

std::vector<GcCandidate> GcClock::due(const std::vector<GcCandidate>& now, std::chrono::steady_clock::time_point t) {
  std::map<std::string, std::chrono::steady_clock::time_point> seen;
  std::vector<GcCandidate> out;
  for (const auto& c : now) {
    auto it = first_seen_.find(c.key());
    const auto first = it == first_seen_.end() ? t : it->second;
    seen[c.key()] = first;
    if (it != first_seen_.end() && t - first >= grace_) out.push_back(c);
  }
  first_seen_ = std::move(seen);
  return out;
}

}  // namespace netmod::agent

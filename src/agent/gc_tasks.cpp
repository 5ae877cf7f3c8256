#include "agent/gc_tasks.hpp"

namespace netmod::agent {

namespace keys = records::keys;

Result<void> read_task_records(store::Tx& tx, GcInput& in) {
  in.tasks.clear();
  NETMOD_ASSIGN_OR_RETURN(auto kvs, tx.list(keys::kTasks));
  for (const auto& kv : kvs) {
    auto rec = records::decode_task(kv.value);
    if (rec) in.tasks.push_back(std::move(*rec));
  }
  NETMOD_ASSIGN_OR_RETURN(in.task_ids, records::list_task_ids(tx));
  size_t unreadable = 0;  // `netmod ps` and `ipam check` report those; nothing here can
  NETMOD_ASSIGN_OR_RETURN(in.names, records::list_names(tx, unreadable));
  NETMOD_ASSIGN_OR_RETURN(in.port_claims, records::list_port_claims(tx, unreadable));
  return ok();
}

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

Result<std::string> collect_task(store::Store& store, const Processes& processes, const GcCandidate& c) {
  std::optional<records::TaskRecord> removed;
  NETMOD_TRY(store.update([&](store::Tx& tx) -> Result<void> {
    removed.reset();
    NETMOD_ASSIGN_OR_RETURN(auto kv, tx.get(keys::task(c.id)));
    if (!kv) return ok();  // its launcher ended it meanwhile, or another agent was first
    auto rec = records::decode_task(kv->value);
    if (!rec) return ok();  // rewritten with something this agent cannot judge
    if (!rec->host.empty() && rec->host != c.host) return ok();  // placed on another host meanwhile
    if (!launcher_dead(*rec, processes)) return ok();
    NETMOD_ASSIGN_OR_RETURN(bool there, records::remove_task_records(tx, c.id));
    if (there) removed = std::move(*rec);
    return ok();
  }));
  if (!removed) return std::string();
  std::vector<std::string> what = {"record"};
  auto names = records::mesos_dns_names(removed->app);
  if (!names.empty()) what.push_back("names " + join(names));
  if (!removed->ports.empty() && !removed->host.empty()) {
    std::vector<std::string> ports;
    for (uint16_t p : removed->ports) ports.push_back(std::to_string(p));
    what.push_back("port claims " + join(ports));
  }
  return "task " + c.id + " (" + (removed->app.empty() ? "run by hand" : removed->app) + ") of a dead launcher (pid " +
         std::to_string(removed->pid) + "): removed its " + join(what);
}

// A name or port claim goes when it is still there, still names c.task,
// and that task still has no record.
Result<std::string> collect_orphan(store::Store& store, const GcCandidate& c) {
  bool removed = false;
  NETMOD_TRY(store.update([&](store::Tx& tx) -> Result<void> {
    removed = false;
    NETMOD_ASSIGN_OR_RETURN(auto kv, tx.get(c.id));
    if (!kv) return ok();
    if (c.kind == GcCandidate::Kind::port_claim_orphan) {
      auto holder = records::decode_port_claim(kv->value);
      if (!holder || *holder != c.task) return ok();  // claimed again, by another task
    }
    NETMOD_ASSIGN_OR_RETURN(auto task, tx.get(keys::task(c.task)));
    if (task) return ok();  // the task is back
    tx.del(c.id);
    removed = true;
    return ok();
  }));
  if (!removed) return std::string();
  return c.why + ": removed " + c.id;
}

}  // namespace

Result<std::string> collect_task_garbage(store::Store& store, const Processes& processes, const GcCandidate& c) {
  switch (c.kind) {
    case GcCandidate::Kind::task_dead: return collect_task(store, processes, c);
    case GcCandidate::Kind::name_orphan:
    case GcCandidate::Kind::port_claim_orphan: return collect_orphan(store, c);
    default: return make_error(Errc::internal, "not a task's garbage: " + c.key());
  }
}

}  // namespace netmod::agent

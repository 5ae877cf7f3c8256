#include "launch/registry.hpp"

#include <algorithm>

#include "ipam/keys.hpp"
#include "launch/app.hpp"
#include "records/hosts.hpp"

namespace netmod::launch {

namespace keys = records::keys;

namespace {

Result<std::optional<TaskRecord>> read_task(store::Tx& tx, const std::string& id) {
  NETMOD_ASSIGN_OR_RETURN(auto kv, tx.get(keys::task(id)));
  if (!kv) return std::optional<TaskRecord>{};
  NETMOD_ASSIGN_OR_RETURN(auto rec, records::decode_task(kv->value));
  return std::optional<TaskRecord>(std::move(rec));
}

// The port-claim keys task `id` holds on its host.
std::vector<std::string> port_keys(const TaskRecord& rec) {
  std::vector<std::string> out;
  if (rec.host.empty()) return out;
  for (uint16_t p : rec.ports) out.push_back(keys::port(rec.host, "tcp", p));
  return out;
}

std::string claim_value(const std::string& id) { return records::encode_port_claim(id); }

// A claim that cannot be read is held by nobody netmod can name.
std::string holder_of(const std::string& value) {
  auto holder = records::decode_port_claim(value);
  return holder ? *holder : "?";
}

}  // namespace

Result<void> claim_tasks(store::Store& store, const std::vector<TaskRecord>& tasks) {
  return store.update([&](store::Tx& tx) -> Result<void> {
    NETMOD_ASSIGN_OR_RETURN(auto existing, tx.list(keys::kTasks));
    for (const auto& kv : existing) {
      auto rec = records::decode_task(kv.value);
      if (!rec) continue;
      for (const auto& t : tasks) {
        if (!t.app.empty() && rec->app == t.app) {
          return make_error(Errc::already_exists, "app " + t.app + " is already running (task " + rec->id +
                                                      "); stop it first: netmod stop " + t.app);
        }
        if (rec->id == t.id) return make_error(Errc::already_exists, "a task with the id " + t.id + " exists already");
      }
    }
    for (const auto& t : tasks) tx.put(keys::task(t.id), records::encode_task(t));
    return ok();
  });
}

Result<std::optional<std::string>> claim_ports(store::Store& store, const std::string& id, const std::string& host,
                                               const std::vector<uint16_t>& ports) {
  std::optional<std::string> taken;
  NETMOD_TRY(store.update([&](store::Tx& tx) -> Result<void> {
    taken.reset();
    NETMOD_ASSIGN_OR_RETURN(auto rec, read_task(tx, id));
    if (!rec) return make_error(Errc::not_found, "task " + id + " is gone (stopped)");
    for (uint16_t p : ports) {
      NETMOD_ASSIGN_OR_RETURN(auto held, tx.get(keys::port(host, "tcp", p)));
      if (held && holder_of(held->value) != id) {
        taken = std::to_string(p) + " (" + holder_of(held->value) + ")";
        return ok();
      }
    }
    for (const auto& k : port_keys(*rec)) tx.del(k);
    for (uint16_t p : ports) tx.put(keys::port(host, "tcp", p), claim_value(id));
    rec->host = host;
    rec->ports = ports;
    tx.put(keys::task(id), records::encode_task(*rec));
    return ok();
  }));
  return taken;
}

Result<void> update_task(store::Store& store, const TaskRecord& rec, const std::vector<std::string>& names) {
  return store.update([&](store::Tx& tx) -> Result<void> {
    NETMOD_ASSIGN_OR_RETURN(auto old, read_task(tx, rec.id));
    if (!old) return make_error(Errc::not_found, "task " + rec.id + " is gone (stopped)");
    TaskRecord next = rec;
    next.stop_requested = next.stop_requested || old->stop_requested;  // a stop is never lost
    tx.put(keys::task(rec.id), records::encode_task(next));
    if (rec.state == TaskState::running) {
      for (const auto& n : names) tx.put(keys::name(n, rec.id), records::encode_name({rec.addresses}));
    }
    return ok();
  });
}

Result<void> remove_task(store::Store& store, const std::string& id) {
  // The same removal as the agents' garbage collection makes of a task
  // whose launcher was killed (records/tasks.hpp).
  return store.update([&](store::Tx& tx) -> Result<void> {
    NETMOD_TRY(records::remove_task_records(tx, id));
    return ok();
  });
}

Result<std::optional<TaskRecord>> get_task(store::Store& store, const std::string& id) {
  NETMOD_ASSIGN_OR_RETURN(auto kv, store.get(keys::task(id)));
  if (!kv) return std::optional<TaskRecord>{};
  NETMOD_ASSIGN_OR_RETURN(auto rec, records::decode_task(kv->value));
  return std::optional<TaskRecord>(std::move(rec));
}

Result<TaskList> list_tasks(store::Store& store) {
  NETMOD_ASSIGN_OR_RETURN(auto kvs, store.list(keys::kTasks));
  TaskList out;
  for (const auto& kv : kvs) {
    auto rec = records::decode_task(kv.value);
    if (rec) {
      out.tasks.push_back(std::move(*rec));
    } else {
      ++out.undecodable;
    }
  }
  return out;
}

Result<std::vector<TaskRecord>> request_stop(store::Store& store, const std::string& app) {
  std::vector<TaskRecord> marked;
  NETMOD_TRY(store.update([&](store::Tx& tx) -> Result<void> {
    marked.clear();
    NETMOD_ASSIGN_OR_RETURN(auto kvs, tx.list(keys::kTasks));
    for (const auto& kv : kvs) {
      auto rec = records::decode_task(kv.value);
      if (!rec) continue;
      const bool match = rec->id == app || (!rec->app.empty() && app_within(rec->app, app)) ||
                         (!app.starts_with("/") && !rec->app.empty() && app_within(rec->app, "/" + app));
      if (!match) continue;
      marked.push_back(*rec);
      rec->stop_requested = true;
      tx.put(kv.key, records::encode_task(*rec));
    }
    return ok();
  }));
  return marked;
}

Result<std::vector<std::string>> live_hosts(store::Store& store) {
  NETMOD_ASSIGN_OR_RETURN(auto kvs, store.list(records::keys::kAgents));
  std::vector<std::string> hosts;
  for (const auto& kv : kvs) {
    hosts.push_back(ipam::keys::unescape_segment(std::string_view(kv.key).substr(records::keys::kAgents.size())));
  }
  std::sort(hosts.begin(), hosts.end());
  return hosts;
}

}  // namespace netmod::launch

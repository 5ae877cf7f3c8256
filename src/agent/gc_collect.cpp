#include "agent/gc_collect.hpp"

#include "agent/gc_tasks.hpp"
#include "dataplane/dataplane.hpp"
#include "plugin/isolation.hpp"
#include "records/keys.hpp"

namespace netmod::agent {

Result<GcInput> read_gc_input(store::Store& store, ipam::Ipam& ipam, dataplane::Kernel& kernel,
                              const Processes& processes, const std::string& host) {
  GcInput in;
  in.host = host;
  NETMOD_TRY(store.read([&](store::Tx& tx) -> Result<void> {
    in.hosts_with_fabric.clear();
    in.hosts_with_agent.clear();
    NETMOD_ASSIGN_OR_RETURN(auto fabric_kvs, tx.list(records::keys::kFabric));
    for (const auto& [h, f] : records::decode_fabrics(fabric_kvs).hosts) in.hosts_with_fabric.insert(h);
    NETMOD_ASSIGN_OR_RETURN(auto agent_kvs, tx.list(records::keys::kAgents));
    for (const auto& kv : agent_kvs) {
      in.hosts_with_agent.insert(
          ipam::keys::unescape_segment(std::string_view(kv.key).substr(records::keys::kAgents.size())));
    }
    std::vector<Error> unreadable;
    NETMOD_ASSIGN_OR_RETURN(in.endpoints, records::Endpoints::list_readable(tx, "", unreadable));
    NETMOD_ASSIGN_OR_RETURN(auto snap, ipam.snapshot(tx));
    in.handles = std::move(snap.handles);
    return read_task_records(tx, in);
  }));
  for (const auto& t : in.tasks) {
    if (launcher_dead(t, processes)) in.tasks_launcher_dead.insert(t.id);
  }
  for (const auto& e : in.endpoints) {
    if (e.host != host) continue;
    NETMOD_ASSIGN_OR_RETURN(auto ns, plugin::task_namespace(kernel, e.netns, e.netns_inode));
    if (!ns) in.endpoints_without_namespace.insert(e.container_id);
  }
  return in;
}

namespace {

std::string list(const std::vector<net::IpAddress>& v) {
  std::string s;
  for (const auto& a : v) s += (s.empty() ? "" : ", ") + a.str();
  return s.empty() ? "none" : s;
}

Result<std::string> collect_host(store::Store& store, ipam::Ipam& ipam, const std::string& host) {
  std::string done;
  NETMOD_TRY(store.update([&](store::Tx& tx) -> Result<void> {
    done.clear();
    NETMOD_ASSIGN_OR_RETURN(auto agent, tx.get(records::keys::agent(host)));
    NETMOD_ASSIGN_OR_RETURN(auto fabric, tx.get(records::keys::fabric(host)));
    if (agent || !fabric) return ok();  // back, or collected by another agent
    NETMOD_ASSIGN_OR_RETURN(auto eps, records::Endpoints::list(tx, host));
    for (const auto& e : eps) NETMOD_TRY(records::Endpoints::remove(tx, e.container_id));
    NETMOD_ASSIGN_OR_RETURN(auto forgotten, ipam.forget_host(tx, host));
    tx.del(records::keys::fabric(host));
    std::string blocks;
    for (const auto& b : forgotten.freed_blocks) blocks += (blocks.empty() ? "" : ", ") + b.str();
    done = "host " + host + " gone: " + std::to_string(eps.size()) + " endpoints forgotten, addresses released: " +
           list(forgotten.released) + "; blocks freed: " + (blocks.empty() ? "none" : blocks);
    return ok();
  }));
  return done;
}

Result<std::string> collect_endpoint(store::Store& store, ipam::Ipam& ipam, dataplane::Kernel& kernel,
                                     const GcCandidate& c) {
  NETMOD_ASSIGN_OR_RETURN(auto rec, records::Endpoints(store).find(c.id));
  if (!rec || rec->host != c.host) return std::string();
  NETMOD_ASSIGN_OR_RETURN(auto ns, plugin::task_namespace(kernel, rec->netns, rec->netns_inode));
  if (ns) return std::string();  // the task lives
  NETMOD_ASSIGN_OR_RETURN(auto dp, dataplane::Dataplane::open(kernel));
  NETMOD_TRY(plugin::cleanup(store, dp, c.id));
  auto rest = dp.take_follow_up();
  (void)dp.apply(rest);
  NETMOD_ASSIGN_OR_RETURN(auto released, ipam.release_addresses(rec->addresses));
  return "endpoint " + c.id + " of a task whose namespace is gone: unwired, forgotten, released " + list(released);
}

Result<std::string> collect_allocation(store::Store& store, ipam::Ipam& ipam, const GcCandidate& c) {
  std::vector<net::IpAddress> released;
  NETMOD_TRY(store.update([&](store::Tx& tx) -> Result<void> {
    released.clear();
    NETMOD_ASSIGN_OR_RETURN(auto h, ipam.handle(tx, c.id));
    if (!h || h->host != c.host) return ok();
    for (const auto& a : h->addresses) {
      NETMOD_ASSIGN_OR_RETURN(auto user, tx.get(records::keys::endpoint_address(a)));
      if (user) return ok();  // an endpoint uses it now
    }
    NETMOD_ASSIGN_OR_RETURN(released, ipam.release_handle(tx, c.id));
    return ok();
  }));
  if (released.empty()) return std::string();
  return "allocation " + c.id + " no endpoint used: released " + list(released);
}

}  // namespace

Result<std::string> collect(store::Store& store, ipam::Ipam& ipam, dataplane::Kernel& kernel,
                            const Processes& processes, const GcCandidate& c) {
  switch (c.kind) {
    case GcCandidate::Kind::host_gone: return collect_host(store, ipam, c.id);
    case GcCandidate::Kind::endpoint_gone: return collect_endpoint(store, ipam, kernel, c);
    case GcCandidate::Kind::allocation_unused: return collect_allocation(store, ipam, c);
    case GcCandidate::Kind::task_dead:
    case GcCandidate::Kind::name_orphan:
    case GcCandidate::Kind::port_claim_orphan: return collect_task_garbage(store, processes, c);
  }
  return std::string();
}

}  // namespace netmod::agent

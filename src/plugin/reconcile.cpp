#include "plugin/reconcile.hpp"

#include "records/hosts.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <set>
#include <system_error>
#include <thread>

#include "common/trace.hpp"
#include "dataplane/kernel_state.hpp"
#include "engine/apply.hpp"
#include "engine/plan.hpp"
#include "plugin/attachment_state.hpp"
#include "records/endpoints.hpp"
#include "plugin/isolation.hpp"

namespace netmod::plugin {


namespace {

// Inside a task whose namespace is still the one it was wired into: what
// differs from its record, put back.
Result<void> reconcile_task_side(dataplane::Dataplane& dp, const EndpointRecord& e, ReconcileReport& report) {
  NETMOD_ASSIGN_OR_RETURN(auto ns, task_namespace(dp.kernel(), e.netns, e.netns_inode));
  if (!ns) return ok();
  NETMOD_ASSIGN_OR_RETURN(auto task_nl, dp.socket_in(*ns));
  Observed seen;
  NETMOD_TRY(observe_task(task_nl, e, seen));
  if (!seen.task_link) {
    report.problems.push_back("container " + e.container_id + ": its interface " + e.task_ifname +
                              " is gone from its namespace; run cleanup (or CNI DEL) and add it again");
    return ok();
  }
  std::vector<Difference> diffs;
  for (auto& d : differences(e, seen, true)) {
    if (d.side == Difference::Side::task) diffs.push_back(std::move(d));
  }
  if (diffs.empty()) return ok();
  NETMOD_TRY(dataplane::Dataplane::repair_task_side(task_spec(e), task_nl, seen.task_link->index));
  for (const auto& d : diffs) report.created.push_back("container " + e.container_id + ": " + d.what + " (repaired)");
  return ok();
}

// Each task's side, on `workers` threads; the reports in record order.
// The first error (in record order) is returned, as in a serial run.
Result<void> reconcile_task_sides(dataplane::Dataplane& dp, const std::vector<EndpointRecord>& eps,
                                  const std::set<std::string>& skip, unsigned workers, ReconcileReport& report) {
  struct Outcome {
    ReconcileReport report;
    Result<void> result = ok();
  };
  std::vector<Outcome> outcomes(eps.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < eps.size();) {
      if (skip.count(eps[i].container_id)) continue;
      outcomes[i].result = reconcile_task_side(dp, eps[i], outcomes[i].report);
    }
  };
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < workers && t < eps.size(); ++t) {
    try {
      threads.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // fewer threads, then
    }
  }
  work();
  for (auto& t : threads) t.join();
  for (auto& o : outcomes) {
    NETMOD_TRY(std::move(o.result));
    for (auto& c : o.report.created) report.created.push_back(std::move(c));
    for (auto& p : o.report.problems) report.problems.push_back(std::move(p));
  }
  return ok();
}

}  // namespace

Result<ReconcileReport> reconcile(store::Store& store, ipam::Ipam& ipam, const std::string& host,
                                  dataplane::Kernel& kernel, const ReconcileOptions& options) {
  ReconcileReport report;
  NETMOD_ASSIGN_OR_RETURN(dataplane::Dataplane dp, dataplane::Dataplane::open(kernel));
  NETMOD_TRY(dp.ensure_host_sysctls());
  NETMOD_ASSIGN_OR_RETURN(dataplane::NetlinkSocket * nf, dp.nf_tables());
  // The kernel first, then the records: a task wired meanwhile has its
  // record read here and its objects, if not yet seen, added again (no
  // harm); one removed meanwhile has its leftovers removed.
  NETMOD_ASSIGN_OR_RETURN(engine::Snapshot seen, engine::read_snapshot(dp.netlink(), *nf));
  trace_point("reconcile-snapshot-read");
  std::vector<EndpointRecord> eps;
  dataplane::HostSpec spec;
  engine::ClusterInput cluster;
  NETMOD_TRY(store.read([&](store::Tx& tx) -> Result<void> {
    std::vector<Error> unreadable;
    NETMOD_ASSIGN_OR_RETURN(auto all, Endpoints::list_readable(tx, "", unreadable));
    NETMOD_ASSIGN_OR_RETURN(spec, host_spec(ipam, tx, host));
    // The affinity index only: reading every block and handle here cost
    // each reconcile (the agent's, on every change) the whole of IPAM.
    std::vector<Error> bad_affinities;
    NETMOD_ASSIGN_OR_RETURN(auto affinities, ipam.affinities(tx, bad_affinities));
    NETMOD_ASSIGN_OR_RETURN(auto fabric_kvs, tx.list(records::keys::kFabric));
    const auto fabric = records::decode_fabrics(fabric_kvs);
    cluster = engine::cluster_input(host, affinities, all, fabric);
    for (const auto& e : fabric.undecodable) cluster.problems.push_back(e.message + " (skipped)");
    for (const auto& e : unreadable) cluster.problems.push_back(e.message + " (skipped)");
    report.cluster_endpoints = all.size();
    report.hosts = fabric.hosts.size();
    report.undecodable = fabric.undecodable.size() + unreadable.size() + bad_affinities.size();
    eps.clear();
    for (auto& e : all) {
      if (e.host == host) eps.push_back(std::move(e));
    }
    return ok();
  }));
  trace_point("reconcile-records-read");
  report.endpoints = eps.size();
  report.blocks = spec.local_blocks.size();
  for (auto& p : cluster.problems) report.problems.push_back(std::move(p));
  engine::Plan plan = engine::plan({eps, spec.local_blocks, spec.pools, std::move(cluster)});
  if (options.unowned_links) {
    std::map<std::string, int64_t> still;
    for (const auto& l : seen.links) {
      if (l.group != dataplane::ruleset::kTaskIfGroup || plan.links.count(l.name) || !engine::is_host_ifname(l.name)) continue;
      auto first = options.unowned_links->find(l.name);
      const int64_t since = first == options.unowned_links->end() ? options.now_ms : first->second;
      if (options.now_ms - since < options.unowned_grace_ms) {
        plan.spare_links.insert(l.name);
        still[l.name] = since;
      }
    }
    *options.unowned_links = std::move(still);
  }
  trace_point("reconcile-planned");
  engine::Change change = engine::diff(plan, seen);
  trace_point("reconcile-diffed");
  NETMOD_TRY(engine::apply(change, dp));
  trace_point("reconcile-applied");
  report.created = std::move(change.added);
  report.removed = std::move(change.removed);

  // Tasks whose host end is gone are wired anew while their namespace is
  // still the one they were wired into.
  std::set<std::string> unlinked(change.unlinked.begin(), change.unlinked.end());
  if (!options.rewire) return report;
  for (const auto& e : eps) {
    if (!unlinked.count(e.container_id)) continue;
    NETMOD_ASSIGN_OR_RETURN(auto ns, task_namespace(kernel, e.netns, e.netns_inode));
    if (!ns) {
      report.problems.push_back("container " + e.container_id + ": interface " + e.host_ifname +
                                " and the task's namespace are gone; run cleanup (or CNI DEL)");
      continue;
    }
    NETMOD_TRY(dp.add_task(task_spec(e), *ns, spec));
    report.created.push_back("wiring of container " + e.container_id + " (interface " + e.host_ifname + ")");
  }
  // Inside each task.
  trace_point("reconcile-rewired");
  if (options.task_sides) NETMOD_TRY(reconcile_task_sides(dp, eps, unlinked, std::max(1u, options.task_workers), report));
  trace_point("reconcile-task-sides-read");

  // Addresses parked for a deleted task's veth (CNI DEL) whose veth is
  // gone: the background deletion did not get to release them.
  NETMOD_ASSIGN_OR_RETURN(auto snap, ipam.snapshot());
  for (const auto& h : snap.handles) {
    auto at = h.handle.rfind(kParkedHandleSeparator);
    if (at == std::string::npos || h.host != host) continue;
    int index = std::atoi(h.handle.c_str() + at + std::string_view(kParkedHandleSeparator).size());
    NETMOD_ASSIGN_OR_RETURN(bool pending, dataplane::rtnl::link_exists(dp.netlink(), index));
    if (pending) continue;  // still being deleted
    NETMOD_TRY(ipam.release_handle(h.handle));
    report.removed.push_back("allocation " + h.handle + " (its task's interface is gone)");
  }
  // What the re-wirings left for later (fast paths, proxy entries): done
  // now, and reported when it fails.
  dataplane::FollowUp rest = dp.take_follow_up();
  for (auto& f : dp.apply(rest)) report.problems.push_back(std::move(f));
  return report;
}

}  // namespace netmod::plugin

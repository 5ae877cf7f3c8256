#include "plugin/isolation.hpp"

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <future>
#include <system_error>
#include <thread>

#include "common/cleanup.hpp"
#include "common/trace.hpp"

namespace netmod::plugin {

dataplane::TaskSpec task_spec(const EndpointRecord& rec) {
  return {rec.container_id, rec.task_ifname, rec.addresses, rec.netgroups, rec.mtu, rec.routes, rec.table};
}

Result<std::optional<dataplane::Netns>> task_namespace(dataplane::Kernel& kernel, const std::string& path,
                                                      uint64_t inode) {
  auto ns = kernel.open_netns(path);
  if (!ns) {
    // Gone, or the path is no namespace at all now: not the task's.
    if (ns.error().code == Errc::not_found || ns.error().code == Errc::invalid_argument) {
      return std::optional<dataplane::Netns>();
    }
    return std::move(ns).error();
  }
  if (ns->inode() != inode) return std::optional<dataplane::Netns>();
  return std::optional<dataplane::Netns>(std::move(*ns));
}

Result<dataplane::HostSpec> host_spec(ipam::Ipam& ipam, store::Tx& tx, const std::string& host) {
  dataplane::HostSpec spec;
  NETMOD_ASSIGN_OR_RETURN(spec.local_blocks, ipam.blocks_of(tx, host));
  NETMOD_ASSIGN_OR_RETURN(auto pools, ipam.pools(tx));
  for (const auto& p : pools) spec.pools.push_back({p.cidr, p.nat_outgoing});
  return spec;
}

Result<dataplane::HostSpec> host_spec(ipam::Ipam& ipam, const std::string& host) {
  dataplane::HostSpec spec;
  NETMOD_ASSIGN_OR_RETURN(spec.local_blocks, ipam.blocks_of(host));
  NETMOD_ASSIGN_OR_RETURN(auto pools, ipam.pools());
  for (const auto& p : pools) spec.pools.push_back({p.cidr, p.nat_outgoing});
  return spec;
}

Result<void> refuse_host_namespace(dataplane::Kernel& kernel, const dataplane::Netns& task_ns, const std::string& what) {
  NETMOD_ASSIGN_OR_RETURN(dataplane::Netns host_ns, kernel.current_netns());
  if (task_ns.same_as(host_ns)) {
    return make_error(Errc::invalid_argument, what + " is in the host's network namespace; a task needs its own");
  }
  return ok();
}

Result<EndpointRecord> attach(store::Store& store, ipam::Ipam& ipam, LinkInProgress& link, Attach& req,
                              Finisher& finisher) {
  Cleanup drop([&] { link.abandon(); });
  IsolateParams& p = req.params;
  EndpointRecord rec;
  dataplane::HostSpec host;
  NETMOD_TRY(store.update([&](store::Tx& tx) -> Result<void> {
    NETMOD_ASSIGN_OR_RETURN(p.addresses, req.addresses(tx));
    if (p.addresses.empty()) return make_error(Errc::invalid_argument, "a task needs at least one address");
    NETMOD_ASSIGN_OR_RETURN(host, host_spec(ipam, tx, p.host));
    std::vector<net::Cidr> pools = req.route_pools;
    if (pools.empty()) {
      for (const auto& pool : host.pools) pools.push_back(pool.cidr);
    }
    NETMOD_ASSIGN_OR_RETURN(rec, link.record(p, pools));
    return Endpoints::create(tx, rec);
  }));
  trace_point("endpoint-recorded");
  Cleanup forget([&] {
    (void)store.update([&](store::Tx& tx) -> Result<void> {
      NETMOD_TRY(Endpoints::remove(tx, p.container_id));
      return req.undo ? req.undo(tx) : ok();
    });
  });
  NETMOD_TRY(link.wire(rec, host));
  forget.cancel();
  drop.cancel();
  // The wiring is complete; what follows only speeds it up (a fast path)
  // or answers what a static entry answers already. A failure of it is
  // the finisher's to report, and reconcile's to repair.
  (void)finisher.finish(link.dataplane(), {link.dataplane().take_follow_up(), {}, {}});
  return rec;
}

Result<EndpointRecord> isolate(store::Store& store, ipam::Ipam& ipam, const IsolateParams& p, dataplane::Netns task_ns,
                               Machine& machine) {
  if (p.addresses.empty()) return make_error(Errc::invalid_argument, "a task needs at least one address");
  bool v4 = std::any_of(p.addresses.begin(), p.addresses.end(), [](const auto& a) { return a.is_v4(); });
  bool v6 = std::any_of(p.addresses.begin(), p.addresses.end(), [](const auto& a) { return !a.is_v4(); });
  NETMOD_ASSIGN_OR_RETURN(LinkInProgress link,
                          LinkInProgress::start(machine.kernel, p.container_id, std::move(task_ns), p.task_ifname, p.mtu, v4, v6));
  Attach req;
  req.params = p;
  req.addresses = [&](store::Tx& tx) -> Result<std::vector<net::IpAddress>> {
    for (const auto& a : p.addresses) {
      NETMOD_ASSIGN_OR_RETURN(auto holder, ipam.holder(tx, a));
      if (!holder) {
        return make_error(Errc::invalid_argument,
                          "address " + a.str() + " is not allocated; allocate or reserve it first");
      }
    }
    return p.addresses;
  };
  return attach(store, ipam, link, req, machine.finisher);
}

namespace {

// The CPUs this process may use other than the one it runs on; false when
// there is none.
bool other_cpus(cpu_set_t& set) {
  if (sched_getaffinity(0, sizeof set, &set) != 0) return false;
  int here = sched_getcpu();
  if (here >= 0) CPU_CLR(here, &set);
  return CPU_COUNT(&set) > 0;
}

}  // namespace

struct LinkInProgress::State {
  State(std::string id, dataplane::Netns ns, dataplane::Dataplane d)
      : container_id(std::move(id)), task_ns(std::move(ns)), dp(std::move(d)) {}
  std::string container_id;
  dataplane::Netns task_ns;
  dataplane::Dataplane dp;
  dataplane::TaskSpec spec;
  // Where the attachment's routes go, read from the task's namespace first
  // thing on the link's thread, ready long before the caller's datastore
  // transaction asks for it.
  std::promise<Result<dataplane::Placement>> placing;
  std::shared_future<Result<dataplane::Placement>> placement = placing.get_future().share();
  std::thread worker;
  Result<dataplane::Dataplane::NewLink> new_link = make_error(Errc::internal, "the veth was never made");
  bool keep = false;  // finished: the link belongs to the endpoint now
};

LinkInProgress::LinkInProgress(std::unique_ptr<State> s) : s_(std::move(s)) {}
LinkInProgress::LinkInProgress(LinkInProgress&&) noexcept = default;

LinkInProgress::~LinkInProgress() {
  if (s_ && s_->worker.joinable()) s_->worker.join();
}

void LinkInProgress::abandon() {
  if (link() && !s_->keep) (void)s_->dp.delete_link(s_->spec);
  s_->keep = true;  // abandoned: nothing more to delete
}

dataplane::Dataplane& LinkInProgress::dataplane() { return s_->dp; }

Result<dataplane::Dataplane::NewLink>& LinkInProgress::link() {
  if (s_->worker.joinable()) s_->worker.join();
  return s_->new_link;
}

Result<LinkInProgress> LinkInProgress::start(dataplane::Kernel& kernel, const std::string& container_id,
                                             dataplane::Netns task_ns, const std::string& task_ifname, uint32_t mtu,
                                             bool v4, bool v6) {
  NETMOD_ASSIGN_OR_RETURN(dataplane::Dataplane dp, dataplane::Dataplane::open(kernel));
  auto s = std::make_unique<State>(container_id, std::move(task_ns), std::move(dp));
  s->spec.container_id = container_id;
  s->spec.task_ifname = task_ifname;
  s->spec.mtu = mtu;
  // The thread touches only the dataplane and the spec until link() joins
  // it (the spec until it has told where the routes go). It switches into
  // the task's namespace once, for a socket bound to it, which first tells
  // whether the task has another attachment already (its default routes
  // stay; this one routes to its own network's pools); the veth's far end
  // is born in the task's namespace by reference to its fd.
  State* st = s.get();
  auto make_link = [st, v4, v6] {
    auto task_nl = st->dp.socket_in(st->task_ns);
    Result<dataplane::Placement> where = task_nl ? dataplane::place(*task_nl, v4, v6)
                                                 : Result<dataplane::Placement>(task_nl.error());
    if (where) {
      st->spec.table = where->table;
      if (v4 && where->default_v4) st->spec.routes.push_back(*net::Cidr::parse("0.0.0.0/0"));
      if (v6 && where->default_v6) st->spec.routes.push_back(*net::Cidr::parse("::/0"));
    }
    st->placing.set_value(where);
    if (!where) {
      st->new_link = where.error();
      return;
    }
    st->new_link = st->dp.create_link(st->spec, st->task_ns, std::move(*task_nl), v4, v6);
  };
  cpu_set_t others;
  if (!other_cpus(others)) {
    make_link();  // one CPU: nothing to overlap with
    return LinkInProgress(std::move(s));
  }
  // A new thread starts on its creator's CPU: queued behind the creator
  // (measured: a median 0.75 ms later, the whole overlap lost), or, as
  // often, run at once in the creator's place (which then waits the whole
  // ~1.1 ms of the link's making: 2 calls in 3 in one trace). On another
  // CPU it starts within ~0.06 ms. So it is moved there by whichever of
  // the two runs first: the creator, or the thread itself.
  try {
    s->worker = std::thread([make_link, others] {
      pthread_setaffinity_np(pthread_self(), sizeof others, &others);
      make_link();
    });
  } catch (const std::system_error&) {
    make_link();  // no thread to be had: in line
    return LinkInProgress(std::move(s));
  }
  pthread_setaffinity_np(s->worker.native_handle(), sizeof others, &others);
  return LinkInProgress(std::move(s));
}

Result<EndpointRecord> LinkInProgress::record(const IsolateParams& p, const std::vector<net::Cidr>& pools) const {
  const Result<dataplane::Placement>& where = s_->placement.get();
  if (!where) return where.error();
  EndpointRecord rec;
  rec.container_id = p.container_id;
  rec.host = p.host;
  rec.host_ifname = dataplane::host_ifname(p.container_id);
  rec.task_ifname = p.task_ifname;
  rec.addresses = p.addresses;
  rec.netgroups = p.attrs.netgroups;
  rec.labels = p.attrs.labels;
  rec.mtu = p.mtu;
  rec.netns = p.netns_path;
  rec.netns_inode = s_->task_ns.inode();
  rec.routes = dataplane::task_routes(*where, p.addresses, pools);
  rec.table = where->table;
  return rec;
}

Result<void> LinkInProgress::wire(const EndpointRecord& rec, const dataplane::HostSpec& host) {
  auto& made = link();
  if (!made) return made.error();
  NETMOD_TRY(s_->dp.wire_link(task_spec(rec), host, *made));
  s_->keep = true;
  return ok();
}

namespace {

// What to remove for an attachment: its record's wiring and the nftables
// objects only it used, or, with no record (never isolated, or a crash
// before the record was written), whatever veth of its name is left.
struct Removal {
  dataplane::TaskSpec spec;
  std::vector<dataplane::ruleset::Object> unused;
  std::string netns;
  uint64_t netns_inode = 0;
};

// A later attachment's rules live in the task's namespace (its routes go
// with its interface): deleted while that namespace exists. A path that
// is gone, or names another namespace now, has none of them.
Result<void> remove_task_rules(dataplane::Dataplane& dp, const Removal& r) {
  if (!r.spec.table || r.netns.empty()) return ok();
  NETMOD_ASSIGN_OR_RETURN(auto ns, task_namespace(dp.kernel(), r.netns, r.netns_inode));
  if (!ns) return ok();
  NETMOD_ASSIGN_OR_RETURN(auto sock, dp.socket_in(*ns));
  return dp.remove_task_rules(r.spec, sock);
}

Result<Removal> removal_of(Endpoints& endpoints, const std::string& id) {
  NETMOD_ASSIGN_OR_RETURN(auto removed, endpoints.removal(id));
  Removal r;
  if (!removed) {
    r.spec.container_id = id;
    return r;
  }
  r.spec = task_spec(removed->record);
  r.netns = removed->record.netns;
  r.netns_inode = removed->record.netns_inode;
  r.unused = dataplane::ruleset::group_objects(
      removed->vanished_netgroups,
      removed->combination_vanished ? removed->record.netgroups : std::vector<std::string>{});
  return r;
}

}  // namespace

Result<void> cleanup(store::Store& store, const std::string& id, Machine& machine) {
  NETMOD_ASSIGN_OR_RETURN(dataplane::Dataplane dp, dataplane::Dataplane::open(machine.kernel));
  NETMOD_TRY(cleanup(store, dp, id));
  (void)machine.finisher.finish(dp, {dp.take_follow_up(), {}, {}});
  return ok();
}

Result<void> cleanup(store::Store& store, dataplane::Dataplane& dp, const std::string& id) {
  Endpoints endpoints(store);
  NETMOD_ASSIGN_OR_RETURN(Removal r, removal_of(endpoints, id));
  NETMOD_TRY(remove_task_rules(dp, r));
  NETMOD_TRY(dp.remove_task(r.spec, r.unused));
  NETMOD_TRY(endpoints.remove(id));
  return ok();
}

std::string parked_handle(const std::string& handle, int parked_link) {
  return handle + kParkedHandleSeparator + std::to_string(parked_link);
}

Result<std::optional<int>> cleanup_in_background(store::Store& store, ipam::Ipam& ipam, dataplane::Dataplane& dp,
                                                 const std::string& id, const std::string& handle) {
  Endpoints endpoints(store);
  NETMOD_ASSIGN_OR_RETURN(Removal r, removal_of(endpoints, id));
  trace_point("removal-spec-read");
  NETMOD_TRY(remove_task_rules(dp, r));
  NETMOD_ASSIGN_OR_RETURN(auto link, dp.isolate_for_removal(r.spec, r.unused, /*park=*/true));
  trace_point("task-isolated");
  // One transaction: the record goes, and the addresses are released, or,
  // while the old veth exists, parked under a handle of their own (a new
  // attachment under `handle` is then never freed with them).
  NETMOD_TRY(store.update([&](store::Tx& tx) -> Result<void> {
    NETMOD_TRY(Endpoints::remove(tx, id));
    if (!link) {
      NETMOD_TRY(ipam.release_handle(tx, handle));
      return ok();
    }
    NETMOD_TRY(ipam.rename_handle(tx, handle, parked_handle(handle, *link)));
    return ok();
  }));
  trace_point("endpoint-removed");
  return link;
}

}  // namespace netmod::plugin

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "common/cleanup.hpp"
#include "common/trace.hpp"
#include "dataplane/dataplane.hpp"
#include "ipam/ipam.hpp"
#include "plugin/cni/invocation.hpp"
#include "plugin/attachment_state.hpp"
#include "plugin/finisher.hpp"
#include "plugin/isolation.hpp"

namespace netmod::plugin::cni::detail {

using json = nlohmann::json;

std::string endpoint_id(const Invocation& inv) { return inv.container_id + ":" + inv.ifname; }

namespace {

// The label that files an attachment under its network, for GC.
constexpr const char* kNetworkLabel = "netmod.cni.network";

// IPAM plugin mode: the address a bridge-like plugin uses as the gateway of
// a pool. One per pool, held under its own handle so no task gets it.
Result<net::IpAddress> pool_gateway(ipam::Ipam& ipam, const Invocation& inv, const ipam::Pool& pool) {
  std::string handle = "netmod-gateway:" + pool.cidr.str();
  NETMOD_ASSIGN_OR_RETURN(auto held, ipam.handle(handle));
  if (held && !held->addresses.empty()) return held->addresses.front();
  bool v4 = pool.family() == net::Family::v4;
  ipam::AutoRequest req;
  req.handle = handle;
  req.host = inv.host;
  req.num_v4 = v4 ? 1 : 0;
  req.num_v6 = v4 ? 0 : 1;
  req.pools = {pool.cidr};
  NETMOD_ASSIGN_OR_RETURN(auto r, ipam.allocate(req));
  return v4 ? r.v4.at(0) : r.v6.at(0);
}

// The result of IPAM plugin mode: addresses with their pool's prefix and
// gateway, no interfaces (the calling plugin makes those).
Result<std::string> ipam_result(ipam::Ipam& ipam, const Invocation& inv, const std::vector<net::IpAddress>& addrs) {
  NETMOD_ASSIGN_OR_RETURN(auto pools, ipam.pools());
  AddResult res;
  for (const auto& a : addrs) {
    const ipam::Pool* pool = ipam::find_pool(pools, a);
    if (!pool) return make_error(Errc::internal, "address " + a.str() + " lies in no pool");
    NETMOD_ASSIGN_OR_RETURN(auto gw, pool_gateway(ipam, inv, *pool));
    res.ips.push_back({a, pool->cidr.prefix_len(), gw, std::nullopt});
  }
  return result_json(inv.cni_version, res);
}

// In a conflist where netmod is not first, what the plugins before it made
// is passed on in the result, ahead of netmod's own (SPEC.md, chaining).
void merge_prev_result(const Invocation& inv, AddResult& res) {
  if (!inv.prev || is_legacy(inv.cni_version)) return;
  res.interfaces = inv.prev->interfaces;
  res.ips = inv.prev->ips;
  res.routes = inv.prev->routes;
}

}  // namespace

Result<std::string> add(const Invocation& inv, dataplane::Netns task_ns, Machine& machine) {
  trace_point("cni-add");
  const std::string handle = endpoint_id(inv);
  // The veth pair is made on a second thread while the addresses are
  // allocated (isolation.hpp).
  std::optional<LinkInProgress> link;
  if (!inv.ipam_only) {
    bool v4 = inv.want_v4 > 0, v6 = inv.want_v6 > 0;
    for (const auto& a : inv.static_ips) (a.is_v4() ? v4 : v6) = true;
    NETMOD_TRY(refuse_host_namespace(machine.kernel, task_ns, inv.netns));
    NETMOD_ASSIGN_OR_RETURN(LinkInProgress l,
                            LinkInProgress::start(machine.kernel, handle, std::move(task_ns), inv.ifname, inv.cfg.mtu, v4, v6));
    link.emplace(std::move(l));
  }
  trace_point("link-started");
  auto store_opened = config::open_store(inv.cfg.datastore);
  if (!store_opened) {
    if (link) link->abandon();
    return std::move(store_opened).error();
  }
  auto& store = *store_opened;
  ipam::Ipam ipam(*store, config::ipam_options(inv.cfg));
  trace_point("store-opened");
  ipam::Attributes attrs = inv.attrs;
  attrs.labels[kNetworkLabel] = inv.network;
  // The attachment is new, and its addresses: in the transaction that
  // files its record (attach()), or alone in IPAM plugin mode.
  auto assign = [&](store::Tx& tx) -> Result<std::vector<net::IpAddress>> {
    std::vector<net::IpAddress> addrs;
    NETMOD_ASSIGN_OR_RETURN(auto existing, Endpoints::find(tx, handle));
    NETMOD_ASSIGN_OR_RETURN(auto held, ipam.handle(tx, handle));
    if (existing || (inv.ipam_only && held)) {
      return make_error(Errc::already_exists, "container " + inv.container_id + " already has interface " + inv.ifname);
    }
    if (!inv.pools.empty()) NETMOD_TRY(ipam.ensure_pools(tx, inv.pools));
    if (!inv.static_ips.empty()) {
      NETMOD_ASSIGN_OR_RETURN(auto r, ipam.reserve(tx, {handle, inv.host, inv.static_ips, attrs}));
      addrs.insert(addrs.end(), r.v4.begin(), r.v4.end());
      addrs.insert(addrs.end(), r.v6.begin(), r.v6.end());
    }
    if (inv.want_v4 + inv.want_v6 > 0) {
      NETMOD_ASSIGN_OR_RETURN(auto r, ipam.allocate(tx, {handle, inv.host, inv.want_v4, inv.want_v6, attrs, inv.pools}));
      addrs.insert(addrs.end(), r.v4.begin(), r.v4.end());
      addrs.insert(addrs.end(), r.v6.begin(), r.v6.end());
    }
    if (addrs.empty()) {
      return make_error(Errc::invalid_argument, "network config asks for no address (assign_ipv4 and assign_ipv6 are false)");
    }
    return addrs;
  };
  if (inv.ipam_only) {
    std::vector<net::IpAddress> addrs;
    NETMOD_TRY(store->update([&](store::Tx& tx) -> Result<void> {
      NETMOD_ASSIGN_OR_RETURN(addrs, assign(tx));
      return ok();
    }));
    Cleanup release([&] { (void)ipam.release_handle(handle); });
    NETMOD_ASSIGN_OR_RETURN(auto out, ipam_result(ipam, inv, addrs));
    release.cancel();
    return out;
  }
  Attach req;
  req.params.host = inv.host;
  req.params.container_id = handle;
  req.params.netns_path = inv.netns;
  req.params.task_ifname = inv.ifname;
  req.params.attrs = inv.attrs;
  req.params.mtu = inv.cfg.mtu;
  req.addresses = assign;
  // A task on two networks routes the second's pools through it: those
  // named in its config, else every pool.
  req.route_pools = inv.pools;
  req.undo = [&](store::Tx& tx) -> Result<void> {
    NETMOD_TRY(ipam.release_handle(tx, handle));
    return ok();
  };
  NETMOD_ASSIGN_OR_RETURN(EndpointRecord rec, attach(*store, ipam, *link, req, machine.finisher));
  trace_point("wired");
  const std::vector<net::IpAddress>& addrs = rec.addresses;

  AddResult res;
  merge_prev_result(inv, res);
  // Both ends of the veth: chained plugins (bandwidth, portmap) find the
  // host end as the interface without a sandbox.
  res.interfaces.push_back({rec.host_ifname, dataplane::rtnl::mac_str(dataplane::kHostMac), ""});
  const int our_if = static_cast<int>(res.interfaces.size());
  res.interfaces.push_back({inv.ifname, dataplane::rtnl::mac_str(dataplane::task_mac(handle)), inv.netns});
  for (const auto& a : addrs) {
    auto gw = *net::IpAddress::parse(a.is_v4() ? dataplane::kGatewayV4 : dataplane::kGatewayV6);
    res.ips.push_back({a, a.bits(), gw, our_if});
  }
  // The default routes, or for a task's later attachment its network's pools.
  for (const auto& dst : rec.routes) res.routes.push_back({dst, std::nullopt});
  trace_point("result-built");
  return result_json(inv.cni_version, res);
}

Result<void> del(const Invocation& inv, Machine& machine) {
  if (inv.nothing_to_do) return ok();
  NETMOD_ASSIGN_OR_RETURN(auto store, config::open_store(inv.cfg.datastore));
  ipam::Ipam ipam(*store, config::ipam_options(inv.cfg));
  const std::string id = endpoint_id(inv);
  if (inv.ipam_only) {
    NETMOD_TRY(ipam.release_handle(id));
    return ok();
  }
  NETMOD_ASSIGN_OR_RETURN(dataplane::Dataplane dp, dataplane::Dataplane::open(machine.kernel));
  NETMOD_ASSIGN_OR_RETURN(auto parked, cleanup_in_background(*store, ipam, dp, id, id));
  // The datastore connection is closed before the work is handed on (a
  // finisher may fork, and its child opens the store anew: an SQLite
  // connection must never cross a fork).
  store.reset();
  // Left for after the answer: the parked veth's deletion, and only then
  // the release of its parked addresses, so none is handed out while its
  // old interface exists.
  Leftover work{dp.take_follow_up(), {}, inv.cfg.datastore};
  if (parked) {
    work.kernel.delete_links.push_back(*parked);
    work.release_handles.push_back(parked_handle(id, *parked));
  }
  return machine.finisher.finish(dp, std::move(work));
}

namespace {

// What prevResult says of this attachment against its record: the
// addresses on its interface, and its routes.
std::vector<Difference> prev_differences(const Invocation& inv, const EndpointRecord& rec) {
  std::vector<Difference> out;
  const AddResult& prev = *inv.prev;
  auto ours = [&](const ResultIp& ip) {
    // In a chain, other plugins' addresses belong to other interfaces.
    return !ip.interface || prev.interfaces.at(*ip.interface).name == inv.ifname;
  };
  for (const auto& ip : prev.ips) {
    if (ours(ip) && std::find(rec.addresses.begin(), rec.addresses.end(), ip.address) == rec.addresses.end()) {
      out.push_back({Difference::Side::task, "prevResult names address " + ip.address.str() + ", which is not this attachment's"});
    }
  }
  for (const auto& a : rec.addresses) {
    if (std::none_of(prev.ips.begin(), prev.ips.end(), [&](const ResultIp& ip) { return ours(ip) && ip.address == a; })) {
      out.push_back({Difference::Side::task, "prevResult lacks address " + a.str()});
    }
  }
  for (const auto& dst : rec.routes) {
    if (std::none_of(prev.routes.begin(), prev.routes.end(), [&](const ResultRoute& r) { return r.dst == dst; })) {
      out.push_back({Difference::Side::task, "prevResult lacks route " + dst.str()});
    }
  }
  return out;
}

}  // namespace

Result<void> check(const Invocation& inv, const dataplane::Netns& ns, Machine& machine) {
  NETMOD_ASSIGN_OR_RETURN(auto store, config::open_store(inv.cfg.datastore));
  ipam::Ipam ipam(*store, config::ipam_options(inv.cfg));
  const std::string id = endpoint_id(inv);
  NETMOD_ASSIGN_OR_RETURN(auto held, ipam.handle(id));
  if (!held || held->addresses.empty()) {
    return make_error(Errc::not_found, "attachment " + id + " is unknown (never added, or deleted since)");
  }
  if (inv.ipam_only) {
    for (const auto& ip : inv.prev->ips) {
      if (std::find(held->addresses.begin(), held->addresses.end(), ip.address) == held->addresses.end()) {
        return make_error(Errc::inconsistent, "prevResult address " + ip.address.str() + " is not held by " + id);
      }
    }
    return ok();
  }
  NETMOD_ASSIGN_OR_RETURN(auto rec, Endpoints(*store).find(id));
  if (!rec) return make_error(Errc::not_found, "attachment " + id + " is unknown (never added, or deleted since)");
  std::vector<Difference> diffs = prev_differences(inv, *rec);
  NETMOD_ASSIGN_OR_RETURN(auto dp, dataplane::Dataplane::open(machine.kernel));
  NETMOD_ASSIGN_OR_RETURN(auto task_nl, dp.socket_in(ns));
  NETMOD_ASSIGN_OR_RETURN(Observed seen, observe(dp, *rec, &task_nl));
  auto kernel = differences(*rec, seen, true);
  diffs.insert(diffs.end(), kernel.begin(), kernel.end());
  for (const auto& i : inv.prev->interfaces) {
    if (i.name == inv.ifname && !i.mac.empty() && seen.task_link && seen.task_link->mac &&
        dataplane::rtnl::mac_str(*seen.task_link->mac) != i.mac) {
      diffs.push_back({Difference::Side::task, inv.ifname + " has MAC " + dataplane::rtnl::mac_str(*seen.task_link->mac) +
                                                   ", prevResult says " + i.mac});
    }
  }
  if (!diffs.empty()) {
    return make_error(Errc::inconsistent, "attachment " + id + " differs from what ADD made: " + describe(diffs));
  }
  return ok();
}

Result<void> status(const Invocation& inv) {
  NETMOD_ASSIGN_OR_RETURN(auto store, config::open_store(inv.cfg.datastore));
  return store->probe_write();
}

Result<void> gc(const Invocation& inv, Machine& machine) {
  NETMOD_ASSIGN_OR_RETURN(auto store, config::open_store(inv.cfg.datastore));
  ipam::Ipam ipam(*store, config::ipam_options(inv.cfg));
  const std::set<std::string>& valid = inv.valid_attachments;
  const std::string& network = inv.network;
  NETMOD_ASSIGN_OR_RETURN(auto snap, ipam.snapshot());
  for (const auto& h : snap.handles) {
    auto it = h.attrs.labels.find(kNetworkLabel);
    if (it == h.attrs.labels.end() || it->second != network || valid.count(h.handle)) continue;
    if (!inv.ipam_only) NETMOD_TRY(cleanup(*store, h.handle, machine));
    NETMOD_TRY(ipam.release_handle(h.handle));
  }
  return ok();
}

}  // namespace netmod::plugin::cni::detail

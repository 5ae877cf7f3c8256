// Wiring and unwiring tasks: the endpoint record in the store plus the
// dataplane, as one operation that leaves nothing behind when it fails.
// Shared by the net-modules and CNI front ends and by reconcile.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "dataplane/dataplane.hpp"
#include "ipam/ipam.hpp"
#include "records/endpoints.hpp"
#include "plugin/finisher.hpp"

namespace netmod::plugin {

// The records plugins file and read (records/endpoints.hpp).
using records::EndpointRecord;
using records::Endpoints;

struct IsolateParams {
  std::string host;
  std::string container_id;
  std::string netns_path;  // "/proc/<pid>/ns/net" or a CNI_NETNS path
  std::string task_ifname = "eth0";
  std::vector<net::IpAddress> addresses;  // must be allocated in IPAM
  ipam::Attributes attrs;
  uint32_t mtu = dataplane::kDefaultMtu;
};

// The host-wide dataplane state for `host`: its blocks and every pool.
Result<dataplane::HostSpec> host_spec(ipam::Ipam& ipam, const std::string& host);
Result<dataplane::HostSpec> host_spec(ipam::Ipam& ipam, store::Tx& tx, const std::string& host);

// Refuses the host's own namespace for a task (`what` names it in the
// message: "/run/netns/x", "process 123").
Result<void> refuse_host_namespace(dataplane::Kernel& kernel, const dataplane::Netns& task_ns, const std::string& what);

class LinkInProgress;

// A new attachment, as net-modules isolate and CNI ADD both make one.
struct Attach {
  IsolateParams params;  // params.addresses: filled by `addresses`
  // Inside the one store transaction that files the record: the task's
  // addresses (CNI ADD allocates them; isolate checks that they are
  // allocated). May run more than once (an optimistic store retries).
  std::function<Result<std::vector<net::IpAddress>>(store::Tx&)> addresses;
  // The pools a later attachment of the task routes through it (empty:
  // every pool).
  std::vector<net::Cidr> route_pools;
  // When wiring fails, in the transaction that removes the record again
  // (CNI ADD releases what it allocated).
  std::function<Result<void>(store::Tx&)> undo;
};

// The one orchestration of a new attachment: the veth is being made
// (`link`, started before, on its own thread); one store transaction
// checks or allocates the addresses and files the endpoint record; then
// the kernel wiring; then the follow-up work goes to `finisher`. On
// failure at any step nothing is left: no veth, route, nftables element,
// endpoint record, or (with `undo`) allocation.
Result<EndpointRecord> attach(store::Store& store, ipam::Ipam& ipam, LinkInProgress& link, Attach& req,
                              Finisher& finisher);

// net-modules isolate: attach() of addresses allocated before.
Result<EndpointRecord> isolate(store::Store& store, ipam::Ipam& ipam, const IsolateParams& params,
                               dataplane::Netns task_ns, Machine& machine);

// The veth pair of a new attachment, made on a second thread (the
// kernel's slowest step, ~0.5 ms) while the caller does its datastore
// work (attach()). A link that is not wired must be abandoned (attach()
// does both); one that is neither (a crash) has no record, and reconcile
// deletes it.
class LinkInProgress {
 public:
  // Starts making the veth pair of `container_id` in `task_ns` (see
  // open_task_namespace). `v4`/`v6`: the address families the task will
  // have.
  static Result<LinkInProgress> start(dataplane::Kernel& kernel, const std::string& container_id, dataplane::Netns task_ns,
                                      const std::string& task_ifname, uint32_t mtu, bool v4, bool v6);
  LinkInProgress(LinkInProgress&&) noexcept;
  LinkInProgress& operator=(LinkInProgress&&) = delete;
  ~LinkInProgress();  // joins the thread; no kernel work

  // The record to file, then wire() once it is filed. On failure wire()
  // leaves the record to the caller.
  // `pools`: every pool (a later attachment routes to those holding its
  // addresses).
  // Waits for the link's thread to have read the task's namespace (an
  // error when it could not).
  Result<EndpointRecord> record(const IsolateParams& params, const std::vector<net::Cidr>& pools) const;
  Result<void> wire(const EndpointRecord& rec, const dataplane::HostSpec& host);
  // Deletes the veth when it was made and is not wired (best effort).
  void abandon();
  // The dataplane that made and wired it (its follow-up work, its sockets).
  dataplane::Dataplane& dataplane();

 private:
  struct State;
  explicit LinkInProgress(std::unique_ptr<State> s);
  // Waits for the second thread; the new link or why it failed.
  Result<dataplane::Dataplane::NewLink>& link();
  std::unique_ptr<State> s_;
};

// Unwires and forgets an attachment (net-modules cleanup), found by its
// key whatever host it was filed for, with the nftables objects only it
// used. Succeeds for an unknown or half-wired one. The first form opens
// the host's dataplane and hands its follow-up work to `finisher`.
Result<void> cleanup(store::Store& store, const std::string& id, Machine& machine);
Result<void> cleanup(store::Store& store, dataplane::Dataplane& dp, const std::string& id);

// CNI DEL: the same, except that the veth's deletion (20-35 ms in the
// kernel) is left for later: the task is unreachable and forgotten when
// this returns. While the old veth exists (parked, see
// Dataplane::isolate_for_removal), the IPAM handle's addresses are parked
// under parked_handle() so that none is handed out again, and a new
// attachment under `handle` is independent of them. Returns the index of
// the parked link to delete (then release the parked handle), or nullopt
// when there was no veth and the addresses were released. Nothing is
// released when the veth cannot be looked up.
Result<std::optional<int>> cleanup_in_background(store::Store& store, ipam::Ipam& ipam, dataplane::Dataplane& dp,
                                                 const std::string& id, const std::string& handle);
// "<handle>@released:<index of the parked link>": the handle parked
// addresses are held under until their veth is gone.
inline constexpr const char* kParkedHandleSeparator = "@released:";
std::string parked_handle(const std::string& handle, int parked_link);

dataplane::TaskSpec task_spec(const EndpointRecord& rec);

// The namespace a record was wired into, while it exists and is still
// that namespace (same inode): nullopt when the path is gone or names
// another namespace now; an error only when it cannot be told either way.
Result<std::optional<dataplane::Netns>> task_namespace(dataplane::Kernel& kernel, const std::string& path,
                                                      uint64_t inode);

}  // namespace netmod::plugin

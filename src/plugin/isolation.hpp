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
#include "plugin/endpoints.hpp"

namespace netmod::plugin {

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

// Checks, records, wires. On failure at any step nothing is left: no veth,
// route, nftables element or endpoint record.
Result<EndpointRecord> isolate(store::Store& store, ipam::Ipam& ipam, const IsolateParams& params);

// isolate() in two halves, for a caller with datastore work of its own to
// do first (CNI ADD allocates the task's addresses): start() creates the
// veth pair on a second thread, the kernel's slowest step (~0.5 ms), while
// the caller goes on; finish() waits for it, records the endpoint and
// wires it. A LinkInProgress that is never finished, or whose finish()
// fails, deletes the veth it made, so nothing is left either way.
class LinkInProgress {
 public:
  // Opens the task's namespace (refusing the host's own) and starts making
  // the veth pair of `container_id`.
  // `v4`/`v6`: the address families the task will have.
  static Result<LinkInProgress> start(const std::string& container_id, const std::string& netns_path,
                                      const std::string& task_ifname, uint32_t mtu, bool v4, bool v6);
  LinkInProgress(LinkInProgress&&) noexcept;
  LinkInProgress& operator=(LinkInProgress&&) = delete;
  ~LinkInProgress();

  // `params` must name the container, namespace, interface and MTU given
  // to start(), and addresses allocated in IPAM.
  Result<EndpointRecord> finish(store::Store& store, ipam::Ipam& ipam, const IsolateParams& params);

  // finish() for a caller that files the record itself, in a transaction
  // of its own: the record to file, then wire() once it is filed. On
  // failure wire() leaves the record to the caller.
  // `pools`: every pool (a later attachment routes to those holding its
  // addresses).
  // Waits for the link's thread to have read the task's namespace (an
  // error when it could not).
  Result<EndpointRecord> record(const IsolateParams& params, const std::vector<net::Cidr>& pools) const;
  Result<void> wire(const EndpointRecord& rec, const dataplane::HostSpec& host);

 private:
  struct State;
  explicit LinkInProgress(std::unique_ptr<State> s);
  // Waits for the second thread; the new link or why it failed.
  Result<dataplane::Dataplane::NewLink>& link();
  std::unique_ptr<State> s_;
};

// Unwires and forgets an attachment (net-modules cleanup), found by its
// key whatever host it was filed for, with the nftables objects only it
// used. Succeeds for an unknown or half-wired one.
Result<void> cleanup(store::Store& store, const std::string& id);
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
// Runs `argv` detached (a session of its own, no environment, /dev/null
// for stdio), without waiting for it.
Result<void> start_reaper(const std::vector<std::string>& argv);

dataplane::TaskSpec task_spec(const EndpointRecord& rec);

// The namespace a record was wired into, while it exists and is still
// that namespace (same inode): nullopt when the path is gone or names
// another namespace now; an error only when it cannot be told either way.
Result<std::optional<dataplane::Netns>> task_namespace(const std::string& path, uint64_t inode);

}  // namespace netmod::plugin

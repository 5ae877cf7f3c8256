// The Linux dataplane: what the kernel must hold for each task, and the
// operations that put it there or take it away. It is told addresses,
// netgroups and pools; it never decides any of them.
//
// Per task (README.md, "Isolation"):
//   inside the task: `eth0` (the veth end, born there), its /32 and /128
//     addresses (no DAD), lo up, default routes via 169.254.1.1 (IPv4,
//     scope link) and the host end's link-local address (IPv6), each with a
//     permanent neighbour entry so the first packet waits for no ARP/NDP;
//   on the host: the other veth end, named from the container id, no IP,
//     proxy ARP, strict reverse-path filter, one /32 or /128 route per task
//     address and a permanent neighbour entry for it; a blackhole route for
//     every block of this host; the task's nftables elements (ruleset.hpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dataplane/follow_up.hpp"
#include "dataplane/kernel.hpp"
#include "dataplane/netns.hpp"
#include "dataplane/nft.hpp"
#include "dataplane/rtnl.hpp"
#include "dataplane/ruleset.hpp"

namespace netmod::dataplane {

inline constexpr uint32_t kDefaultMtu = 1500;
// Every host end has this MAC (each is its own link). A task's IPv6
// gateway is fe80::ecee:eeff:feee:eeee, the link-local address that MAC
// would give; the host end does not take it (it carries no address) but
// answers for it by proxy NDP.
inline constexpr rtnl::Mac kHostMac = {0xee, 0xee, 0xee, 0xee, 0xee, 0xee};
inline constexpr const char* kGatewayV6 = "fe80::ecee:eeff:feee:eeee";
inline constexpr const char* kGatewayV4 = "169.254.1.1";
inline constexpr const char* kHostIfPrefix = "nm";

// The host end's name for a container: "nm" + 12 hex digits of a hash of
// the id (14 characters; Linux allows 15).
std::string host_ifname(const std::string& container_id);

// The task end's MAC, locally administered, from the same hash.
rtnl::Mac task_mac(const std::string& container_id);

// Policy routing of a task's later attachments (a task on two networks):
// tables from kTableBase up, looked up by rules at kRulePriority (before
// the main table's 32766).
inline constexpr uint32_t kTableBase = 0x6e6d0000;
inline constexpr uint32_t kRulePriority = 0x6e6d;

struct TaskSpec {
  std::string container_id;
  std::string task_ifname = "eth0";
  std::vector<net::IpAddress> addresses;
  std::vector<std::string> netgroups;  // validated, sorted
  uint32_t mtu = kDefaultMtu;
  // What the task routes through this attachment, via its gateway: the
  // default route of a family (the task's first attachment of it), or the
  // pools of the attachment's network (a later one: the first keeps the
  // default routes). With `table`, a later attachment's default routes are
  // in that table, and rules send packets from its addresses there, so
  // answers leave by the interface their question came in on.
  std::vector<net::Cidr> routes;
  uint32_t table = 0;
};

// Where a new attachment's routes go: which families get the default route
// (none is there yet), and the policy table of the others (0: none needed).
struct Placement {
  bool default_v4 = true;
  bool default_v6 = true;
  uint32_t table = 0;
};
// Reads the task's namespace (through a socket bound to it): its default
// routes and the tables its rules use.
Result<Placement> place(NetlinkSocket& task_nl, bool v4, bool v6);
// A task's routes for its addresses under a placement: the default route
// of each family placed so, else `pools` of that family.
std::vector<net::Cidr> task_routes(const Placement& where, const std::vector<net::IpAddress>& addresses,
                                   const std::vector<net::Cidr>& pools);

// Host-wide state that every task's wiring relies on.
struct HostSpec {
  std::vector<net::Cidr> local_blocks;  // blackholed
  std::vector<ruleset::PoolRules> pools;
};

class Dataplane {
 public:
  // Opens the host's rtnetlink socket in the calling thread's (the host's)
  // namespace. The nf_tables socket is opened on first use (a process that
  // closes one waits for the kernel's pending nf_tables cleanup, an RCU
  // grace period, holding the lock every other nftables writer needs: a
  // process with no nftables work must not open one), and libnftables is
  // loaded only when a call needs nft syntax (Kernel::run_nft).
  static Result<Dataplane> open(Kernel& kernel = linux_kernel());
  // A dataplane over sockets of the caller's (sockets a process inherited;
  // a fake kernel's in tests); the rest of `kernel` for everything else.
  static Dataplane over(NetlinkSocket rtnl, NetlinkSocket nf, Kernel& kernel = linux_kernel());
  // ... and an nf_tables socket opened on first use.
  static Dataplane over(NetlinkSocket rtnl, Kernel& kernel = linux_kernel());
  Dataplane(Dataplane&&) noexcept = default;
  Dataplane& operator=(Dataplane&&) noexcept = default;
  // Closes its sockets, and nothing else: work left for later is handed
  // out by take_follow_up(), never done here.
  ~Dataplane() = default;

  // The work this dataplane's calls left for after they returned (a
  // task's fast path and its IPv6 gateway's proxy entry, from wire_link),
  // taken out: the caller applies it (apply()) or hands it on with the
  // sockets it needs (plugin/finisher.hpp).
  FollowUp take_follow_up();
  // Applies follow-up work on this dataplane's sockets, reading every
  // reply: the failures, one message each.
  std::vector<std::string> apply(FollowUp& work);
  // The nf_tables socket, when one was opened.
  const NetlinkSocket* nf_socket() const { return nf_ ? &*nf_ : nullptr; }
  // Its sockets, taken out (to finish its follow-up work later, or
  // elsewhere); the dataplane is of no use afterwards.
  struct Sockets {
    NetlinkSocket rtnl;
    std::optional<NetlinkSocket> nf;
  };
  Sockets release_sockets() { return {std::move(nl_), std::move(nf_)}; }

  // Wires a task in `task_ns`. All of it or none of it: a failure at any
  // step undoes the steps before. The task's rules are in force before this
  // returns, and before its host routes exist.
  Result<void> add_task(const TaskSpec& task, const Netns& task_ns, const HostSpec& host);

  // add_task in two halves, so a caller can overlap the kernel's veth
  // creation (the slowest step) with work of its own. create_link makes
  // the veth pair, each end born in its namespace, and sets up the host
  // end; it needs no address (task.addresses may be empty) and returns the
  // host end's index and a netlink socket in the task's namespace (the one
  // namespace switch, made by create_link). wire_link does the rest: rules, addresses, routes;
  // on failure it undoes its own steps and leaves the link to the caller.
  struct NewLink {
    int host_index = 0;
    int task_index = 0;
    NetlinkSocket task_nl;  // bound to the task's namespace
    bool v4_ready = false;  // the task's IPv4 / IPv6 default routes exist
    bool v6_ready = false;
  };
  // `task_nl`: a socket bound to the task's namespace (socket_in()).
  // `v4`/`v6`: the families the task will have; the routes of those that
  // `task.routes` names already are made ahead of the addresses
  // (wire_link makes the others).
  Result<NewLink> create_link(const TaskSpec& task, const Netns& task_ns, NetlinkSocket task_nl, bool v4, bool v6);
  // A netlink socket bound to `ns` (the one namespace switch of a wiring).
  Result<NetlinkSocket> socket_in(const Netns& ns) { return kernel_->socket_in(ns); }
  Kernel& kernel() { return *kernel_; }
  // Deletes the rules of a later attachment (task.table) in the task's
  // namespace; its routes go with its interface.
  Result<void> remove_task_rules(const TaskSpec& task, NetlinkSocket& task_nl);
  // Puts the task's side back as wiring made it (interface up, addresses,
  // gateway neighbours, routes, a later attachment's table and rules), in
  // one batch; what is there already stays as it is.
  static Result<void> repair_task_side(const TaskSpec& task, NetlinkSocket& task_nl, int task_index);
  Result<void> wire_link(const TaskSpec& task, const HostSpec& host, NewLink& link);

  // Removes a task's rules, routes and veth, and `unused`: the nftables
  // objects of netgroups no other task of the host is in
  // (ruleset::group_objects). Succeeds when some or all of it is already
  // gone.
  Result<void> remove_task(const TaskSpec& task, const std::vector<ruleset::Object>& unused = {});

  // The first half of remove_task: the task's rules, routes and neighbour
  // entries go, and its host end goes down, so nothing reaches the task
  // any more. Returns the index of the veth's host end to delete
  // (delete_link() then finishes the job; the kernel's veth deletion is
  // the slow part), or nullopt when there is none (or it vanished while
  // being taken down: its task's namespace went). With `park`, the host
  // end also moves to ruleset::kParkedIfGroup: a new wiring of the same
  // container finds it there and deletes it before making its own, so it
  // need not wait for the deletion left for later. The host end counts as
  // gone only when the kernel says it does not exist: any other failure to
  // look it up is an error, before anything was removed.
  Result<std::optional<int>> isolate_for_removal(const TaskSpec& task,
                                                 const std::vector<ruleset::Object>& unused = {}, bool park = false);
  Result<void> delete_link(const TaskSpec& task);
  Result<void> delete_link(const std::string& host_ifname);
  // By index: the link that was parked, never a newer one of its name.
  Result<void> delete_link(int index);

  // The task's isolation elements (not its fast path, which follows the
  // call that wires it) that the kernel does not hold: one lookup each.
  Result<std::vector<ruleset::Element>> missing_elements(const ruleset::TaskRules& rules);

  // Takes the fast-path chain's hook off a device name (best effort: a
  // kernel that cannot remove a single hook drops it with the device).
  void unhook_fast_path(const std::string& device);

  // Host-wide state alone.
  Result<void> apply_host(const HostSpec& host);
  // IP forwarding on, for both families.
  Result<void> ensure_host_sysctls();

  NetlinkSocket& netlink() { return nl_; }
  // nft syntax, one transaction (through the kernel's libnftables).
  Result<void> run_nft(const std::string& commands) { return kernel_->run_nft(commands); }
  // The nf_tables socket, opened on first use.
  Result<NetlinkSocket*> nf_tables() { return nf(); }

 private:
  Dataplane(NetlinkSocket nl, Kernel& kernel) : nl_(std::move(nl)), kernel_(&kernel) {}
  Result<NetlinkSocket*> nf();
  // Inside the task, for the families `v4`/`v6`: the gateway's static
  // neighbour entry and the task's routes via it (TaskSpec::routes), with
  // a later attachment's table and rules.
  static void add_task_routes(std::vector<NlMessage>& msgs, int task_index, const TaskSpec& task, bool v4, bool v6);
  // Whether netmod's table (the fast-path table with `fast`) has this
  // chain (one netfilter netlink request).
  Result<bool> chain_exists(const std::string& chain, bool fast = false);
  std::string host_commands(const HostSpec& host);
  // Removes a task's elements in one transaction with the `unused`
  // objects, or, when part of them is gone already (a half-done isolate or
  // cleanup) or an object is in use again, the elements present and then
  // the objects that can go.
  Result<void> remove_elements(const ruleset::TaskRules& rules, const std::vector<ruleset::Object>& unused = {});
  // Whether the link of this name is a parked one (kParkedIfGroup).
  Result<bool> parked_link(const std::string& name);
  // The `unused` objects that exist (lookups are cheap; a failed
  // transaction is not).
  Result<std::vector<NlMessage>> object_deletions(const std::vector<ruleset::Object>& unused);


  NetlinkSocket nl_;
  std::optional<NetlinkSocket> nf_;
  Kernel* kernel_;
  // Work left for after the call (wire_link).
  FollowUp follow_;
};

}  // namespace netmod::dataplane

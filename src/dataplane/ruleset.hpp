// The nftables ruleset netmod owns, as text: pure functions of their input,
// golden-tested. Only netmod's own table (inet netmod) is ever touched, and
// no user string is ever pasted into nft syntax: netgroups and container ids
// become hashed names, addresses are printed from parsed values.
//
// Isolation (README.md, "Isolation", rules 1-8), per packet a constant number of lookups:
//   antispoof (prerouting, raw): from a task interface, the source must be
//     one of that task's addresses (set src_v4/src_v6 of ifname . address).
//   forward: replies of allowed connections pass; a task without netgroup
//     forwards nothing; a packet to a local task jumps, through the verdict
//     map to_v4/to_v6 keyed by destination, to the chain of the task's
//     netgroup combination, which accepts sources in any of those netgroups'
//     address sets (g4_<hash>/g6_<hash>), everything for "public", and drops
//     the rest. Traffic that involves no task interface or address never
//     matches anything here (rule 6).
//   nat (postrouting): sources in a nat-outgoing pool going to destinations
//     outside every pool are masqueraded.
// Adding a task adds only its own elements (and its netgroups' sets and
// combination chain when it is the first of its kind).
//
// Same-host fast path (table netdev netmod): on the ingress of each host
// end of a task with netgroups (a base chain of its own, h_<host end>,
// whose one rule is `goto fast`), a packet to another local task goes
// straight to that task's host end (nft `fwd`), skipping the host's IP
// stack, when the destination's netgroup combination chain (f_<hash>)
// finds the sender, by its host end and source address, in one of the
// destination's netgroups (sets gi4_/gi6_<hash> of ifname . address). Such
// pairs may talk both ways under rules 1-2 and 5, so this needs no
// connection state; every other packet goes on to the routed path and the
// inet table above, unchanged. One lookup for the destination, one per
// netgroup of it, one for its interface: a shorter per-packet path is what
// brings task-to-task throughput near that of a plain veth
// (docs/benchmarks.md). A base chain per host end, not one chain hooked on
// every host end: the kernel lists a chain in one netlink message (at most
// 32 KiB, some 1,500 device names), and adding a device to a chain costs
// more as its list grows; a chain of its own per device has neither limit.
#pragma once

#include <optional>
#include <cstdint>
#include <string>
#include <vector>

#include "net/cidr.hpp"

namespace netmod::dataplane::ruleset {

inline constexpr const char* kTable = "inet netmod";
inline constexpr const char* kFastTable = "netdev netmod";
inline constexpr const char* kFastChain = "fast";
inline constexpr const char* kFastHookPrefix = "h_";
inline constexpr int kFastPriority = -300;
// The interface group of every host end netmod makes, given when the link
// is created: a task interface is known as one from its first moment, before
// any of its elements exist (so it is never mistaken for a host interface,
// whose traffic netmod leaves alone). 0x6e6d is "nm".
inline constexpr uint32_t kTaskIfGroup = 0x6e6d;
// The group of a deleted task's host end until its (slow) deletion: down,
// out of kTaskIfGroup, and known as garbage to a new wiring of the same
// container (which deletes it at once) and to reconcile.
inline constexpr uint32_t kParkedIfGroup = 0x6e6e;

// What the ruleset needs to know about one task.
struct TaskRules {
  std::string host_ifname;
  std::vector<net::IpAddress> addresses;
  std::vector<std::string> netgroups;  // validated, sorted
  int host_index = 0;                  // of host_ifname; needed to add (not remove) fast-path elements
};

struct PoolRules {
  net::Cidr cidr;
  bool nat_outgoing = false;
};

// One element a task owns: in set (or verdict map) `set`, keyed by the host
// interface's name, an address, or both concatenated (`ifname . addr`);
// in a verdict map, mapped to `goto <goto_chain>`. The same value renders
// as nft text (element_text) and as nf_tables netlink (nft_netlink.hpp).
struct Element {
  std::string set{};
  std::optional<std::string> ifname{};
  std::optional<net::IpAddress> addr{};
  std::string goto_chain{};  // empty for a set element
  bool fast = false;       // in the fast-path table (netdev netmod)
  // A dev_v4/dev_v6 element's value: the interface packets are sent to.
  std::string data_ifname{};
  int data_ifindex = 0;
};
// Every element of one task, in the order they are added.
std::vector<Element> task_elements(const TaskRules& t);
// A host end's element in kFastPendingSet.
Element fast_pending(const std::string& host_ifname);
// The command that makes kFastPendingSet (idempotent).
std::string fast_pending_set();
// nft syntax: `"nm0123456789ab" . 10.65.0.1`, `10.65.0.1 : goto c_...`.
// With key_only, a map element's key alone (what deletion names).
std::string element_text(const Element& e, bool key_only = false);

std::string netgroup_set(const std::string& netgroup, net::Family family);  // "g4_0123456789abcdef"
std::string fast_set(const std::string& netgroup, net::Family family);      // "gi4_0123456789abcdef"
std::string fast_chain(const std::vector<std::string>& netgroups);          // "f_..." (non-empty list)
std::string combination_chain(const std::vector<std::string>& netgroups);   // "c_..." / "c_isolated" / "c_public"

// Creates the table, its sets, maps and base chains, and (re)writes the
// base chains' rules. Idempotent.
std::string base();
// Replaces the pool sets (for nat-outgoing and "outside every pool").
std::string pools(const std::vector<PoolRules>& pools);
// Adds the pools to the pool sets without removing any (what isolate does:
// it never flushes; changed or removed pools are applied by reconcile).
std::string add_pools(const std::vector<PoolRules>& pools);
// The address sets of these netgroups (idempotent).
std::string netgroup_sets(const std::vector<std::string>& netgroups);
// The sets and chain of a task's netgroup combination (idempotent, but it
// rewrites the chain's rules: only needed when the chain does not exist).
std::string combination(const std::vector<std::string>& netgroups);
// The fast-path table, its maps and its (unhooked) chain `fast` with its
// rules (only when the chain does not exist: it rewrites them).
std::string fast_base();
// The base chain that hooks the fast path on a host end, "h_<device>".
std::string fast_hook_chain(const std::string& device);
// Whether a chain of the fast-path table is one of those; its device.
std::optional<std::string> fast_hook_device(const std::string& chain);
// Hooks the fast path on a host end: its base chain and its one rule
// (idempotent; it rewrites the rule).
std::string fast_hook(const std::string& device);
// The fast-path sets and chain of a netgroup combination (idempotent; it
// rewrites the chain's rules).
std::string fast_combination(const std::vector<std::string>& netgroups);
// The task's elements alone.
std::string task_elements_only(const TaskRules& t, bool with_fast = true);
// Host ends whose fast-path hook and elements are still to come (see
// Dataplane::wire_link): an element here is consumed by the transaction
// that adds them, which therefore fails if the task was removed meanwhile.
inline constexpr const char* kFastPendingSet = "fast_pending";
// The sets and maps that hold per-task elements, plus the netgroup sets.
inline constexpr const char* kTaskSets[] = {"to_v4",       "to_v6",       "src_v4",       "src_v6",
                                            "isolated_v4", "isolated_v6", kFastPendingSet};
inline constexpr const char* kFastTaskSets[] = {"to_v4", "to_v6", "dev_v4", "dev_v6"};

// A chain or set of netmod's tables (`fast`: the fast-path table).
struct Object {
  std::string name;
  bool chain = false;
  bool fast = false;
  bool operator==(const Object&) const = default;
};
// The objects that exist only for these netgroups and for this exact
// combination of netgroups (empty: none), chains before the sets their
// rules use: what goes when the last task of the host in them goes.
std::vector<Object> group_objects(const std::vector<std::string>& netgroups,
                                  const std::vector<std::string>& combination);

}  // namespace netmod::dataplane::ruleset

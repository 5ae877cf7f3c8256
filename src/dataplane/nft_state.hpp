// What netmod's nftables tables hold, read over nf_tables netlink dumps
// (no nft text, no JSON): the tables (and the fingerprint each carries in
// its comment), their sets and chains, the fast-path chain's hooks, and
// the elements of the sets that hold per-task elements. The parse_*
// functions read one dump reply and are pure (unit tests feed them the
// messages nft_netlink.hpp builds, as the kernel echoes them).
#pragma once

#include <linux/netlink.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "dataplane/netlink.hpp"
#include "dataplane/ruleset.hpp"

namespace netmod::dataplane::nftstate {

// An element as the kernel holds it: its key's bytes (nftnl::element_key
// of the ruleset::Element it was made from), and its value.
struct KernelElement {
  bool fast = false;  // in the fast-path table
  std::string set;
  std::vector<uint8_t> key;
  std::string goto_chain;                 // a verdict map's
  std::optional<uint32_t> data_ifindex;   // dev_v4 / dev_v6
  bool interval_end = false;              // an interval set's end of a range
  bool operator==(const KernelElement&) const = default;
};

struct Chain {
  std::string name;
  std::vector<std::string> devices;  // of a netdev chain's hook
};

struct Table {
  bool present = false;
  std::string comment;  // the table's comment (nft stores it as userdata)
  std::vector<std::string> sets;
  std::vector<Chain> chains;
  std::map<std::string, size_t> rule_counts;  // by chain (chains without rules absent)
  bool has_set(std::string_view name) const;
  const Chain* chain(std::string_view name) const;
};

struct State {
  Table inet;    // ruleset::kTable
  Table netdev;  // ruleset::kFastTable
  std::vector<KernelElement> elements;
};

// The sets whose elements are a task's (ruleset::task_elements): their
// elements are read; pool sets and the like are not.
bool holds_task_elements(std::string_view set, bool fast);
// The interval sets of the pools (pools_v4/v6, nat_v4/v6): read too.
bool holds_pool_elements(std::string_view set, bool fast);
// A pool set's elements for these CIDRs as the kernel holds them: the
// start of each range, and its end (the address after its last) flagged
// interval_end, unless the range ends at the family's last address.
std::vector<KernelElement> interval_elements(const std::string& set, const std::vector<net::Cidr>& cidrs);

std::optional<std::string> parse_table_comment(const nlmsghdr* h);
std::optional<std::string> parse_set_name(const nlmsghdr* h);
std::optional<Chain> parse_chain(const nlmsghdr* h);
std::vector<KernelElement> parse_elements(const nlmsghdr* h, bool fast);
// The chain a rule of netmod's table is in.
std::optional<std::string> parse_rule_chain(const nlmsghdr* h);

// Reads both tables (a missing one is present = false, not an error).
Result<State> read(NetlinkSocket& nf);

// Deletes an element the kernel holds (its key as read).
NlMessage del_element(const KernelElement& e);
// "src_v4: \"nm0123456789ab\" . 10.65.0.2", "fast/dev_v4: 10.65.0.2" (for reports).
std::string describe(const KernelElement& e);
// The kernel's form of an element netmod wants (its data ifindex as given).
KernelElement kernel_form(const ruleset::Element& e);

}  // namespace netmod::dataplane::nftstate

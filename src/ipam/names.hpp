// Validated names that IPAM files things under. Each parse() is the one place
// its rules live, so a value of these types is always usable as a store key
// segment and, for netgroups, as the source of an nftables set name.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace netmod::ipam {

// A host (agent) name: 1-253 characters of letters, digits, '.', '-', '_', ':'.
Result<std::string> parse_hostname(std::string_view text);

// A handle (net-modules uid, CNI container id + ifname): 1-255 printable
// ASCII characters, no whitespace.
Result<std::string> parse_handle(std::string_view text);

// A container id (net-modules container_id, CNI_CONTAINERID): 1-255
// letters, digits, '_', '.', '-' (the CNI specification's rule).
Result<std::string> parse_container_id(std::string_view text);

// A netgroup: 1-63 characters of letters, digits, '.', '-', '_'.
Result<std::string> parse_netgroup(std::string_view text);

// Netgroups of a request, validated, sorted and without duplicates.
Result<std::vector<std::string>> parse_netgroups(const std::vector<std::string>& names);

using Labels = std::map<std::string, std::string>;

// What an allocation records about its task.
struct Attributes {
  std::vector<std::string> netgroups;  // parsed by parse_netgroups
  Labels labels;
  bool operator==(const Attributes&) const = default;
};

// The netgroup whose members accept traffic from anywhere (README.md, "Isolation", rule 2).
inline constexpr std::string_view kPublicNetgroup = "public";

}  // namespace netmod::ipam

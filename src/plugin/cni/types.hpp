// The CNI specification's outside formats (SPEC.md, 0.1.0 to 1.1.0):
// versions, error codes and error JSON, and results in the shape of the
// version the runtime asked for. Pure: no state, no kernel.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "net/cidr.hpp"

namespace netmod::plugin::cni {

inline constexpr const char* kSupportedVersions[] = {"0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"};

bool is_supported(const std::string& version);
// 0.1.0 and 0.2.0 results use "ip4"/"ip6"; later ones "interfaces"/"ips".
bool is_legacy(const std::string& version);

// Well-known error codes (SPEC.md "Error"), and netmod's own (100+).
enum class Code {
  incompatible_version = 1,
  unsupported_field = 2,
  unknown_container = 3,
  invalid_env = 4,
  io_failure = 5,
  decode_failure = 6,
  invalid_config = 7,
  try_again_later = 11,
  plugin_not_available = 50,
  // netmod's own:
  address_exhausted = 101,   // no free address in the pools
  address_in_use = 102,      // a static address is held by another attachment
  kernel_failure = 103,      // netlink or nftables refused a change
  already_attached = 104,    // ADD of an attachment that exists (DEL it first)
  check_failed = 105,        // CHECK: the attachment differs from what ADD made
  internal = 199,
};

struct CniError {
  Code code;
  std::string msg;
  std::string details;
};

// The one place netmod errors become CNI codes.
CniError from_error(const Error& e);
std::string error_json(const std::string& cni_version, const CniError& e);

struct ResultIp {
  net::IpAddress address;
  unsigned prefix_len;
  std::optional<net::IpAddress> gateway;
  std::optional<int> interface;  // index into interfaces (0.3.0+)
};

struct ResultInterface {
  std::string name;
  std::string mac;
  std::string sandbox;  // netns path, empty for the host side
};

struct ResultRoute {
  net::Cidr dst;
  std::optional<net::IpAddress> gw;
};

struct AddResult {
  std::vector<ResultInterface> interfaces;
  std::vector<ResultIp> ips;
  std::vector<ResultRoute> routes;
};

// Renders a result in the shape of `cni_version`.
std::string result_json(const std::string& cni_version, const AddResult& r);

// Reads a result of any supported version (a prevResult), in either shape:
// "ip4"/"ip6" or "interfaces"/"ips"/"routes". Every error names the field
// and quotes at most a short prefix of it; nothing here throws.
Result<AddResult> parse_result(const nlohmann::json& result);

std::string version_json(const std::string& cni_version);

}  // namespace netmod::plugin::cni

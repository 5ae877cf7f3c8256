// Endpoint records: what netmod wired for each task, kept in the store so
// that cleanup and reconcile work from the store, never from memory (a
// crash between isolate and cleanup loses nothing).
//
//   /netmod/v1/endpoints/<host>/<container-id>
//       {"container_id", "host", "host_ifname", "task_ifname", "addresses",
//        "netgroups", "labels", "mtu", "netns", "netns_inode"}
//   /netmod/v1/endpoint-addresses/<address>   {"host", "container_id"}
//       (index: which endpoint uses an address; one endpoint per address)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ipam/names.hpp"
#include "net/ip_address.hpp"
#include "store/store.hpp"

namespace netmod::plugin {

struct EndpointRecord {
  std::string container_id;
  std::string host;
  std::string host_ifname;
  std::string task_ifname = "eth0";
  std::vector<net::IpAddress> addresses;
  std::vector<std::string> netgroups;
  ipam::Labels labels;
  uint32_t mtu = 1500;
  std::string netns;          // the namespace path it was wired into
  uint64_t netns_inode = 0;   // to recognise that namespace later
};

class Endpoints {
 public:
  explicit Endpoints(store::Store& store) : store_(store) {}

  // Files a new endpoint. Errc::already_exists when the container has one
  // on this host; Errc::conflict when an address is another endpoint's.
  Result<void> create(const EndpointRecord& rec);
  Result<std::optional<EndpointRecord>> get(const std::string& host, const std::string& container_id);
  // The same inside a caller's store transaction (see Ipam's).
  static Result<void> create(store::Tx& tx, const EndpointRecord& rec);
  static Result<std::optional<EndpointRecord>> get(store::Tx& tx, const std::string& host,
                                                   const std::string& container_id);
  // Removes the record and its address index; absent is not an error.
  Result<void> remove(const std::string& host, const std::string& container_id);
  // Every endpoint of `host`, or of every host when empty.
  Result<std::vector<EndpointRecord>> list(const std::string& host = "");

 private:
  store::Store& store_;
};

std::string encode_endpoint(const EndpointRecord& r);
Result<EndpointRecord> decode_endpoint(std::string_view json);

}  // namespace netmod::plugin

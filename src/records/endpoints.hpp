// Endpoint records: what netmod wired for each attachment (a net-modules
// container, or a CNI container id + interface), kept in the store so that
// cleanup and reconcile work from the store, never from memory (a crash
// between isolate and cleanup loses nothing).
//
// Keys: records/keys.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ipam/names.hpp"
#include "net/cidr.hpp"
#include "store/store.hpp"

namespace netmod::records {

struct EndpointRecord {
  std::string container_id;  // the attachment's key (CNI: container id ":" interface)
  std::string host;
  std::string host_ifname;
  std::string task_ifname = "eth0";
  std::vector<net::IpAddress> addresses;
  std::vector<std::string> netgroups;
  ipam::Labels labels;
  uint32_t mtu = 1500;
  std::string netns;          // the namespace path it was wired into
  uint64_t netns_inode = 0;   // to recognise that namespace later
  // Inside the task, what is routed through this attachment: the default
  // route of each family for the task's first attachment of that family,
  // the network's pools for a later one (a task on two networks). A later
  // one also has a policy routing table of its own (`table`, 0 for none)
  // holding its default routes, looked up for packets from its addresses,
  // so answers leave by the interface their question came in on.
  std::vector<net::Cidr> routes;
  uint32_t table = 0;
};

// What removing an endpoint left its host without.
struct Removed {
  EndpointRecord record;
  std::vector<std::string> vanished_netgroups;  // no other endpoint of the host is in these
  bool combination_vanished = false;            // nor in exactly the record's netgroups
};

class Endpoints {
 public:
  explicit Endpoints(store::Store& store) : store_(store) {}

  // Files a new endpoint. Errc::already_exists when one with this key
  // exists (on any host); Errc::conflict when an address is another
  // endpoint's.
  Result<void> create(const EndpointRecord& rec);
  static Result<void> create(store::Tx& tx, const EndpointRecord& rec);
  // The endpoint with this key, whatever host it was filed for.
  Result<std::optional<EndpointRecord>> find(const std::string& id);
  static Result<std::optional<EndpointRecord>> find(store::Tx& tx, const std::string& id);
  // Removes the endpoint with this key and its index entries; nullopt when
  // there was none.
  Result<std::optional<Removed>> remove(const std::string& id);
  static Result<std::optional<Removed>> remove(store::Tx& tx, const std::string& id);
  // What remove() would return, without removing anything.
  Result<std::optional<Removed>> removal(const std::string& id);
  static Result<std::optional<Removed>> removal(store::Tx& tx, const std::string& id);
  // Every endpoint of `host`, or of every host when empty.
  Result<std::vector<EndpointRecord>> list(const std::string& host = "");
  static Result<std::vector<EndpointRecord>> list(store::Tx& tx, const std::string& host);
  // The same, skipping records that cannot be decoded (written by
  // something else): each is an error in `undecodable`, naming its key.
  // What a long-lived reader (the agent) uses: one bad key must not stop
  // a cluster.
  static Result<std::vector<EndpointRecord>> list_readable(store::Tx& tx, const std::string& host,
                                                           std::vector<Error>& undecodable);

 private:
  store::Store& store_;
};

std::string encode_endpoint(const EndpointRecord& r);
Result<EndpointRecord> decode_endpoint(std::string_view json);

}  // namespace netmod::records

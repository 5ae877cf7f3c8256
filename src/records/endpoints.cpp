#include "records/endpoints.hpp"

#include <nlohmann/json.hpp>

#include "common/text.hpp"
#include "records/keys.hpp"

namespace netmod::records {

using json = nlohmann::json;

namespace {

std::string host_prefix(const std::string& host) { return keys::host_endpoints(host); }
std::string endpoint_key(const std::string& host, const std::string& id) { return keys::endpoint(host, id); }
std::string id_key(const std::string& id) { return keys::endpoint_id(id); }
std::string address_key(const net::IpAddress& a) { return keys::endpoint_address(a); }
std::string netgroup_key(const std::string& host, const std::string& g) { return keys::host_netgroup(host, g); }
std::string combination_key(const std::string& host, const std::vector<std::string>& groups) {
  return keys::host_combination(host, groups);
}

// Adds `delta` to a usage count; returns the new count (0: the key goes).
Result<int64_t> count(store::Tx& tx, const std::string& key, int64_t delta) {
  NETMOD_ASSIGN_OR_RETURN(auto kv, tx.get(key));
  int64_t n = 0;
  if (kv) {
    try {
      n = std::stoll(kv->value);
    } catch (const std::exception&) {
      return make_error(Errc::corrupt, "stored count " + key + " is corrupt: " + quote(kv->value));
    }
  }
  if (delta == 0) return n;
  n = std::max<int64_t>(0, n + delta);
  if (n == 0) {
    tx.del(key);
  } else {
    tx.put(key, std::to_string(n));
  }
  return n;
}

}  // namespace

std::string encode_endpoint(const EndpointRecord& r) {
  json addrs = json::array(), routes = json::array();
  for (const auto& a : r.addresses) addrs.push_back(a.str());
  for (const auto& c : r.routes) routes.push_back(c.str());
  json doc{{"container_id", r.container_id}, {"host", r.host},     {"host_ifname", r.host_ifname},
           {"task_ifname", r.task_ifname},   {"addresses", addrs}, {"netgroups", r.netgroups},
           {"labels", r.labels},             {"mtu", r.mtu},       {"netns", r.netns},
           {"netns_inode", r.netns_inode},   {"routes", routes}};
  if (r.table) doc["table"] = r.table;
  return doc.dump();
}

Result<EndpointRecord> decode_endpoint(std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  auto corrupt = [](const std::string& why) { return make_error(Errc::corrupt, "stored endpoint is corrupt: " + why); };
  if (!doc.is_object()) return corrupt("not a JSON object");
  try {
    EndpointRecord r;
    r.container_id = doc.at("container_id").get<std::string>();
    r.host = doc.at("host").get<std::string>();
    r.host_ifname = doc.at("host_ifname").get<std::string>();
    r.task_ifname = doc.at("task_ifname").get<std::string>();
    for (const auto& a : doc.at("addresses")) {
      auto ip = net::IpAddress::parse(a.get<std::string>());
      if (!ip) return corrupt(ip.error().message);
      r.addresses.push_back(*ip);
    }
    r.netgroups = doc.at("netgroups").get<std::vector<std::string>>();
    r.labels = doc.at("labels").get<ipam::Labels>();
    r.mtu = doc.at("mtu").get<uint32_t>();
    r.netns = doc.value("netns", "");
    r.netns_inode = doc.value("netns_inode", uint64_t{0});
    if (doc.contains("routes")) {
      for (const auto& c : doc["routes"]) {
        auto cidr = net::Cidr::parse(c.get<std::string>());
        if (!cidr) return corrupt(cidr.error().message);
        r.routes.push_back(*cidr);
      }
    } else {
      // Written before attachments had routes of their own: a task's only
      // attachment, with the default routes of its families.
      for (const auto& a : r.addresses) {
        auto def = *net::Cidr::parse(a.is_v4() ? "0.0.0.0/0" : "::/0");
        if (std::find(r.routes.begin(), r.routes.end(), def) == r.routes.end()) r.routes.push_back(def);
      }
    }
    r.table = doc.value("table", uint32_t{0});
    return r;
  } catch (const json::exception& e) {
    return corrupt(e.what());
  }
}

Result<void> Endpoints::create(const EndpointRecord& rec) {
  return store_.update([&](store::Tx& tx) { return create(tx, rec); });
}

Result<void> Endpoints::create(store::Tx& tx, const EndpointRecord& rec) {
  NETMOD_ASSIGN_OR_RETURN(auto existing, tx.get(id_key(rec.container_id)));
  if (existing) {
    json owner = json::parse(existing->value, nullptr, false);
    std::string host = owner.is_object() && owner.value("host", json()).is_string() ? owner["host"].get<std::string>() : "?";
    return make_error(Errc::already_exists, "container " + rec.container_id + " is already attached (on host " + host +
                                                "); remove it first (net-modules cleanup, CNI DEL)");
  }
  for (const auto& a : rec.addresses) {
    NETMOD_ASSIGN_OR_RETURN(auto used, tx.get(address_key(a)));
    if (used) {
      json owner = json::parse(used->value, nullptr, false);
      std::string who = owner.is_object() && owner.value("container_id", json()).is_string()
                            ? owner["container_id"].get<std::string>()
                            : "?";
      return make_error(Errc::conflict, "address " + a.str() + " belongs to container " + who);
    }
    tx.put(address_key(a), json{{"host", rec.host}, {"container_id", rec.container_id}}.dump());
  }
  tx.put(id_key(rec.container_id), json{{"host", rec.host}}.dump());
  tx.put(endpoint_key(rec.host, rec.container_id), encode_endpoint(rec));
  for (const auto& g : rec.netgroups) NETMOD_TRY(count(tx, netgroup_key(rec.host, g), +1));
  if (!rec.netgroups.empty()) NETMOD_TRY(count(tx, combination_key(rec.host, rec.netgroups), +1));
  return ok();
}

Result<std::optional<EndpointRecord>> Endpoints::find(const std::string& id) {
  std::optional<EndpointRecord> out;
  NETMOD_TRY(store_.read([&](store::Tx& tx) -> Result<void> {
    NETMOD_ASSIGN_OR_RETURN(out, find(tx, id));
    return ok();
  }));
  return out;
}

Result<std::optional<EndpointRecord>> Endpoints::find(store::Tx& tx, const std::string& id) {
  NETMOD_ASSIGN_OR_RETURN(auto index, tx.get(id_key(id)));
  if (!index) return std::optional<EndpointRecord>();
  json owner = json::parse(index->value, nullptr, false);
  if (!owner.is_object() || !owner.value("host", json()).is_string()) {
    return make_error(Errc::corrupt, "stored endpoint index of " + quote(id) + " is corrupt");
  }
  NETMOD_ASSIGN_OR_RETURN(auto kv, tx.get(endpoint_key(owner["host"].get<std::string>(), id)));
  if (!kv) return std::optional<EndpointRecord>();
  NETMOD_ASSIGN_OR_RETURN(auto rec, decode_endpoint(kv->value));
  return std::optional<EndpointRecord>(std::move(rec));
}

Result<std::optional<Removed>> Endpoints::remove(const std::string& id) {
  std::optional<Removed> out;
  NETMOD_TRY(store_.update([&](store::Tx& tx) -> Result<void> {
    NETMOD_ASSIGN_OR_RETURN(out, remove(tx, id));
    return ok();
  }));
  return out;
}

Result<std::optional<Removed>> Endpoints::removal(const std::string& id) {
  std::optional<Removed> out;
  NETMOD_TRY(store_.read([&](store::Tx& tx) -> Result<void> {
    NETMOD_ASSIGN_OR_RETURN(out, removal(tx, id));
    return ok();
  }));
  return out;
}

Result<std::optional<Removed>> Endpoints::removal(store::Tx& tx, const std::string& id) {
  NETMOD_ASSIGN_OR_RETURN(auto rec, find(tx, id));
  if (!rec) return std::optional<Removed>();
  Removed out{*rec, {}, false};
  for (const auto& g : rec->netgroups) {
    NETMOD_ASSIGN_OR_RETURN(int64_t users, count(tx, netgroup_key(rec->host, g), 0));
    if (users <= 1) out.vanished_netgroups.push_back(g);
  }
  if (!rec->netgroups.empty()) {
    NETMOD_ASSIGN_OR_RETURN(int64_t users, count(tx, combination_key(rec->host, rec->netgroups), 0));
    out.combination_vanished = users <= 1;
  }
  return std::optional<Removed>(std::move(out));
}

Result<std::optional<Removed>> Endpoints::remove(store::Tx& tx, const std::string& id) {
  NETMOD_ASSIGN_OR_RETURN(auto removed, removal(tx, id));
  if (!removed) {
    tx.del(id_key(id));  // an index entry whose record is gone
    return removed;
  }
  const EndpointRecord& rec = removed->record;
  for (const auto& a : rec.addresses) {
    NETMOD_ASSIGN_OR_RETURN(auto used, tx.get(address_key(a)));
    json owner = used ? json::parse(used->value, nullptr, false) : json();
    if (owner.is_object() && owner.value("container_id", json()) == id) tx.del(address_key(a));
  }
  for (const auto& g : rec.netgroups) NETMOD_TRY(count(tx, netgroup_key(rec.host, g), -1));
  if (!rec.netgroups.empty()) NETMOD_TRY(count(tx, combination_key(rec.host, rec.netgroups), -1));
  tx.del(id_key(id));
  tx.del(endpoint_key(rec.host, id));
  return removed;
}

Result<std::vector<EndpointRecord>> Endpoints::list(const std::string& host) {
  std::vector<EndpointRecord> out;
  NETMOD_TRY(store_.read([&](store::Tx& tx) -> Result<void> {
    NETMOD_ASSIGN_OR_RETURN(out, list(tx, host));
    return ok();
  }));
  return out;
}

Result<std::vector<EndpointRecord>> Endpoints::list(store::Tx& tx, const std::string& host) {
  NETMOD_ASSIGN_OR_RETURN(auto kvs, tx.list(host.empty() ? std::string(keys::kEndpoints) : host_prefix(host)));
  std::vector<EndpointRecord> out;
  for (const auto& kv : kvs) {
    NETMOD_ASSIGN_OR_RETURN(auto rec, decode_endpoint(kv.value));
    out.push_back(std::move(rec));
  }
  return out;
}

Result<std::vector<EndpointRecord>> Endpoints::list_readable(store::Tx& tx, const std::string& host,
                                                             std::vector<Error>& undecodable) {
  NETMOD_ASSIGN_OR_RETURN(auto kvs, tx.list(host.empty() ? std::string(keys::kEndpoints) : host_prefix(host)));
  std::vector<EndpointRecord> out;
  for (const auto& kv : kvs) {
    auto rec = decode_endpoint(kv.value);
    if (!rec) {
      undecodable.push_back(std::move(rec).error().with_context(kv.key));
      continue;
    }
    out.push_back(std::move(*rec));
  }
  return out;
}

}  // namespace netmod::records

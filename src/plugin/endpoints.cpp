#include "plugin/endpoints.hpp"

#include <nlohmann/json.hpp>

#include "ipam/keys.hpp"

namespace netmod::plugin {

using json = nlohmann::json;

namespace {

constexpr std::string_view kEndpoints = "/netmod/v1/endpoints/";
constexpr std::string_view kEndpointAddresses = "/netmod/v1/endpoint-addresses/";

std::string host_prefix(const std::string& host) {
  return std::string(kEndpoints) + ipam::keys::escape_segment(host) + "/";
}
std::string endpoint_key(const std::string& host, const std::string& cid) {
  return host_prefix(host) + ipam::keys::escape_segment(cid);
}
std::string address_key(const net::IpAddress& a) { return std::string(kEndpointAddresses) + a.str(); }

}  // namespace

std::string encode_endpoint(const EndpointRecord& r) {
  json addrs = json::array();
  for (const auto& a : r.addresses) addrs.push_back(a.str());
  return json{{"container_id", r.container_id}, {"host", r.host},     {"host_ifname", r.host_ifname},
              {"task_ifname", r.task_ifname},   {"addresses", addrs}, {"netgroups", r.netgroups},
              {"labels", r.labels},             {"mtu", r.mtu},       {"netns", r.netns},
              {"netns_inode", r.netns_inode}}
      .dump();
}

Result<EndpointRecord> decode_endpoint(std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  if (!doc.is_object()) return make_error(Errc::corrupt, "stored endpoint is corrupt: not a JSON object");
  try {
    EndpointRecord r;
    r.container_id = doc.at("container_id").get<std::string>();
    r.host = doc.at("host").get<std::string>();
    r.host_ifname = doc.at("host_ifname").get<std::string>();
    r.task_ifname = doc.at("task_ifname").get<std::string>();
    for (const auto& a : doc.at("addresses")) {
      auto ip = net::IpAddress::parse(a.get<std::string>());
      if (!ip) return make_error(Errc::corrupt, "stored endpoint is corrupt: " + ip.error().message);
      r.addresses.push_back(*ip);
    }
    r.netgroups = doc.at("netgroups").get<std::vector<std::string>>();
    r.labels = doc.at("labels").get<ipam::Labels>();
    r.mtu = doc.at("mtu").get<uint32_t>();
    r.netns = doc.value("netns", "");
    r.netns_inode = doc.value("netns_inode", uint64_t{0});
    return r;
  } catch (const json::exception& e) {
    return make_error(Errc::corrupt, std::string("stored endpoint is corrupt: ") + e.what());
  }
}

Result<void> Endpoints::create(const EndpointRecord& rec) {
  return store_.update([&](store::Tx& tx) { return create(tx, rec); });
}

Result<void> Endpoints::create(store::Tx& tx, const EndpointRecord& rec) {
  NETMOD_ASSIGN_OR_RETURN(auto existing, tx.get(endpoint_key(rec.host, rec.container_id)));
  if (existing) {
    return make_error(Errc::already_exists,
                      "container " + rec.container_id + " is already isolated on host " + rec.host);
  }
  for (const auto& a : rec.addresses) {
    NETMOD_ASSIGN_OR_RETURN(auto used, tx.get(address_key(a)));
    if (used) {
      json owner = json::parse(used->value, nullptr, false);
      std::string who = owner.is_object() ? owner.value("container_id", "?") : "?";
      return make_error(Errc::conflict, "address " + a.str() + " belongs to container " + who);
    }
    tx.put(address_key(a), json{{"host", rec.host}, {"container_id", rec.container_id}}.dump());
  }
  tx.put(endpoint_key(rec.host, rec.container_id), encode_endpoint(rec));
  return ok();
}

Result<std::optional<EndpointRecord>> Endpoints::get(const std::string& host, const std::string& cid) {
  std::optional<EndpointRecord> out;
  NETMOD_TRY(store_.view([&](store::Tx& tx) -> Result<void> {
    NETMOD_ASSIGN_OR_RETURN(out, get(tx, host, cid));
    return ok();
  }));
  return out;
}

Result<std::optional<EndpointRecord>> Endpoints::get(store::Tx& tx, const std::string& host, const std::string& cid) {
  NETMOD_ASSIGN_OR_RETURN(auto kv, tx.get(endpoint_key(host, cid)));
  if (!kv) return std::optional<EndpointRecord>();
  NETMOD_ASSIGN_OR_RETURN(auto rec, decode_endpoint(kv->value));
  return std::optional<EndpointRecord>(std::move(rec));
}

Result<void> Endpoints::remove(const std::string& host, const std::string& cid) {
  return store_.update([&](store::Tx& tx) -> Result<void> {
    NETMOD_ASSIGN_OR_RETURN(auto kv, tx.get(endpoint_key(host, cid)));
    if (!kv) return ok();
    auto rec = decode_endpoint(kv->value);
    if (rec) {
      for (const auto& a : rec->addresses) {
        NETMOD_ASSIGN_OR_RETURN(auto used, tx.get(address_key(a)));
        json owner = used ? json::parse(used->value, nullptr, false) : json();
        if (owner.is_object() && owner.value("container_id", "") == cid) tx.del(address_key(a));
      }
    }
    tx.del(endpoint_key(host, cid));
    return ok();
  });
}

Result<std::vector<EndpointRecord>> Endpoints::list(const std::string& host) {
  NETMOD_ASSIGN_OR_RETURN(auto kvs, store_.list(host.empty() ? std::string(kEndpoints) : host_prefix(host)));
  std::vector<EndpointRecord> out;
  for (const auto& kv : kvs) {
    NETMOD_ASSIGN_OR_RETURN(auto rec, decode_endpoint(kv.value));
    out.push_back(std::move(rec));
  }
  return out;
}

}  // namespace netmod::plugin

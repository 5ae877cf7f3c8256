#include "records/hosts.hpp"

#include <nlohmann/json.hpp>

#include "common/json_fields.hpp"
#include "ipam/keys.hpp"
#include "ipam/names.hpp"

namespace netmod::records {

using nlohmann::json;

namespace keys {
std::string fabric(std::string_view host) { return std::string(kFabric) + ipam::keys::escape_segment(host); }
std::string agent(std::string_view host) { return std::string(kAgents) + ipam::keys::escape_segment(host); }
}  // namespace keys

std::optional<net::IpAddress> FabricRecord::address(net::Family family) const {
  for (const auto& a : addresses) {
    if (a.family() == family) return a;
  }
  return std::nullopt;
}

namespace {

json address_list(const std::vector<net::IpAddress>& addresses) {
  json a = json::array();
  for (const auto& ip : addresses) a.push_back(ip.str());
  return a;
}

Result<std::vector<net::IpAddress>> parse_addresses(const JsonObject& o, std::string_view key) {
  NETMOD_ASSIGN_OR_RETURN(auto texts, o.strings(key));
  std::vector<net::IpAddress> out;
  for (const auto& t : texts) {
    auto a = net::IpAddress::parse(t);
    if (!a) return make_error(Errc::corrupt, o.where(key) + ": " + a.error().message);
    out.push_back(*a);
  }
  return out;
}

}  // namespace

std::string encode_fabric(const FabricRecord& r) {
  return json{{"addresses", address_list(r.addresses)}, {"updated_ms", r.updated_ms}}.dump();
}

Result<FabricRecord> decode_fabric(std::string_view host, std::string_view text) {
  NETMOD_ASSIGN_OR_RETURN(auto doc, parse_json(text, "fabric record of " + std::string(host)));
  NETMOD_ASSIGN_OR_RETURN(auto o, JsonObject::as_object(doc, "fabric record of " + std::string(host) + ": "));
  FabricRecord r;
  NETMOD_ASSIGN_OR_RETURN(r.host, ipam::parse_hostname(host));
  NETMOD_ASSIGN_OR_RETURN(r.addresses, parse_addresses(o, "addresses"));
  NETMOD_ASSIGN_OR_RETURN(auto updated, o.integer("updated_ms", 0, INT64_MAX));
  r.updated_ms = updated.value_or(0);
  return r;
}

std::string encode_agent(const AgentRecord& r) {
  return json{{"host", r.host},
              {"pid", r.pid},
              {"pid_start", r.pid_start},
              {"boot_id", r.boot_id},
              {"started_ms", r.started_ms},
              {"fabric", address_list(r.fabric)}}
      .dump();
}

Result<AgentRecord> decode_agent(std::string_view text) {
  NETMOD_ASSIGN_OR_RETURN(auto doc, parse_json(text, "agent record"));
  NETMOD_ASSIGN_OR_RETURN(auto o, JsonObject::as_object(doc, "agent record: "));
  AgentRecord r;
  NETMOD_ASSIGN_OR_RETURN(auto host, o.string("host"));
  if (!host) return make_error(Errc::corrupt, "agent record: no \"host\"");
  NETMOD_ASSIGN_OR_RETURN(r.host, ipam::parse_hostname(*host));
  NETMOD_ASSIGN_OR_RETURN(auto pid, o.integer("pid", 0, INT32_MAX));
  r.pid = pid.value_or(0);
  NETMOD_ASSIGN_OR_RETURN(auto pid_start, o.integer("pid_start", 0, INT64_MAX));
  r.pid_start = pid_start.value_or(0);
  NETMOD_ASSIGN_OR_RETURN(auto boot, o.string("boot_id"));
  r.boot_id = boot.value_or("");
  NETMOD_ASSIGN_OR_RETURN(auto started, o.integer("started_ms", 0, INT64_MAX));
  r.started_ms = started.value_or(0);
  NETMOD_ASSIGN_OR_RETURN(r.fabric, parse_addresses(o, "fabric"));
  return r;
}

FabricMap decode_fabrics(const std::vector<store::KeyValue>& kvs) {
  FabricMap out;
  for (const auto& kv : kvs) {
    if (kv.key.size() <= keys::kFabric.size()) continue;
    const std::string host = ipam::keys::unescape_segment(std::string_view(kv.key).substr(keys::kFabric.size()));
    auto r = decode_fabric(host, kv.value);
    if (!r) {
      out.undecodable.push_back(std::move(r).error().with_context(kv.key));
      continue;
    }
    out.hosts.emplace(host, std::move(*r));
  }
  return out;
}

}  // namespace netmod::records

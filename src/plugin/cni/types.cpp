#include "plugin/cni/types.hpp"

#include <nlohmann/json.hpp>

#include "common/json_fields.hpp"
#include "common/json_text.hpp"
#include "common/text.hpp"

namespace netmod::plugin::cni {

using json = nlohmann::ordered_json;

bool is_supported(const std::string& version) {
  for (const char* v : kSupportedVersions) {
    if (version == v) return true;
  }
  return false;
}

bool is_legacy(const std::string& version) { return version == "0.1.0" || version == "0.2.0"; }

CniError from_error(const Error& e) {
  switch (e.code) {
    case Errc::invalid_argument: return {Code::invalid_config, e.message, ""};
    case Errc::unavailable: return {Code::try_again_later, e.message, ""};
    case Errc::exhausted: return {Code::address_exhausted, e.message, ""};
    case Errc::conflict: return {Code::address_in_use, e.message, ""};
    case Errc::already_exists: return {Code::already_attached, e.message, ""};
    case Errc::io: return {Code::kernel_failure, e.message, ""};
    case Errc::unsupported: return {Code::incompatible_version, e.message, ""};
    case Errc::storage:
    case Errc::corrupt: return {Code::io_failure, e.message, ""};
    case Errc::inconsistent: return {Code::check_failed, e.message, ""};
    case Errc::not_found: return {Code::unknown_container, e.message, ""};
    case Errc::internal: return {Code::internal, e.message, ""};
  }
  return {Code::internal, e.message, ""};
}

std::string error_json(const std::string& cni_version, const CniError& e) {
  json j;
  j["cniVersion"] = is_supported(cni_version) ? cni_version : "1.1.0";
  j["code"] = static_cast<int>(e.code);
  j["msg"] = e.msg;
  if (!e.details.empty()) j["details"] = e.details;
  return dump_safely(j);
}

namespace {

std::string cidr_text(const net::IpAddress& a, unsigned prefix) { return a.str() + "/" + std::to_string(prefix); }

}  // namespace

std::string result_json(const std::string& v, const AddResult& r) {
  json j;
  j["cniVersion"] = v;
  if (is_legacy(v)) {
    // 0.1.0/0.2.0: one address per family, what Mesos' network/cni reads.
    for (const auto& ip : r.ips) {
      const char* key = ip.address.is_v4() ? "ip4" : "ip6";
      if (j.contains(key)) continue;
      json fam{{"ip", cidr_text(ip.address, ip.prefix_len)}};
      if (ip.gateway) fam["gateway"] = ip.gateway->str();
      json routes = json::array();
      for (const auto& rt : r.routes) {
        if (rt.dst.network().is_v4() != ip.address.is_v4()) continue;
        json jr{{"dst", rt.dst.str()}};
        if (rt.gw) jr["gw"] = rt.gw->str();
        routes.push_back(jr);
      }
      if (!routes.empty()) fam["routes"] = routes;
      j[key] = fam;
    }
    j["dns"] = json::object();
    return dump_safely(j);
  }
  json ifs = json::array();
  for (const auto& i : r.interfaces) {
    json ji{{"name", i.name}, {"mac", i.mac}};
    if (!i.sandbox.empty()) ji["sandbox"] = i.sandbox;
    ifs.push_back(ji);
  }
  if (!ifs.empty()) j["interfaces"] = ifs;
  json ips = json::array();
  // 0.3.0 to 0.4.0 give each address its family; 1.0.0 dropped it.
  const bool with_version = v == "0.3.0" || v == "0.3.1" || v == "0.4.0";
  for (const auto& ip : r.ips) {
    json ji;
    if (with_version) ji["version"] = ip.address.is_v4() ? "4" : "6";
    ji["address"] = cidr_text(ip.address, ip.prefix_len);
    if (ip.gateway) ji["gateway"] = ip.gateway->str();
    if (ip.interface) ji["interface"] = *ip.interface;
    ips.push_back(ji);
  }
  j["ips"] = ips;
  json routes = json::array();
  for (const auto& rt : r.routes) {
    json jr{{"dst", rt.dst.str()}};
    if (rt.gw) jr["gw"] = rt.gw->str();
    routes.push_back(jr);
  }
  if (!routes.empty()) j["routes"] = routes;
  j["dns"] = json::object();
  return dump_safely(j);
}

namespace {

// "10.65.0.7/32": an address and a prefix length no longer than its family's.
Result<std::pair<net::IpAddress, unsigned>> parse_address_prefix(const std::string& text, const std::string& where) {
  auto bad = [&](const std::string& why) {
    return make_error(Errc::invalid_argument, where + ": " + quote(text) + " " + why);
  };
  auto slash = text.find('/');
  if (slash == std::string::npos) return bad("is not address/prefix-length");
  auto a = net::IpAddress::parse(text.substr(0, slash));
  if (!a) return bad("does not start with an IP address");
  std::string len = text.substr(slash + 1);
  if (len.empty() || len.size() > 3 || len.find_first_not_of("0123456789") != std::string::npos) {
    return bad("has no prefix length");
  }
  unsigned n = static_cast<unsigned>(std::stoul(len));
  if (n > a->bits()) return bad("has a prefix length longer than the address");
  return std::pair{*a, n};
}

Result<std::optional<net::IpAddress>> optional_address(const JsonObject& o, const char* key) {
  NETMOD_ASSIGN_OR_RETURN(auto text, o.string(key));
  if (!text) return std::optional<net::IpAddress>();
  auto a = net::IpAddress::parse(*text);
  if (!a) return make_error(Errc::invalid_argument, o.where(key) + ": " + a.error().message);
  return std::optional<net::IpAddress>(*a);
}

Result<std::vector<ResultRoute>> parse_routes(const JsonObject& o, const std::string& where) {
  std::vector<ResultRoute> out;
  NETMOD_ASSIGN_OR_RETURN(const nlohmann::json* routes, o.array("routes"));
  if (!routes) return out;
  for (size_t i = 0; i < routes->size(); ++i) {
    std::string at = where + "routes[" + std::to_string(i) + "]";
    NETMOD_ASSIGN_OR_RETURN(JsonObject r, JsonObject::as_object((*routes)[i], at + "."));
    NETMOD_ASSIGN_OR_RETURN(auto dst, r.string("dst"));
    if (!dst) return make_error(Errc::invalid_argument, at + ".dst is required");
    auto cidr = net::Cidr::parse(*dst);
    if (!cidr) return make_error(Errc::invalid_argument, at + ".dst: " + cidr.error().message);
    NETMOD_ASSIGN_OR_RETURN(auto gw, optional_address(r, "gw"));
    out.push_back({*cidr, gw});
  }
  return out;
}

}  // namespace

Result<AddResult> parse_result(const nlohmann::json& doc) {
  NETMOD_ASSIGN_OR_RETURN(JsonObject top, JsonObject::as_object(doc, "prevResult."));
  AddResult r;
  // 0.1.0 / 0.2.0: one address per family.
  for (const char* fam : {"ip4", "ip6"}) {
    NETMOD_ASSIGN_OR_RETURN(auto ipc, top.object(fam));
    if (!ipc) continue;
    NETMOD_ASSIGN_OR_RETURN(auto ip, ipc->string("ip"));
    if (!ip) return make_error(Errc::invalid_argument, ipc->where("ip") + " is required");
    NETMOD_ASSIGN_OR_RETURN(auto ap, parse_address_prefix(*ip, ipc->where("ip")));
    NETMOD_ASSIGN_OR_RETURN(auto gw, optional_address(*ipc, "gateway"));
    r.ips.push_back({ap.first, ap.second, gw, std::nullopt});
    NETMOD_ASSIGN_OR_RETURN(auto routes, parse_routes(*ipc, ipc->where("")));
    r.routes.insert(r.routes.end(), routes.begin(), routes.end());
  }
  NETMOD_ASSIGN_OR_RETURN(const nlohmann::json* ifs, top.array("interfaces"));
  for (size_t i = 0; ifs && i < ifs->size(); ++i) {
    std::string at = "prevResult.interfaces[" + std::to_string(i) + "].";
    NETMOD_ASSIGN_OR_RETURN(JsonObject o, JsonObject::as_object((*ifs)[i], at));
    NETMOD_ASSIGN_OR_RETURN(auto name, o.string("name"));
    if (!name) return make_error(Errc::invalid_argument, o.where("name") + " is required");
    NETMOD_ASSIGN_OR_RETURN(auto mac, o.string("mac"));
    NETMOD_ASSIGN_OR_RETURN(auto sandbox, o.string("sandbox"));
    r.interfaces.push_back({*name, mac.value_or(""), sandbox.value_or("")});
  }
  NETMOD_ASSIGN_OR_RETURN(const nlohmann::json* ips, top.array("ips"));
  for (size_t i = 0; ips && i < ips->size(); ++i) {
    std::string at = "prevResult.ips[" + std::to_string(i) + "].";
    NETMOD_ASSIGN_OR_RETURN(JsonObject o, JsonObject::as_object((*ips)[i], at));
    NETMOD_ASSIGN_OR_RETURN(auto address, o.string("address"));
    if (!address) return make_error(Errc::invalid_argument, o.where("address") + " is required");
    NETMOD_ASSIGN_OR_RETURN(auto ap, parse_address_prefix(*address, o.where("address")));
    NETMOD_ASSIGN_OR_RETURN(auto gw, optional_address(o, "gateway"));
    NETMOD_ASSIGN_OR_RETURN(auto index, o.integer("interface", 0, 1 << 20));
    std::optional<int> iface;
    if (index) iface = static_cast<int>(*index);
    if (iface && static_cast<size_t>(*iface) >= r.interfaces.size()) {
      return make_error(Errc::invalid_argument, o.where("interface") + " points past the interfaces list");
    }
    r.ips.push_back({ap.first, ap.second, gw, iface});
  }
  NETMOD_ASSIGN_OR_RETURN(auto routes, parse_routes(top, "prevResult."));
  r.routes.insert(r.routes.end(), routes.begin(), routes.end());
  return r;
}

std::string version_json(const std::string& cni_version) {
  json j;
  j["cniVersion"] = is_supported(cni_version) ? cni_version : "1.1.0";
  json vs = json::array();
  for (const char* v : kSupportedVersions) vs.push_back(v);
  j["supportedVersions"] = vs;
  return dump_safely(j);
}

}  // namespace netmod::plugin::cni

#include "plugin/cni/types.hpp"

#include <nlohmann/json.hpp>

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
    case Errc::conflict:
    case Errc::already_exists: return {Code::address_in_use, e.message, ""};
    case Errc::io: return {Code::kernel_failure, e.message, ""};
    case Errc::unsupported: return {Code::incompatible_version, e.message, ""};
    case Errc::corrupt: return {Code::io_failure, e.message, ""};
    case Errc::not_found: return {Code::invalid_config, e.message, ""};
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
  return j.dump();
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
    return j.dump();
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
  return j.dump();
}

std::string version_json(const std::string& cni_version) {
  json j;
  j["cniVersion"] = is_supported(cni_version) ? cni_version : "1.1.0";
  json vs = json::array();
  for (const char* v : kSupportedVersions) vs.push_back(v);
  j["supportedVersions"] = vs;
  return j.dump();
}

}  // namespace netmod::plugin::cni

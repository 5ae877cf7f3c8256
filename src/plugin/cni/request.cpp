#include <nlohmann/json.hpp>
#include <set>

#include "common/json_text.hpp"
#include "dataplane/netns.hpp"
#include "plugin/cni/invocation.hpp"

namespace netmod::plugin::cni::detail {

using json = nlohmann::json;

Failure fail(Code code, std::string msg) { return {{code, std::move(msg), ""}}; }

std::string env_or(const Getenv& getenv, const char* name) {
  const char* v = getenv(name);
  return v ? v : "";
}

// The netmod keys of a network config, validated like netmod.conf, over
// netmod.conf ($NETMOD_CONFIG, else /etc/netmod/netmod.conf, else the
// defaults): the plugin finds the store the CLI finds.
Result<config::Config> netmod_config(const Getenv& getenv, const json& conf, const std::string& name) {
  NETMOD_ASSIGN_OR_RETURN(config::Config base, config::load_config(std::nullopt, getenv));
  json sub = json::object();
  for (const char* k : {"datastore", "hostname", "mtu"}) {
    if (conf.contains(k)) sub[k] = conf[k];
  }
  if (conf.contains("ipam") && conf["ipam"].is_object()) {
    for (const char* k : {"datastore", "hostname"}) {
      if (conf["ipam"].contains(k)) sub[k] = conf["ipam"][k];
    }
  }
  return config::parse_config(dump_safely(sub), "network " + quote(name), base);
}

namespace {

// CNI_ARGS: "K=V;K2=V2". Kubernetes' keys and others become labels;
// unknown keys are an error unless IgnoreUnknown=1 (SPEC.md).
std::optional<Failure> parse_cni_args(const std::string& text, ipam::Labels& labels) {
  if (text.empty()) return std::nullopt;
  std::vector<std::pair<std::string, std::string>> kv;
  bool ignore_unknown = false;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find(';', pos);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(pos, end - pos);
    pos = end + 1;
    if (item.empty()) continue;
    size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) return fail(Code::invalid_env, "CNI_ARGS: \"" + item + "\" is not KEY=VALUE");
    kv.emplace_back(item.substr(0, eq), item.substr(eq + 1));
    if (kv.back().first == "IgnoreUnknown") ignore_unknown = kv.back().second == "1" || kv.back().second == "true";
  }
  static const std::set<std::string> known = {"IgnoreUnknown", "K8S_POD_NAMESPACE", "K8S_POD_NAME",
                                              "K8S_POD_INFRA_CONTAINER_ID", "K8S_POD_UID"};
  for (const auto& [k, v] : kv) {
    if (k == "IgnoreUnknown") continue;
    if (!known.count(k) && !ignore_unknown) {
      return fail(Code::invalid_env, "CNI_ARGS: unknown key \"" + k + "\" (set IgnoreUnknown=1 to allow it)");
    }
    labels[k] = v;
  }
  return std::nullopt;
}

}  // namespace

std::optional<Failure> parse_request(const Getenv& getenv, const std::string& input, Invocation& inv) {
  json conf = json::parse(input, nullptr, false);
  if (conf.is_discarded() || !conf.is_object()) return fail(Code::decode_failure, "network config is not a JSON object");
  inv.conf = conf;
  for (const char* k : {"cniVersion", "name", "type"}) {
    if (!conf.contains(k) || !conf[k].is_string() || conf[k].get<std::string>().empty()) {
      return fail(Code::invalid_config, std::string("network config: \"") + k + "\" is required");
    }
  }
  inv.cni_version = conf["cniVersion"].get<std::string>();
  if (!is_supported(inv.cni_version)) {
    return fail(Code::incompatible_version, "cniVersion " + inv.cni_version + " is not supported");
  }
  if (inv.command == "VERSION" || inv.command == "STATUS") return std::nullopt;
  // Another plugin's config naming netmod as its IPAM: address management only.
  inv.ipam_only = conf["type"] != "netmod";
  if (inv.command == "GC") {
    auto gcfg = netmod_config(getenv, conf, conf["name"].get<std::string>());
    if (!gcfg) return fail(Code::invalid_config, gcfg.error().message);
    inv.cfg = *gcfg;
    inv.host = config::effective_hostname(inv.cfg);
    return std::nullopt;
  }

  for (const char* k : {"CNI_CONTAINERID", "CNI_IFNAME", "CNI_PATH"}) {
    if (env_or(getenv, k).empty()) return fail(Code::invalid_env, std::string(k) + " is not set");
  }
  auto cid = ipam::parse_container_id(env_or(getenv, "CNI_CONTAINERID"));
  if (!cid) return fail(Code::invalid_env, "CNI_CONTAINERID: " + cid.error().message);
  inv.container_id = *cid;
  inv.ifname = env_or(getenv, "CNI_IFNAME");
  if (inv.ifname.size() > 15 || inv.ifname.find_first_of("/ \t:") != std::string::npos || inv.ifname == "." ||
      inv.ifname == "..") {
    return fail(Code::invalid_env, "CNI_IFNAME \"" + inv.ifname + "\" is not a valid interface name (at most 15 characters, no '/', ':' or spaces)");
  }
  inv.netns = env_or(getenv, "CNI_NETNS");
  if ((inv.command == "ADD" || inv.command == "CHECK") && inv.netns.empty()) {
    return fail(Code::invalid_env, "CNI_NETNS is not set");
  }
  if (inv.command == "ADD" || inv.command == "CHECK") {
    auto ns = dataplane::Netns::open(inv.netns);
    if (!ns) return fail(Code::invalid_env, "CNI_NETNS: " + ns.error().message);
  }
  if (conf.contains("prevResult")) {
    const json& prev = conf["prevResult"];
    if (!prev.is_object()) return fail(Code::invalid_config, "prevResult must be an object");
    if (prev.contains("cniVersion") && prev["cniVersion"] != conf["cniVersion"]) {
      return fail(Code::invalid_config, "prevResult is version " + prev["cniVersion"].dump() +
                                            " but the network config is " + conf["cniVersion"].dump());
    }
  }

  auto cfg = netmod_config(getenv, conf, conf["name"].get<std::string>());
  if (!cfg) return fail(Code::invalid_config, cfg.error().message);
  inv.cfg = *cfg;
  inv.host = config::effective_hostname(inv.cfg);

  // Netgroups and labels: the network's defaults, Mesos' NetworkInfo, CNI_ARGS.
  std::vector<std::string> groups;
  if (conf.contains("netgroups")) {
    if (!conf["netgroups"].is_array()) return fail(Code::invalid_config, "network config: \"netgroups\" must be a list");
    for (const auto& g : conf["netgroups"]) {
      if (!g.is_string()) return fail(Code::invalid_config, "network config: \"netgroups\" must be a list of strings");
      groups.push_back(g.get<std::string>());
    }
  }
  const json* ni = nullptr;
  if (conf.contains("args") && conf["args"].is_object() && conf["args"].contains("org.apache.mesos") &&
      conf["args"]["org.apache.mesos"].is_object() && conf["args"]["org.apache.mesos"].contains("network_info")) {
    ni = &conf["args"]["org.apache.mesos"]["network_info"];
  }
  bool mesos_families = false;
  if (ni && ni->is_object()) {
    for (const auto& g : ni->value("groups", json::array())) {
      if (g.is_string()) groups.push_back(g.get<std::string>());
    }
    if (ni->contains("labels") && (*ni)["labels"].contains("labels")) {
      for (const auto& l : (*ni)["labels"]["labels"]) {
        if (l.is_object() && l.contains("key") && l["key"].is_string()) {
          inv.attrs.labels[l["key"].get<std::string>()] = l.value("value", "");
        }
      }
    }
    for (const auto& ip : ni->value("ip_addresses", json::array())) {
      if (ip.contains("ip_address") && ip["ip_address"].is_string()) {
        auto a = net::IpAddress::parse(ip["ip_address"].get<std::string>());
        if (!a) return fail(Code::invalid_config, "network_info.ip_addresses: " + a.error().message);
        inv.static_ips.push_back(*a);
      } else if (ip.contains("protocol")) {
        mesos_families = true;
        (ip["protocol"] == "IPv6" ? inv.want_v6 : inv.want_v4) += 1;
      }
    }
  }
  auto parsed = ipam::parse_netgroups(groups);
  if (!parsed) return fail(Code::invalid_config, parsed.error().message);
  inv.attrs.netgroups = *parsed;
  if (auto f = parse_cni_args(env_or(getenv, "CNI_ARGS"), inv.attrs.labels)) return f;

  // Static addresses from the "ips" capability.
  if (conf.contains("runtimeConfig") && conf["runtimeConfig"].contains("ips")) {
    for (const auto& ip : conf["runtimeConfig"]["ips"]) {
      std::string t = ip.is_string() ? ip.get<std::string>() : "";
      auto a = net::IpAddress::parse(t.substr(0, t.find('/')));
      if (!a) return fail(Code::invalid_config, "runtimeConfig.ips: " + a.error().message);
      inv.static_ips.push_back(*a);
    }
  }

  // How many automatic addresses, and from which pools.
  const json ipam_conf = conf.value("ipam", json::object());
  bool assign_v4 = ipam_conf.value("assign_ipv4", true), assign_v6 = ipam_conf.value("assign_ipv6", false);
  bool static_v4 = false, static_v6 = false;
  for (const auto& a : inv.static_ips) (a.is_v4() ? static_v4 : static_v6) = true;
  if (!mesos_families) {
    inv.want_v4 = assign_v4 && !static_v4 ? 1 : 0;
    inv.want_v6 = assign_v6 && !static_v6 ? 1 : 0;
  }
  for (const char* k : {"ipv4_pools", "ipv6_pools"}) {
    for (const auto& p : ipam_conf.value(k, json::array())) {
      auto c = net::Cidr::parse(p.is_string() ? p.get<std::string>() : p.dump());
      if (!c) return fail(Code::invalid_config, std::string("ipam.") + k + ": " + c.error().message);
      inv.pools.push_back(*c);
    }
  }
  return std::nullopt;
}

}  // namespace netmod::plugin::cni::detail

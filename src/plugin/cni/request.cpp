// Parsing one CNI invocation: environment variables and the network config
// on stdin, into an Invocation. Nothing here throws or touches state; every
// error names what was wrong and quotes at most a short prefix of it.
//
// What each command validates: ADD everything it uses; CHECK what it
// compares; DEL only what finds the attachment (a runtime retries a failed
// DEL forever, so DEL never fails on what only ADD needs: CNI_ARGS, an
// interface or container name ADD would refuse, netgroups, addresses,
// pools, a damaged prevResult).
#include <set>

#include "common/json_fields.hpp"
#include "common/json_text.hpp"
#include "common/text.hpp"
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
Result<config::Config> network_config(const config::Config& base, const json& conf, const std::string& name) {
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

std::optional<Failure> invalid_config(const Error& e) { return fail(Code::invalid_config, e.message); }

// CNI_ARGS: "K=V;K2=V2". Kubernetes' keys and others become labels;
// unknown keys are an error unless IgnoreUnknown=1 (SPEC.md).
std::optional<Failure> parse_cni_args(const std::string& text, ipam::Labels& labels) {
  if (text.empty()) return std::nullopt;
  if (!valid_utf8(text)) return fail(Code::invalid_env, "CNI_ARGS " + quote(text) + " is not UTF-8 text");
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
    if (eq == std::string::npos || eq == 0) return fail(Code::invalid_env, "CNI_ARGS: " + quote(item) + " is not KEY=VALUE");
    kv.emplace_back(item.substr(0, eq), item.substr(eq + 1));
    if (kv.back().first == "IgnoreUnknown") ignore_unknown = kv.back().second == "1" || kv.back().second == "true";
  }
  static const std::set<std::string> known = {"IgnoreUnknown", "K8S_POD_NAMESPACE", "K8S_POD_NAME",
                                              "K8S_POD_INFRA_CONTAINER_ID", "K8S_POD_UID"};
  for (const auto& [k, v] : kv) {
    if (k == "IgnoreUnknown") continue;
    if (!known.count(k) && !ignore_unknown) {
      return fail(Code::invalid_env, "CNI_ARGS: unknown key " + quote(k) + " (set IgnoreUnknown=1 to allow it)");
    }
    labels[k] = v;
  }
  return std::nullopt;
}

bool valid_ifname(const std::string& name) {
  return !name.empty() && name.size() <= 15 && name != "." && name != ".." &&
         name.find_first_of("/ \t\n:") == std::string::npos && valid_utf8(name) &&
         std::none_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; });
}

// Mesos' NetworkInfo (args.org.apache.mesos.network_info): netgroups from
// `groups`, else (Marathon 1.5 and later send none) from the label
// "netgroups" (comma-separated); labels; static addresses and families.
std::optional<Failure> parse_network_info(const JsonObject& ni, Invocation& inv, std::vector<std::string>& groups,
                                          bool& families_given) {
  auto groups_given = ni.strings("groups");
  if (!groups_given) return invalid_config(groups_given.error());
  auto labels = ni.object("labels");
  if (!labels) return invalid_config(labels.error());
  if (*labels) {
    auto list = (*labels)->array("labels");
    if (!list) return invalid_config(list.error());
    for (size_t i = 0; *list && i < (*list)->size(); ++i) {
      auto l = JsonObject::as_object((**list)[i], (*labels)->where("labels") + "[" + std::to_string(i) + "].");
      if (!l) return invalid_config(l.error());
      auto key = l->string("key");
      if (!key) return invalid_config(key.error());
      auto value = l->string("value");
      if (!value) return invalid_config(value.error());
      if (!*key || (*key)->empty()) return fail(Code::invalid_config, l->where("key") + " is required");
      inv.attrs.labels[**key] = value->value_or("");
    }
  }
  if (!groups_given->empty()) {
    groups.insert(groups.end(), groups_given->begin(), groups_given->end());
  } else if (auto it = inv.attrs.labels.find("netgroups"); it != inv.attrs.labels.end()) {
    size_t pos = 0;
    const std::string& list = it->second;
    while (pos <= list.size()) {
      size_t comma = std::min(list.find(',', pos), list.size());
      std::string g = list.substr(pos, comma - pos);
      g.erase(0, g.find_first_not_of(' '));
      g.erase(g.find_last_not_of(' ') + 1);
      if (!g.empty()) groups.push_back(g);
      pos = comma + 1;
    }
  }
  auto ips = ni.array("ip_addresses");
  if (!ips) return invalid_config(ips.error());
  for (size_t i = 0; *ips && i < (*ips)->size(); ++i) {
    auto ip = JsonObject::as_object((**ips)[i], ni.where("ip_addresses") + "[" + std::to_string(i) + "].");
    if (!ip) return invalid_config(ip.error());
    auto address = ip->string("ip_address");
    if (!address) return invalid_config(address.error());
    auto protocol = ip->string("protocol");
    if (!protocol) return invalid_config(protocol.error());
    if (*address) {
      auto a = net::IpAddress::parse(**address);
      if (!a) return fail(Code::invalid_config, ip->where("ip_address") + ": " + a.error().message);
      inv.static_ips.push_back(*a);
    } else if (*protocol) {
      if (**protocol != "IPv4" && **protocol != "IPv6") {
        return fail(Code::invalid_config, ip->where("protocol") + " must be \"IPv4\" or \"IPv6\", got " + quote(**protocol));
      }
      families_given = true;
      (**protocol == "IPv6" ? inv.want_v6 : inv.want_v4) += 1;
    }
  }
  return std::nullopt;
}

// What only ADD needs: netgroups, labels, addresses and pools.
std::optional<Failure> parse_add(const Getenv& getenv, const JsonObject& conf, Invocation& inv) {
  auto groups = conf.strings("netgroups");
  if (!groups) return invalid_config(groups.error());
  bool families_given = false;
  auto args = conf.object("args");
  if (!args) return invalid_config(args.error());
  if (*args) {
    auto mesos = (*args)->object("org.apache.mesos");
    if (!mesos) return invalid_config(mesos.error());
    if (*mesos) {
      auto ni = (*mesos)->object("network_info");
      if (!ni) return invalid_config(ni.error());
      if (*ni) {
        if (auto f = parse_network_info(**ni, inv, *groups, families_given)) return f;
      }
    }
  }
  auto parsed = ipam::parse_netgroups(*groups);
  if (!parsed) return fail(Code::invalid_config, parsed.error().message);
  inv.attrs.netgroups = *parsed;
  if (auto f = parse_cni_args(env_or(getenv, "CNI_ARGS"), inv.attrs.labels)) return f;

  // Static addresses from the "ips" capability ("10.1.2.3/24" or a bare address).
  auto rc = conf.object("runtimeConfig");
  if (!rc) return invalid_config(rc.error());
  if (*rc) {
    auto ips = (*rc)->strings("ips");
    if (!ips) return invalid_config(ips.error());
    for (const auto& t : *ips) {
      auto a = net::IpAddress::parse(t.substr(0, t.find('/')));
      if (!a) return fail(Code::invalid_config, "runtimeConfig.ips: " + a.error().message);
      inv.static_ips.push_back(*a);
    }
  }

  // How many automatic addresses, and from which pools.
  auto ipam_conf = conf.object("ipam");
  if (!ipam_conf) return invalid_config(ipam_conf.error());
  json empty = json::object();
  JsonObject ipam = *ipam_conf ? **ipam_conf : JsonObject(empty, "ipam.");
  auto assign_v4 = ipam.boolean("assign_ipv4");
  if (!assign_v4) return invalid_config(assign_v4.error());
  auto assign_v6 = ipam.boolean("assign_ipv6");
  if (!assign_v6) return invalid_config(assign_v6.error());
  bool static_v4 = false, static_v6 = false;
  for (const auto& a : inv.static_ips) (a.is_v4() ? static_v4 : static_v6) = true;
  if (!families_given) {
    inv.want_v4 = assign_v4->value_or(true) && !static_v4 ? 1 : 0;
    inv.want_v6 = assign_v6->value_or(false) && !static_v6 ? 1 : 0;
  }
  for (const char* k : {"ipv4_pools", "ipv6_pools"}) {
    auto pools = ipam.strings(k);
    if (!pools) return invalid_config(pools.error());
    for (const auto& p : *pools) {
      auto c = net::Cidr::parse(p);
      if (!c) return fail(Code::invalid_config, ipam.where(k) + ": " + c.error().message);
      if ((c->family() == net::Family::v4) != (std::string(k) == "ipv4_pools")) {
        return fail(Code::invalid_config, ipam.where(k) + ": " + c->str() + " is of the other address family");
      }
      inv.pools.push_back(*c);
    }
  }
  return std::nullopt;
}

// GC's list of attachments to keep (SPEC.md 1.1.0, cni.dev/valid-attachments).
std::optional<Failure> parse_valid_attachments(const JsonObject& conf, Invocation& inv) {
  auto list = conf.array("cni.dev/valid-attachments");
  if (!list) return invalid_config(list.error());
  for (size_t i = 0; *list && i < (*list)->size(); ++i) {
    auto a = JsonObject::as_object((**list)[i], "cni.dev/valid-attachments[" + std::to_string(i) + "].");
    if (!a) return invalid_config(a.error());
    auto cid = a->string("containerID");
    if (!cid) return invalid_config(cid.error());
    auto ifname = a->string("ifname");
    if (!ifname) return invalid_config(ifname.error());
    if (!*cid || !*ifname) return fail(Code::invalid_config, a->where("") + " needs containerID and ifname");
    inv.valid_attachments.insert(**cid + ":" + **ifname);
  }
  return std::nullopt;
}

}  // namespace

std::optional<Failure> parse_request(const Getenv& getenv, const std::string& input, Invocation& inv) {
  auto doc = parse_json(input, "network config");
  if (!doc) return fail(Code::decode_failure, doc.error().message);
  if (!doc->is_object()) return fail(Code::decode_failure, "network config is not a JSON object");
  inv.conf = std::move(*doc);
  const JsonObject conf(inv.conf, "");
  for (const char* k : {"cniVersion", "name", "type"}) {
    auto v = conf.string(k);
    if (!v) return invalid_config(v.error());
    if (!*v || (*v)->empty()) return fail(Code::invalid_config, std::string("network config: \"") + k + "\" is required");
  }
  inv.cni_version = **conf.string("cniVersion");
  inv.network = **conf.string("name");
  if (!is_supported(inv.cni_version)) {
    std::string v = inv.cni_version;
    inv.cni_version = "1.1.0";  // answer in a version the runtime can read
    return fail(Code::incompatible_version, "cniVersion " + quote(v) + " is not supported");
  }
  if (inv.command == "VERSION") return std::nullopt;
  // Another plugin's config naming netmod as its IPAM: address management only.
  inv.ipam_only = **conf.string("type") != "netmod";

  auto base = config::load_config(std::nullopt, getenv);
  if (!base) return invalid_config(base.error());
  auto cfg = network_config(*base, inv.conf, inv.network);
  if (!cfg) {
    // DEL with netmod keys ADD would have refused: ADD never made anything.
    if (inv.command == "DEL") {
      inv.nothing_to_do = true;
      return std::nullopt;
    }
    return invalid_config(cfg.error());
  }
  inv.cfg = *cfg;
  inv.host = config::effective_hostname(inv.cfg);
  if (inv.command == "STATUS") return std::nullopt;
  if (inv.command == "GC") return parse_valid_attachments(conf, inv);

  for (const char* k : {"CNI_CONTAINERID", "CNI_IFNAME", "CNI_PATH"}) {
    if (env_or(getenv, k).empty()) return fail(Code::invalid_env, std::string(k) + " is not set");
  }
  const std::string cid = env_or(getenv, "CNI_CONTAINERID");
  inv.ifname = env_or(getenv, "CNI_IFNAME");
  auto parsed_cid = ipam::parse_container_id(cid);
  if (!parsed_cid || !valid_ifname(inv.ifname)) {
    // A name ADD refuses: ADD made nothing under it.
    if (inv.command == "DEL") {
      inv.nothing_to_do = true;
      return std::nullopt;
    }
    if (!parsed_cid) return fail(Code::invalid_env, "CNI_CONTAINERID: " + parsed_cid.error().message);
    return fail(Code::invalid_env, "CNI_IFNAME " + quote(inv.ifname) +
                                       " is not a valid interface name (1 to 15 characters, no '/', ':' or spaces)");
  }
  inv.container_id = *parsed_cid;
  inv.netns = env_or(getenv, "CNI_NETNS");

  // prevResult: what ADD answered (CHECK, DEL) or what the plugins before
  // netmod in a chain made (ADD). DEL does without a damaged one.
  if (conf.has("prevResult")) {
    auto prev = parse_result(inv.conf["prevResult"]);
    if (prev) {
      inv.prev = std::move(*prev);
    } else if (inv.command != "DEL") {
      return invalid_config(prev.error());
    }
  }
  if (inv.command == "DEL") return std::nullopt;

  // (The namespace itself is opened once, by the command, through the
  // kernel: plugin.cpp.)
  if (inv.netns.empty()) return fail(Code::invalid_env, "CNI_NETNS is not set");
  if (inv.command == "CHECK") {
    if (!inv.prev) return fail(Code::invalid_config, "CHECK needs the prevResult that ADD answered");
    return std::nullopt;
  }
  return parse_add(getenv, conf, inv);
}

}  // namespace netmod::plugin::cni::detail

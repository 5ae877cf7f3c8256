#include "config/config.hpp"

#include "store/etcd/etcd_store.hpp"

#include <sys/utsname.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/json_fields.hpp"
#include "common/json_text.hpp"
#include "ipam/names.hpp"
#include "store/sqlite_store.hpp"

namespace netmod::config {

using json = nlohmann::json;

namespace {

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// Rejects keys of `obj` not in `known`, suggesting the nearest known key.
Result<void> check_keys(const json& obj, std::initializer_list<std::string_view> known,
                        const std::string& where) {
  for (const auto& [key, value] : obj.items()) {
    bool ok_key = false;
    std::string_view best;
    size_t best_d = 3;  // suggest only near misses
    for (auto k : known) {
      if (k == key) ok_key = true;
      size_t d = edit_distance(key, k);
      if (d < best_d) best_d = d, best = k;
    }
    if (!ok_key) {
      std::string msg = where + "unknown key " + quote(key);
      if (!best.empty()) msg += " (did you mean \"" + std::string(best) + "\"?)";
      return make_error(Errc::invalid_argument, msg);
    }
  }
  return ok();
}

Error type_error(const std::string& where, const std::string& key, const char* expected, const json& got) {
  return make_error(Errc::invalid_argument, where + "\"" + key + "\" must be " + expected + ", got " + excerpt(got));
}

}  // namespace

std::vector<ipam::PoolSpec> builtin_default_pools() {
  return {{*net::Cidr::parse("10.65.0.0/16")}, {*net::Cidr::parse("fd65:6e6d::/48")}};
}

Config default_config() {
  Config c;
  c.default_pools = builtin_default_pools();
  return c;
}

namespace {

Result<std::string> nonempty_string(const json& v, const std::string& where, const std::string& key) {
  if (!v.is_string() || v.get_ref<const std::string&>().empty()) return type_error(where, key, "a non-empty string", v);
  return v.get<std::string>();
}

Result<void> parse_datastore(const json& ds, const std::string& where, DatastoreConfig& c) {
  if (!ds.is_object()) return type_error(where, "datastore", "an object", ds);
  NETMOD_TRY(check_keys(ds, {"type", "path", "busy_timeout_ms", "endpoints", "prefix", "timeout_ms", "tls"},
                        where + "datastore: "));
  if (ds.contains("type")) {
    if (!ds["type"].is_string()) return type_error(where, "datastore.type", "a string", ds["type"]);
    c.type = ds["type"].get<std::string>();
    if (c.type != "embedded" && c.type != "etcd") {
      return make_error(Errc::invalid_argument,
                        where + "datastore.type " + quote(c.type) + " is not supported (use \"embedded\" or \"etcd\")");
    }
  }
  if (ds.contains("path")) {
    NETMOD_ASSIGN_OR_RETURN(c.path, nonempty_string(ds["path"], where, "datastore.path"));
  }
  if (ds.contains("busy_timeout_ms")) {
    const json& t = ds["busy_timeout_ms"];
    if (!t.is_number_unsigned() || t.get<uint64_t>() > 600000) {
      return type_error(where, "datastore.busy_timeout_ms", "an integer from 0 to 600000", t);
    }
    c.busy_timeout_ms = t.get<int>();
  }
  if (ds.contains("endpoints")) {
    const json& e = ds["endpoints"];
    if (!e.is_array() || e.empty()) return type_error(where, "datastore.endpoints", "a non-empty list of URLs", e);
    c.endpoints.clear();
    for (const auto& u : e) {
      NETMOD_ASSIGN_OR_RETURN(auto url, nonempty_string(u, where, "datastore.endpoints[]"));
      const bool http = url.rfind("http://", 0) == 0, https = url.rfind("https://", 0) == 0;
      const size_t host_at = http ? 7 : 8;
      if ((!http && !https) || url.size() <= host_at || url.find('/', host_at) != std::string::npos) {
        return type_error(where, "datastore.endpoints[]", "a URL such as \"http://127.0.0.1:2379\" (http or https, no path)", u);
      }
      c.endpoints.push_back(std::move(url));
    }
  }
  if (ds.contains("prefix")) {
    const json& p = ds["prefix"];
    if (!p.is_string() || p.get_ref<const std::string&>().empty() || p.get_ref<const std::string&>()[0] != '/') {
      return type_error(where, "datastore.prefix", "a key prefix starting with '/'", p);
    }
    c.prefix = p.get<std::string>();
  }
  if (ds.contains("timeout_ms")) {
    const json& t = ds["timeout_ms"];
    if (!t.is_number_unsigned() || t.get<uint64_t>() < 1 || t.get<uint64_t>() > 600000) {
      return type_error(where, "datastore.timeout_ms", "an integer from 1 to 600000", t);
    }
    c.timeout_ms = t.get<int>();
  }
  if (ds.contains("tls")) {
    const json& t = ds["tls"];
    if (!t.is_object()) return type_error(where, "datastore.tls", "an object", t);
    NETMOD_TRY(check_keys(t, {"ca", "cert", "key"}, where + "datastore.tls: "));
    if (t.contains("ca")) {
    NETMOD_ASSIGN_OR_RETURN(c.tls_ca, nonempty_string(t["ca"], where, "datastore.tls.ca"));
  }
    if (t.contains("cert")) {
    NETMOD_ASSIGN_OR_RETURN(c.tls_cert, nonempty_string(t["cert"], where, "datastore.tls.cert"));
  }
    if (t.contains("key")) {
    NETMOD_ASSIGN_OR_RETURN(c.tls_key, nonempty_string(t["key"], where, "datastore.tls.key"));
  }
    if (c.tls_cert.empty() != c.tls_key.empty()) {
      return make_error(Errc::invalid_argument, where + "datastore.tls: \"cert\" and \"key\" go together");
    }
  }
  if (c.type == "etcd" && c.endpoints.empty()) {
    return make_error(Errc::invalid_argument, where + "datastore.endpoints: the etcd datastore needs at least one endpoint");
  }
  return ok();
}

// "auto", "" (none), "IP", "IP:PORT", "[IPv6]:PORT", or a list of them
// ("auto" included; [] for none).
Result<void> parse_dns_address(const json& d, const std::string& where, AgentConfig& c) {
  const char* expected = "\"auto\", \"\" (none), \"IP\", \"IP:PORT\" or \"[IPv6]:PORT\", or a list of them";
  c.dns_on_fabric = false;
  c.dns_addresses.clear();
  if (d.is_string() && d.get_ref<const std::string&>().empty()) return ok();
  const std::vector<json> items = d.is_array() ? std::vector<json>(d.begin(), d.end()) : std::vector<json>{d};
  for (const auto& i : items) {
    if (!i.is_string() || i.get_ref<const std::string&>().empty()) return type_error(where, "agent.dns_address", expected, d);
    const std::string& text = i.get_ref<const std::string&>();
    if (text == "auto") {
      c.dns_on_fabric = true;
      continue;
    }
    auto e = net::Endpoint::parse(text, 53);
    if (!e) return make_error(Errc::invalid_argument, where + "agent.dns_address: " + e.error().message);
    if (e->port == 0) return make_error(Errc::invalid_argument, where + "agent.dns_address: \"" + text + "\": port 0");
    c.dns_addresses.push_back(*e);
  }
  return ok();
}

Result<void> parse_agent(const json& a, const std::string& where, AgentConfig& c) {
  if (!a.is_object()) return type_error(where, "agent", "an object", a);
  NETMOD_TRY(check_keys(a, {"fabric_address", "lease_ttl_seconds", "resync_seconds", "gc_grace_seconds", "metrics_address",
                            "dns_address", "dns_domain"},
                        where + "agent: "));
  if (a.contains("fabric_address")) {
    const json& f = a["fabric_address"];
    std::vector<json> items = f.is_array() ? std::vector<json>(f.begin(), f.end()) : std::vector<json>{f};
    c.fabric_addresses.clear();
    for (const auto& i : items) {
      auto ip = i.is_string() ? net::IpAddress::parse(i.get<std::string>()) : make_error(Errc::invalid_argument, "");
      if (!ip) return type_error(where, "agent.fabric_address", "an IP address or a list of them", f);
      c.fabric_addresses.push_back(*ip);
    }
  }
  auto seconds = [&](const char* key, int min, int max, int& out) -> Result<void> {
    if (!a.contains(key)) return ok();
    const json& v = a[key];
    if (!v.is_number_integer() || v.get<int64_t>() < min || v.get<int64_t>() > max) {
      return type_error(where, std::string("agent.") + key,
                        ("an integer from " + std::to_string(min) + " to " + std::to_string(max)).c_str(), v);
    }
    out = v.get<int>();
    return ok();
  };
  NETMOD_TRY(seconds("lease_ttl_seconds", 2, 3600, c.lease_ttl_seconds));
  NETMOD_TRY(seconds("resync_seconds", 1, 86400, c.resync_seconds));
  NETMOD_TRY(seconds("gc_grace_seconds", 0, 86400, c.gc_grace_seconds));
  if (a.contains("metrics_address")) {
    const json& m = a["metrics_address"];
    const bool ok_shape = m.is_string() && (m.get_ref<const std::string&>().empty() ||
                                            m.get_ref<const std::string&>().rfind(':') != std::string::npos);
    if (!ok_shape) return type_error(where, "agent.metrics_address", "\"address:port\" or \"\"", m);
    c.metrics_address = m.get<std::string>();
  }
  if (a.contains("dns_address")) NETMOD_TRY(parse_dns_address(a["dns_address"], where, c));
  if (a.contains("dns_domain")) {
    const json& d = a["dns_domain"];
    if (!d.is_string()) return type_error(where, "agent.dns_domain", "a DNS domain such as \"marathon.mesos\"", d);
    auto domain = dns::Domain::parse(d.get<std::string>());
    if (!domain) return make_error(Errc::invalid_argument, where + "agent.dns_domain: " + domain.error().message);
    c.dns_domain = *domain;
  }
  return ok();
}

}  // namespace

Result<Config> parse_config(std::string_view text, const std::string& source, const Config& base) {
  std::string where = "config " + source + ": ";
  auto parsed = parse_json(text, "config " + source);
  if (!parsed) return std::move(parsed).error();
  json doc = std::move(*parsed);
  if (!doc.is_object()) return make_error(Errc::invalid_argument, where + "must be a JSON object");
  NETMOD_TRY(
      check_keys(doc, {"datastore", "hostname", "default_pools", "release_cooldown_seconds", "mtu", "agent"}, where));
  Config c = base;
  c.source = base.source == default_config().source ? source : source + " over " + base.source;

  if (doc.contains("datastore")) NETMOD_TRY(parse_datastore(doc["datastore"], where, c.datastore));
  if (doc.contains("agent")) NETMOD_TRY(parse_agent(doc["agent"], where, c.agent));
  if (doc.contains("hostname")) {
    if (!doc["hostname"].is_string()) return type_error(where, "hostname", "a string", doc["hostname"]);
    auto h = ipam::parse_hostname(doc["hostname"].get<std::string>());
    if (!h) return make_error(Errc::invalid_argument, where + h.error().message);
    c.hostname = *h;
  }
  if (doc.contains("default_pools")) {
    const json& pools = doc["default_pools"];
    if (!pools.is_array()) return type_error(where, "default_pools", "a list", pools);
    c.default_pools.clear();
    for (const json& p : pools) {
      if (!p.is_object()) return type_error(where, "default_pools[]", "an object", p);
      NETMOD_TRY(check_keys(p, {"cidr", "block_size", "nat_outgoing"}, where + "default_pools: "));
      if (!p.contains("cidr") || !p["cidr"].is_string()) {
        return type_error(where, "default_pools[].cidr", "a CIDR string", p.value("cidr", json()));
      }
      auto cidr = net::Cidr::parse(p["cidr"].get<std::string>());
      if (!cidr) return make_error(Errc::invalid_argument, where + "default_pools: " + cidr.error().message);
      ipam::PoolSpec spec{*cidr};
      if (p.contains("block_size")) {
        if (!p["block_size"].is_number_unsigned()) {
          return type_error(where, "default_pools[].block_size", "a prefix length", p["block_size"]);
        }
        spec.block_size = p["block_size"].get<unsigned>();
      }
      if (p.contains("nat_outgoing")) {
        if (!p["nat_outgoing"].is_boolean()) {
          return type_error(where, "default_pools[].nat_outgoing", "true or false", p["nat_outgoing"]);
        }
        spec.nat_outgoing = p["nat_outgoing"].get<bool>();
      }
      auto pool = ipam::make_pool(spec);
      if (!pool) return make_error(Errc::invalid_argument, where + "default_pools: " + pool.error().message);
      c.default_pools.push_back(spec);
    }
  }
  if (doc.contains("release_cooldown_seconds")) {
    const json& s = doc["release_cooldown_seconds"];
    if (!s.is_number_unsigned() || s.get<uint64_t>() > 86400) {
      return type_error(where, "release_cooldown_seconds", "an integer from 0 to 86400", s);
    }
    c.release_cooldown_ms = s.get<int64_t>() * 1000;
  }
  if (doc.contains("mtu")) {
    const json& m = doc["mtu"];
    if (!m.is_number_unsigned() || m.get<uint64_t>() < 576 || m.get<uint64_t>() > 65535) {
      return type_error(where, "mtu", "an integer from 576 to 65535", m);
    }
    c.mtu = m.get<uint32_t>();
  }
  return c;
}

Result<Config> load_config(const std::optional<std::string>& flag_path,
                           const std::function<const char*(const char*)>& getenv) {
  std::string path;
  bool must_exist = true;
  if (flag_path) {
    path = *flag_path;
  } else if (const char* env = getenv("NETMOD_CONFIG"); env && *env) {
    path = env;
  } else {
    path = kDefaultConfigPath;
    must_exist = false;
  }
  std::ifstream in(path);
  if (!in) {
    if (!must_exist && errno == ENOENT) return default_config();
    Error e = sys_error("cannot read config file " + path);
    e.code = Errc::invalid_argument;
    return e;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_config(ss.str(), path);
}

std::string machine_hostname() {
  utsname u{};
  if (uname(&u) != 0) return "localhost";
  return u.nodename;
}

std::string effective_hostname(const Config& config) {
  return config.hostname ? *config.hostname : machine_hostname();
}

Result<std::unique_ptr<store::Store>> open_store(const DatastoreConfig& config, bool long_lived) {
  if (config.type == "etcd") {
    store::EtcdOptions o;
    o.http.endpoints = config.endpoints;
    o.http.timeout = std::chrono::milliseconds(config.timeout_ms);
    o.http.ca_file = config.tls_ca;
    o.http.cert_file = config.tls_cert;
    o.http.key_file = config.tls_key;
    o.prefix = config.prefix;
    NETMOD_ASSIGN_OR_RETURN(auto s, store::EtcdStore::open(std::move(o)));
    return std::unique_ptr<store::Store>(std::move(s));
  }
  NETMOD_ASSIGN_OR_RETURN(auto s, store::SqliteStore::open({config.path, config.busy_timeout_ms, !long_lived}));
  return std::unique_ptr<store::Store>(std::move(s));
}

ipam::IpamOptions ipam_options(const Config& config) {
  ipam::IpamOptions o;
  o.release_cooldown_ms = config.release_cooldown_ms;
  o.default_pools = config.default_pools;
  return o;
}

}  // namespace netmod::config

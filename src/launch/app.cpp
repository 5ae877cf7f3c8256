#include "launch/app.hpp"

#include "common/json_fields.hpp"
#include "common/text.hpp"
#include "ipam/names.hpp"

namespace netmod::launch {

using nlohmann::json;

namespace {

inline constexpr unsigned kMaxInstances = 1000;

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t at = s.find(sep, start);
    out.emplace_back(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return out;
    start = at + 1;
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool segment_ok(std::string_view s) {
  if (s.empty()) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(s.front()) || !alnum(s.back())) return false;
  for (char c : s) {
    if (!alnum(c) && c != '-' && c != '.') return false;
  }
  return true;
}

Result<std::vector<std::string>> strings_of(const JsonObject& o, std::string_view key) {
  return o.strings(key);  // names the member on a wrong type
}

Result<std::map<std::string, std::string>> string_map(const JsonObject& o, std::string_view key) {
  std::map<std::string, std::string> out;
  NETMOD_ASSIGN_OR_RETURN(auto obj, o.object(key));
  if (!obj) return out;
  for (const auto& [k, v] : obj->value().items()) {
    if (!v.is_string()) return obj->type_error(k, "a string");
    out[k] = v.get<std::string>();
  }
  return out;
}

Result<std::vector<std::string>> netgroups_of(const std::vector<std::string>& names, const std::string& where) {
  auto parsed = ipam::parse_netgroups(names);
  if (!parsed) return make_error(Errc::invalid_argument, where + ": " + parsed.error().message);
  return parsed;
}

// `ipAddress` (the seed's Marathon): one own IPv4 address in its groups.
Result<void> read_ip_address(const JsonObject& ip, AppSpec& app) {
  app.host_network = false;
  NETMOD_ASSIGN_OR_RETURN(auto groups, strings_of(ip, "groups"));
  NETMOD_ASSIGN_OR_RETURN(app.netgroups, netgroups_of(groups, ip.where("groups")));
  NETMOD_ASSIGN_OR_RETURN(app.labels, string_map(ip, "labels"));
  NETMOD_ASSIGN_OR_RETURN(auto discovery, ip.object("discovery"));
  if (!discovery) return ok();
  NETMOD_ASSIGN_OR_RETURN(const json* ports, discovery->array("ports"));
  if (!ports) return ok();
  for (size_t i = 0; i < ports->size(); ++i) {
    NETMOD_ASSIGN_OR_RETURN(auto p, JsonObject::as_object((*ports)[i], discovery->where("ports") + "[" + std::to_string(i) + "]"));
    DiscoveryPort d;
    NETMOD_ASSIGN_OR_RETURN(auto name, p.string("name"));
    d.name = name.value_or("");
    NETMOD_ASSIGN_OR_RETURN(auto number, p.integer("number", 1, 65535));
    if (!number) return make_error(Errc::invalid_argument, p.where("number") + " is required (1-65535)");
    d.number = static_cast<uint16_t>(*number);
    NETMOD_ASSIGN_OR_RETURN(auto proto, p.string("protocol"));
    d.protocol = proto.value_or("tcp");
    if (d.protocol != "tcp" && d.protocol != "udp") return p.type_error("protocol", "\"tcp\" or \"udp\"");
    app.discovery.push_back(std::move(d));
  }
  return ok();
}

// Marathon >= 1.5: `networks: [{"mode": "container", "name", "labels"}]`;
// netgroups come from the label "netgroups" (comma-separated), as Mesos
// then sends no groups (DESIGN.md).
Result<void> read_networks(const JsonObject& app_obj, const json& networks, AppSpec& app) {
  for (size_t i = 0; i < networks.size(); ++i) {
    const std::string where = app_obj.where("networks") + "[" + std::to_string(i) + "]";
    NETMOD_ASSIGN_OR_RETURN(auto n, JsonObject::as_object(networks[i], where + "."));
    NETMOD_ASSIGN_OR_RETURN(auto mode, n.string("mode"));
    const std::string m = mode.value_or("container");
    if (m == "host") continue;
    if (m != "container" && m != "container/bridge") return n.type_error("mode", "\"host\", \"container\" or \"container/bridge\"");
    app.host_network = false;
    NETMOD_ASSIGN_OR_RETURN(auto labels, string_map(n, "labels"));
    for (auto& [k, v] : labels) app.labels[k] = v;
    if (auto it = labels.find("netgroups"); it != labels.end()) {
      std::vector<std::string> names;
      for (const auto& g : split(it->second, ',')) {
        if (!trim(g).empty()) names.emplace_back(trim(g));
      }
      NETMOD_ASSIGN_OR_RETURN(auto groups, netgroups_of(names, n.where("labels") + ".netgroups"));
      app.netgroups.insert(app.netgroups.end(), groups.begin(), groups.end());
      NETMOD_ASSIGN_OR_RETURN(app.netgroups, ipam::parse_netgroups(app.netgroups));
    }
  }
  return ok();
}

Result<AppSpec> read_app(const JsonObject& o, std::string_view parent, const std::string& base_dir) {
  AppSpec app;
  NETMOD_ASSIGN_OR_RETURN(auto id, o.string("id"));
  if (!id) return make_error(Errc::invalid_argument, o.where("id") + " is required");
  NETMOD_ASSIGN_OR_RETURN(app.id, absolute_app_id(*id, parent));
  NETMOD_ASSIGN_OR_RETURN(auto cmd, o.string("cmd"));
  if (!cmd || trim(*cmd).empty()) return make_error(Errc::invalid_argument, o.where("cmd") + " is required (app " + app.id + ")");
  app.cmd = *cmd;
  NETMOD_ASSIGN_OR_RETURN(auto instances, o.integer("instances", 0, kMaxInstances));
  app.instances = static_cast<unsigned>(instances.value_or(1));
  NETMOD_ASSIGN_OR_RETURN(auto ip, o.object("ipAddress"));
  if (ip) NETMOD_TRY(read_ip_address(*ip, app));
  NETMOD_ASSIGN_OR_RETURN(const json* networks, o.array("networks"));
  if (networks) NETMOD_TRY(read_networks(o, *networks, app));
  NETMOD_ASSIGN_OR_RETURN(const json* ports, o.array("ports"));
  if (ports) {
    for (size_t i = 0; i < ports->size(); ++i) {
      const json& p = (*ports)[i];
      if (!p.is_number_integer() || p.get<int64_t>() < 0 || p.get<int64_t>() > 65535) {
        return make_error(Errc::invalid_argument, o.where("ports") + "[" + std::to_string(i) + "] must be a port number (0-65535)");
      }
      // 0: "any port" in Marathon; nothing to claim.
      if (p.get<int64_t>() > 0) app.ports.push_back(static_cast<uint16_t>(p.get<int64_t>()));
    }
  }
  NETMOD_ASSIGN_OR_RETURN(auto require, o.boolean("requirePorts"));
  app.require_ports = require.value_or(false);
  NETMOD_ASSIGN_OR_RETURN(auto uris, strings_of(o, "uris"));
  for (auto& u : uris) {
    std::string path = u.starts_with("file://") ? u.substr(7) : u;
    if (path.find("://") != std::string::npos) {
      return make_error(Errc::invalid_argument, o.where("uris") + ": only file URIs and paths are supported, got " + quote(u));
    }
    if (!path.starts_with("/")) path = base_dir + "/" + path;
    app.uris.push_back(std::move(path));
  }
  NETMOD_ASSIGN_OR_RETURN(app.env, string_map(o, "env"));
  return app;
}

Result<void> read_group(const JsonObject& o, std::string_view parent, const std::string& base_dir,
                        std::vector<AppSpec>& out) {
  NETMOD_ASSIGN_OR_RETURN(auto id, o.string("id"));
  std::string path = std::string(parent);
  if (id) {
    NETMOD_ASSIGN_OR_RETURN(path, absolute_app_id(*id, parent));
  }
  NETMOD_ASSIGN_OR_RETURN(const json* apps, o.array("apps"));
  if (apps) {
    for (size_t i = 0; i < apps->size(); ++i) {
      NETMOD_ASSIGN_OR_RETURN(auto a, JsonObject::as_object((*apps)[i], o.where("apps") + "[" + std::to_string(i) + "]."));
      NETMOD_ASSIGN_OR_RETURN(auto app, read_app(a, path, base_dir));
      out.push_back(std::move(app));
    }
  }
  NETMOD_ASSIGN_OR_RETURN(const json* groups, o.array("groups"));
  if (groups) {
    for (size_t i = 0; i < groups->size(); ++i) {
      NETMOD_ASSIGN_OR_RETURN(auto g, JsonObject::as_object((*groups)[i], o.where("groups") + "[" + std::to_string(i) + "]."));
      NETMOD_TRY(read_group(g, path, base_dir, out));
    }
  }
  return ok();
}

}  // namespace

Result<std::string> absolute_app_id(std::string_view id, std::string_view parent) {
  std::vector<std::string> segments;
  if (!id.starts_with("/")) {
    for (const auto& s : split(parent, '/')) {
      if (!s.empty()) segments.emplace_back(s);
    }
  }
  for (const auto& s : split(id, '/')) {
    if (s.empty() || s == ".") continue;
    if (s == "..") {
      if (segments.empty()) return make_error(Errc::invalid_argument, "app id " + quote(id) + " climbs above the root");
      segments.pop_back();
      continue;
    }
    if (!segment_ok(s)) {
      return make_error(Errc::invalid_argument,
                        "app id " + quote(id) +
                            ": each segment must be lower-case letters, digits, '-' and '.', starting and ending with a letter or digit");
    }
    segments.emplace_back(s);
  }
  if (segments.empty()) return make_error(Errc::invalid_argument, "app id " + quote(id) + " is empty");
  std::string out;
  for (const auto& s : segments) out += "/" + s;
  return out;
}

Result<std::vector<AppSpec>> parse_apps(std::string_view text, const std::string& base_dir) {
  NETMOD_ASSIGN_OR_RETURN(auto doc, parse_json(text, "app definition"));
  NETMOD_ASSIGN_OR_RETURN(auto o, JsonObject::as_object(doc, ""));
  std::vector<AppSpec> apps;
  if (o.has("apps") || o.has("groups")) {
    NETMOD_TRY(read_group(o, "/", base_dir, apps));
  } else {
    NETMOD_ASSIGN_OR_RETURN(auto app, read_app(o, "/", base_dir));
    apps.push_back(std::move(app));
  }
  if (apps.empty()) return make_error(Errc::invalid_argument, "app definition: the group has no apps");
  for (size_t i = 0; i < apps.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (apps[i].id == apps[j].id) return make_error(Errc::invalid_argument, "app definition: two apps have the id " + apps[i].id);
    }
  }
  return apps;
}

std::string task_id(const std::string& app, unsigned index) {
  std::string out;
  for (const auto& s : split(app, '/')) {
    if (s.empty()) continue;
    if (!out.empty()) out += ".";
    out += s;
  }
  return out + "." + std::to_string(index);
}

bool app_within(std::string_view app, std::string_view id) {
  if (id.size() > 1 && id.back() == '/') id.remove_suffix(1);
  if (id == "/") return true;
  return app == id || (app.starts_with(id) && app.size() > id.size() && app[id.size()] == '/');
}

}  // namespace netmod::launch

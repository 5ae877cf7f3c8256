#include "records/tasks.hpp"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "common/json_fields.hpp"
#include "ipam/keys.hpp"

namespace netmod::records {

using nlohmann::json;

namespace keys {
std::string task(std::string_view id) { return std::string(kTasks) + ipam::keys::escape_segment(id); }
std::string name_prefix(std::string_view name) { return std::string(kNames) + ipam::keys::escape_segment(name) + "/"; }
std::string name(std::string_view name, std::string_view task_id) {
  return name_prefix(name) + ipam::keys::escape_segment(task_id);
}
std::string port(std::string_view host, std::string_view proto, uint16_t port) {
  return std::string(kPorts) + ipam::keys::escape_segment(host) + "/" + ipam::keys::escape_segment(proto) + "/" +
         std::to_string(port);
}
}  // namespace keys

std::string_view to_string(TaskState s) {
  switch (s) {
    case TaskState::waiting: return "waiting";
    case TaskState::starting: return "starting";
    case TaskState::running: return "running";
  }
  return "?";
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

std::string encode_task(const TaskRecord& r) {
  return json{{"id", r.id},
              {"app", r.app},
              {"name", r.name},
              {"host", r.host},
              {"state", std::string(to_string(r.state))},
              {"addresses", address_list(r.addresses)},
              {"netgroups", r.netgroups},
              {"labels", r.labels},
              {"host_network", r.host_network},
              {"ports", r.ports},
              {"pid", r.pid},
              {"pid_start", r.pid_start},
              {"boot_id", r.boot_id},
              {"started_ms", r.started_ms},
              {"stop_requested", r.stop_requested}}
      .dump();
}

Result<TaskRecord> decode_task(std::string_view text) {
  NETMOD_ASSIGN_OR_RETURN(auto doc, parse_json(text, "task record"));
  NETMOD_ASSIGN_OR_RETURN(auto o, JsonObject::as_object(doc, "task record: "));
  TaskRecord r;
  NETMOD_ASSIGN_OR_RETURN(auto id, o.string("id"));
  if (!id || id->empty()) return make_error(Errc::corrupt, "task record: no \"id\"");
  r.id = *id;
  NETMOD_ASSIGN_OR_RETURN(auto app, o.string("app"));
  r.app = app.value_or("");
  NETMOD_ASSIGN_OR_RETURN(auto name, o.string("name"));
  r.name = name.value_or("");
  NETMOD_ASSIGN_OR_RETURN(auto host, o.string("host"));
  r.host = host.value_or("");
  NETMOD_ASSIGN_OR_RETURN(auto state, o.string("state"));
  if (state == "running") {
    r.state = TaskState::running;
  } else if (state == "starting") {
    r.state = TaskState::starting;
  } else if (!state || state == "waiting") {
    r.state = TaskState::waiting;
  } else {
    return make_error(Errc::corrupt, "task record " + r.id + ": unknown state " + *state);
  }
  NETMOD_ASSIGN_OR_RETURN(r.addresses, parse_addresses(o, "addresses"));
  NETMOD_ASSIGN_OR_RETURN(r.netgroups, o.strings("netgroups"));
  NETMOD_ASSIGN_OR_RETURN(auto labels, o.object("labels"));
  if (labels) {
    for (const auto& [k, v] : labels->value().items()) {
      if (!v.is_string()) return make_error(Errc::corrupt, "task record " + r.id + ": label " + k + " is not a string");
      r.labels[k] = v.get<std::string>();
    }
  }
  NETMOD_ASSIGN_OR_RETURN(auto hn, o.boolean("host_network"));
  r.host_network = hn.value_or(false);
  NETMOD_ASSIGN_OR_RETURN(const json* ports, o.array("ports"));
  if (ports) {
    for (const auto& p : *ports) {
      if (!p.is_number_unsigned() || p.get<uint64_t>() < 1 || p.get<uint64_t>() > 65535) {
        return make_error(Errc::corrupt, "task record " + r.id + ": bad port");
      }
      r.ports.push_back(static_cast<uint16_t>(p.get<uint64_t>()));
    }
  }
  NETMOD_ASSIGN_OR_RETURN(auto pid, o.integer("pid", 0, INT32_MAX));
  r.pid = pid.value_or(0);
  NETMOD_ASSIGN_OR_RETURN(auto pid_start, o.integer("pid_start", 0, INT64_MAX));
  r.pid_start = pid_start.value_or(0);
  NETMOD_ASSIGN_OR_RETURN(auto boot, o.string("boot_id"));
  r.boot_id = boot.value_or("");
  NETMOD_ASSIGN_OR_RETURN(auto started, o.integer("started_ms", 0, INT64_MAX));
  r.started_ms = started.value_or(0);
  NETMOD_ASSIGN_OR_RETURN(auto stop, o.boolean("stop_requested"));
  r.stop_requested = stop.value_or(false);
  return r;
}

std::string encode_port_claim(std::string_view task_id) { return json{{"task", std::string(task_id)}}.dump(); }

Result<std::string> decode_port_claim(std::string_view text) {
  NETMOD_ASSIGN_OR_RETURN(auto doc, parse_json(text, "port claim"));
  NETMOD_ASSIGN_OR_RETURN(auto o, JsonObject::as_object(doc, "port claim: "));
  NETMOD_ASSIGN_OR_RETURN(auto task, o.string("task"));
  if (!task || task->empty()) return make_error(Errc::corrupt, "port claim: no \"task\"");
  return *task;
}

namespace {

// The escaped segments of `key` after `prefix`, or nothing when it has
// not exactly `n` non-empty ones (escaped segments never hold a '/').
std::optional<std::vector<std::string>> segments(std::string_view key, std::string_view prefix, size_t n) {
  if (!key.starts_with(prefix)) return std::nullopt;
  key.remove_prefix(prefix.size());
  std::vector<std::string> out;
  while (true) {
    const size_t slash = key.find('/');
    const std::string_view seg = key.substr(0, slash);
    if (seg.empty()) return std::nullopt;
    out.push_back(ipam::keys::unescape_segment(seg));
    if (slash == std::string_view::npos) break;
    key.remove_prefix(slash + 1);
  }
  if (out.size() != n) return std::nullopt;
  return out;
}

std::optional<uint16_t> port_number(std::string_view text) {
  unsigned v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 1 || v > 65535) return std::nullopt;
  return static_cast<uint16_t>(v);
}

}  // namespace

Result<std::vector<NameEntry>> list_names(store::Tx& tx, size_t& unreadable) {
  NETMOD_ASSIGN_OR_RETURN(auto kvs, tx.list(keys::kNames));
  std::vector<NameEntry> out;
  for (auto& kv : kvs) {
    auto seg = segments(kv.key, keys::kNames, 2);
    if (!seg) {
      ++unreadable;
      continue;
    }
    out.push_back({std::move(kv.key), (*seg)[0], (*seg)[1]});
  }
  return out;
}

Result<std::vector<PortClaim>> list_port_claims(store::Tx& tx, size_t& unreadable) {
  NETMOD_ASSIGN_OR_RETURN(auto kvs, tx.list(keys::kPorts));
  std::vector<PortClaim> out;
  for (auto& kv : kvs) {
    auto seg = segments(kv.key, keys::kPorts, 3);
    auto holder = decode_port_claim(kv.value);
    auto port = seg ? port_number((*seg)[2]) : std::nullopt;
    if (!port || !holder) {
      ++unreadable;
      continue;
    }
    out.push_back({std::move(kv.key), (*seg)[0], (*seg)[1], *port, std::move(*holder)});
  }
  return out;
}

Result<std::set<std::string>> list_task_ids(store::Tx& tx) {
  NETMOD_ASSIGN_OR_RETURN(auto kvs, tx.list(keys::kTasks));
  std::set<std::string> out;
  for (const auto& kv : kvs) out.insert(ipam::keys::unescape_segment(std::string_view(kv.key).substr(keys::kTasks.size())));
  return out;
}

Result<bool> remove_task_records(store::Tx& tx, std::string_view id) {
  NETMOD_ASSIGN_OR_RETURN(auto kv, tx.get(keys::task(id)));
  if (!kv) return false;
  tx.del(keys::task(id));
  auto rec = decode_task(kv->value);
  if (!rec) return true;
  if (!rec->host.empty()) {
    for (uint16_t p : rec->ports) {
      const std::string k = keys::port(rec->host, "tcp", p);
      NETMOD_ASSIGN_OR_RETURN(auto held, tx.get(k));
      if (!held) continue;
      auto holder = decode_port_claim(held->value);
      if (holder && *holder == id) tx.del(k);  // another task's claim stays
    }
  }
  for (const auto& n : mesos_dns_names(rec->app)) tx.del(keys::name(n, id));
  return true;
}

std::string encode_name(const NameRecord& r) { return json{{"addresses", address_list(r.addresses)}}.dump(); }

Result<NameRecord> decode_name(std::string_view text) {
  NETMOD_ASSIGN_OR_RETURN(auto doc, parse_json(text, "name record"));
  NETMOD_ASSIGN_OR_RETURN(auto o, JsonObject::as_object(doc, "name record: "));
  NameRecord r;
  NETMOD_ASSIGN_OR_RETURN(r.addresses, parse_addresses(o, "addresses"));
  return r;
}

std::string dns_label(std::string_view segment) {
  std::string out;
  for (char c : segment) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c == '.' || c == '_') c = '-';
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') out.push_back(c);
    if (out.size() == 63) break;
  }
  return out;
}

std::vector<std::string> mesos_dns_names(std::string_view app_id) {
  std::vector<std::string> labels;
  size_t start = 0;
  while (start <= app_id.size()) {
    size_t slash = app_id.find('/', start);
    if (slash == std::string_view::npos) slash = app_id.size();
    std::string label = dns_label(app_id.substr(start, slash - start));
    if (!label.empty()) labels.push_back(std::move(label));
    start = slash + 1;
  }
  if (labels.empty()) return {};
  std::reverse(labels.begin(), labels.end());
  std::string dotted = labels[0];
  std::string dashed = labels[0];
  for (size_t i = 1; i < labels.size(); ++i) {
    dotted += "." + labels[i];
    dashed += "-" + labels[i];
  }
  // Mesos-DNS makes the dashed form a single label, so it too is cut to 63.
  if (dashed.size() > 63) dashed.resize(63);
  if (dotted == dashed) return {dotted};
  return {dotted, dashed};
}

Result<std::optional<std::vector<net::IpAddress>>> lookup_name(store::Store& store, std::string_view name) {
  NETMOD_ASSIGN_OR_RETURN(auto kvs, store.list(keys::name_prefix(name)));
  if (kvs.empty()) return std::optional<std::vector<net::IpAddress>>{};
  std::vector<net::IpAddress> out;
  for (const auto& kv : kvs) {
    auto rec = decode_name(kv.value);
    if (!rec) continue;  // one bad record does not hide the others
    for (const auto& a : rec->addresses) {
      if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
    }
  }
  return std::optional<std::vector<net::IpAddress>>(std::move(out));
}

}  // namespace netmod::records

#include "star/status.hpp"

namespace netmod::star {

namespace {

using json = nlohmann::json;

std::vector<std::string> split_list(const char* value) {
  std::vector<std::string> out;
  if (!value) return out;
  std::string item;
  for (const char* p = value;; ++p) {
    if (*p == ',' || *p == '\0') {
      // Spaces around items come from hand-written environments.
      const size_t b = item.find_first_not_of(' '), e = item.find_last_not_of(' ');
      if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
      item.clear();
      if (*p == '\0') break;
    } else {
      item += *p;
    }
  }
  return out;
}

std::vector<std::string> strings_of(const json& v) {
  std::vector<std::string> out;
  if (!v.is_array()) return out;
  for (const auto& s : v) {
    if (s.is_string()) out.push_back(s.get<std::string>());
  }
  return out;
}

std::string string_of(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

ProbeIdentity identity_from_env(const Getenv& getenv) {
  auto text = [&](const char* name) {
    const char* v = getenv(name);
    return std::string(v ? v : "");
  };
  ProbeIdentity id;
  id.name = text("NETMOD_TASK_NAME");
  id.app = text("NETMOD_APP_ID");
  id.host = text("NETMOD_HOST");
  id.addresses = split_list(getenv("NETMOD_TASK_ADDRESSES"));
  id.netgroups = split_list(getenv("NETMOD_NETGROUPS"));
  return id;
}

json status_json(const std::vector<TargetStatus>& targets, const ProbeIdentity& identity) {
  json list = json::array();
  for (const auto& t : targets) list.push_back({{"reachable", t.reachable}, {"url", t.url}});
  return {{"status", {{"targets", std::move(list)}}},
          {"probe",
           {{"name", identity.name},
            {"app", identity.app},
            {"host", identity.host},
            {"addresses", identity.addresses},
            {"netgroups", identity.netgroups}}}};
}

Result<ProbeStatus> parse_status(const json& body) {
  auto not_probe = [] {
    return make_error(Errc::invalid_argument, "not a probe's status: no status.targets list");
  };
  if (!body.is_object()) return not_probe();
  auto status = body.find("status");
  if (status == body.end() || !status->is_object()) return not_probe();
  auto targets = status->find("targets");
  if (targets == status->end() || !targets->is_array()) return not_probe();
  ProbeStatus out;
  for (const auto& t : *targets) {
    if (!t.is_object()) continue;
    auto url = t.find("url");
    if (url == t.end() || !url->is_string()) continue;
    auto reachable = t.find("reachable");
    out.targets.push_back({url->get<std::string>(), reachable != t.end() && reachable->is_boolean() &&
                                                        reachable->get<bool>()});
  }
  if (auto p = body.find("probe"); p != body.end() && p->is_object()) {
    ProbeIdentity id;
    id.name = string_of(*p, "name");
    id.app = string_of(*p, "app");
    id.host = string_of(*p, "host");
    if (auto a = p->find("addresses"); a != p->end()) id.addresses = strings_of(*a);
    if (auto g = p->find("netgroups"); g != p->end()) id.netgroups = strings_of(*g);
    out.identity = std::move(id);
  }
  return out;
}

}  // namespace netmod::star

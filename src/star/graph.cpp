#include "star/graph.hpp"

#include <ctime>

namespace netmod::star {

using json = nlohmann::json;

std::string iso8601_utc(int64_t unix_ms) {
  const time_t secs = static_cast<time_t>(unix_ms / 1000);
  tm t{};
  gmtime_r(&secs, &t);
  char buf[40];
  const size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &t);
  std::string out(buf, n);
  char ms[8];
  snprintf(ms, sizeof ms, ".%03dZ", static_cast<int>(unix_ms % 1000));
  return out + ms;
}

json graph_json(const GraphInput& in) {
  static const std::vector<Resource> kNoResources;
  static const Responses kNoResponses;
  static const std::map<std::string, ProbeIdentity> kNoIdentities;
  const auto& resources = in.resources ? *in.resources : kNoResources;
  const auto& responses = in.responses ? *in.responses : kNoResponses;
  const auto& identities = in.identities ? *in.identities : kNoIdentities;

  json nodes = json::array();
  int answering = 0;
  for (const auto& r : resources) {
    const Response* resp = nullptr;
    if (auto it = responses.find(r.id); it != responses.end() && it->second) resp = &*it->second;
    std::optional<ProbeStatus> status;
    if (resp) {
      if (auto s = parse_status(resp->body)) status = std::move(*s);
    }
    const bool answered = status.has_value();
    answering += answered;
    json node = {{"id", r.id},
                 {"url", r.url.text},
                 {"url_host", r.url.host},
                 {"answered", answered},
                 {"status_code", resp ? json(resp->status_code) : json(nullptr)}};
    auto known = identities.find(r.id);
    const ProbeIdentity* id = known != identities.end() ? &known->second : nullptr;
    node["identified"] = id != nullptr;
    node["name"] = id && !id->name.empty() ? id->name : r.url.host;
    node["app"] = id ? id->app : "";
    node["host"] = id ? id->host : "";
    node["addresses"] = id ? id->addresses : std::vector<std::string>{};
    node["netgroups"] = id ? id->netgroups : std::vector<std::string>{};
    int reachable = 0;
    if (status) {
      for (const auto& t : status->targets) reachable += t.reachable;
    }
    node["targets"] = status ? status->targets.size() : 0;
    node["reachable_targets"] = reachable;
    nodes.push_back(std::move(node));
  }

  json edges = json::array();
  for (const auto& [from, row] : compute_matrix(resources, responses)) {
    for (const auto& [to, connected] : row) {
      if (connected) edges.push_back({{"from", from}, {"to", to}});
    }
  }
  return {{"title", in.title},
          {"revision", in.revision},
          {"updated", in.updated_ms ? json(iso8601_utc(in.updated_ms)) : json(nullptr)},
          {"updated_ms", in.updated_ms},
          {"interval_ms", in.interval_ms},
          {"answering", answering},
          {"probes", resources.size()},
          {"nodes", std::move(nodes)},
          {"edges", std::move(edges)}};
}

}  // namespace netmod::star

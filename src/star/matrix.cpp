#include "star/matrix.hpp"

#include <set>

#include "star/status.hpp"

namespace netmod::star {

using json = nlohmann::json;

Matrix compute_matrix(const std::vector<Resource>& resources, const Responses& responses) {
  Matrix m;
  for (const auto& from : resources) {
    // The URLs this probe last reached; none when it did not answer or
    // answered with something that is not a probe's status.
    std::set<std::string> reached;
    if (auto it = responses.find(from.id); it != responses.end() && it->second) {
      if (auto status = parse_status(it->second->body)) {
        for (const auto& t : status->targets) {
          if (t.reachable) reached.insert(t.url);
        }
      }
    }
    auto& row = m[from.id];
    for (const auto& to : resources) {
      if (to.id != from.id) row[to.id] = reached.count(to.url.text) > 0;
    }
  }
  return m;
}

json resources_json(const std::vector<Resource>& resources) {
  json list = json::array();
  for (const auto& r : resources) list.push_back({{"id", r.id}, {"url", r.url.text}});
  return {{"resources", std::move(list)}};
}

json responses_json(const std::vector<Resource>& resources, const Responses& responses) {
  json out = json::object();
  for (const auto& r : resources) {
    auto it = responses.find(r.id);
    if (it == responses.end() || !it->second) {
      out[r.id] = nullptr;
    } else {
      out[r.id] = {{"url", it->second->url}, {"statusCode", it->second->status_code}, {"json", it->second->body}};
    }
  }
  return {{"responses", std::move(out)}};
}

json matrix_json(const Matrix& matrix) {
  json out = json::object();
  for (const auto& [from, row] : matrix) {
    json r = json::object();
    for (const auto& [to, connected] : row) r[to] = connected;
    out[from] = std::move(r);
  }
  return out;
}

}  // namespace netmod::star

// The collector's view of the probes, in the seed's shapes:
//   GET /resources  {"resources": [{"id": "A", "url": "..."}]}
//   GET /responses  {"responses": {"A": {"url": "...", "statusCode": 200,
//                                        "json": <the probe's body>} | null}}
//   GET /matrix     {"A": {"B": true, "C": false}, ...}
// A→B holds where one of A's targets has B's resource URL, exactly as
// written, and A last found it reachable. The seed's page drew those
// arrows from /responses; /matrix is that computation done once, here.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "star/resources.hpp"

namespace netmod::star {

// What the last poll of one resource got: an HTTP answer whose body is JSON.
struct Response {
  std::string url;
  int status_code = 0;
  nlohmann::json body;
};

// By resource id; nullopt (or no entry) when the last poll got no answer or
// an answer that is not JSON.
using Responses = std::map<std::string, std::optional<Response>>;

// from id -> to id -> connected, one entry per ordered pair of distinct ids.
using Matrix = std::map<std::string, std::map<std::string, bool>>;

Matrix compute_matrix(const std::vector<Resource>& resources, const Responses& responses);

nlohmann::json resources_json(const std::vector<Resource>& resources);
nlohmann::json responses_json(const std::vector<Resource>& resources, const Responses& responses);
nlohmann::json matrix_json(const Matrix& matrix);

}  // namespace netmod::star

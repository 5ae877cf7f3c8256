// GET /graph: everything the collector's page draws, in one document, so
// the page makes one request a second and never joins documents itself:
//   {"title": "...", "revision": 42, "updated": "2024-05-01T10:00:00Z",
//    "updated_ms": 1714557600000, "interval_ms": 1000,
//    "answering": 3, "probes": 4,
//    "nodes": [{"id": "A", "url": "http://...", "answered": true,
//               "status_code": 200, "name": "probe-a", "app": "/star/probe-a",
//               "host": "h1", "addresses": ["10.65.0.2"],
//               "netgroups": ["star-1"], "identified": true,
//               "url_host": "probe-a.star.marathon.mesos",
//               "targets": 3, "reachable_targets": 2}],
//    "edges": [{"from": "A", "to": "B"}]}
// A node's name, host, addresses and netgroups come from the "probe"
// member of its last status that had one, kept while the probe does not
// answer so a dead probe keeps its place and colour on the page
// ("identified": true); a seed probe, which has no such member, is named
// by its URL's host.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "star/matrix.hpp"
#include "star/status.hpp"

namespace netmod::star {

struct GraphInput {
  std::string title;
  const std::vector<Resource>* resources = nullptr;
  const Responses* responses = nullptr;
  // The last identity each probe gave, by resource id.
  const std::map<std::string, ProbeIdentity>* identities = nullptr;
  uint64_t revision = 0;
  int64_t updated_ms = 0;  // when the last poll ended (Unix ms); 0: none yet
  int64_t interval_ms = 0;
};

nlohmann::json graph_json(const GraphInput& in);

// "2024-05-01T10:00:00.123Z"
std::string iso8601_utc(int64_t unix_ms);

}  // namespace netmod::star

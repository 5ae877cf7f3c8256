// Fuzz target: what the star collector reads from outside, a probe's
// /status body (star/status.hpp) and URLs (star/url.hpp). Input: a URL on
// the first line, the body after it. A URL that parses has a host, a path
// starting with '/' and an authority that parses back; a body is read into
// /responses, /matrix and /graph, whose JSON must parse again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/json_fields.hpp"
#include "common/json_text.hpp"
#include "star/graph.hpp"
#include "star/status.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace netmod;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nl = input.find('\n');
  const std::string_view url_text = input.substr(0, nl);
  const std::string_view body_text = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);

  std::vector<star::Resource> resources;
  if (auto url = star::Url::parse(url_text)) {
    if (url->host.empty() || url->path.empty() || url->path.front() != '/') std::abort();
    auto again = star::Url::parse("http://" + url->authority() + url->path);
    if (!again || again->host != url->host || again->port != url->port) std::abort();
    resources.push_back({"A", *url});
  }
  auto body = parse_json(body_text, "status");
  if (!body) return 0;
  auto status = star::parse_status(*body);
  star::Responses responses;
  std::map<std::string, star::ProbeIdentity> identities;
  if (!resources.empty()) responses["A"] = star::Response{resources[0].url.text, 200, *body};
  if (status) {
    // Every target URL a probe names becomes a resource: the matrix then
    // compares the body's URLs with URLs parsed from them.
    for (const auto& t : status->targets) {
      auto u = star::Url::parse(t.url);
      if (u && resources.size() < 64) resources.push_back({"T" + std::to_string(resources.size()), *u});
    }
    if (status->identity) identities["A"] = *status->identity;
    // What a probe writes, the collector reads back the same.
    auto back = star::parse_status(star::status_json(status->targets, status->identity.value_or(star::ProbeIdentity{})));
    if (!back || back->targets != status->targets) std::abort();
  }
  star::GraphInput in{"fuzz", &resources, &responses, &identities, 1, 1, 1000};
  if (!parse_json(dump_safely(star::graph_json(in)), "graph")) std::abort();
  if (!parse_json(dump_safely(star::responses_json(resources, responses)), "responses")) std::abort();
  return 0;
}

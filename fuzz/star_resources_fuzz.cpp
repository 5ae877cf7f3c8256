// Fuzz target: the star collector's resources file (star/resources.hpp).
// Whatever parses has unique, non-empty ids and URLs that parse again to
// the same host, port and path; its /resources and /matrix documents are
// JSON that parses.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>

#include "common/json_fields.hpp"
#include "common/json_text.hpp"
#include "star/matrix.hpp"
#include "star/resources.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace netmod;
  auto resources = star::parse_resources(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!resources) {
    if (resources.error().message.empty()) std::abort();
    return 0;
  }
  std::set<std::string> ids;
  for (const auto& r : *resources) {
    if (r.id.empty() || !ids.insert(r.id).second) std::abort();
    auto again = star::Url::parse(r.url.text);
    if (!again || again->host != r.url.host || again->port != r.url.port || again->path != r.url.path) std::abort();
  }
  if (!parse_json(dump_safely(star::resources_json(*resources)), "resources")) std::abort();
  const auto matrix = star::compute_matrix(*resources, {});
  if (matrix.size() != ids.size()) std::abort();
  if (!parse_json(dump_safely(star::matrix_json(matrix)), "matrix")) std::abort();
  return 0;
}

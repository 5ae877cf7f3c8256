// Fuzz target: the CNI result decoder (a prevResult) and the encoders of
// every version. Whatever decodes must encode in every version as JSON
// that parses again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/json_fields.hpp"
#include "plugin/cni/types.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace netmod;
  auto doc = parse_json(std::string_view(reinterpret_cast<const char*>(data), size), "result");
  if (!doc) return 0;
  auto result = plugin::cni::parse_result(*doc);
  if (!result) return 0;
  for (const char* v : plugin::cni::kSupportedVersions) {
    std::string out = plugin::cni::result_json(v, *result);
    if (!parse_json(out, "encoded result")) std::abort();
  }
  return 0;
}

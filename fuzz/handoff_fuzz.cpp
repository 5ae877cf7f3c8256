// Fuzz target: follow-up work handed from a plugin call to the process
// that finishes it (plugin/handoff.hpp). What decodes encodes again to
// text that decodes to the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "plugin/handoff.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto pieces = netmod::plugin::handoff::decode(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!pieces) return 0;
  const std::string again = netmod::plugin::handoff::encode(*pieces);
  auto twice = netmod::plugin::handoff::decode(again);
  if (!twice || netmod::plugin::handoff::encode(*twice) != again) std::abort();
  return 0;
}

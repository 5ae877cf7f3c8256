// Fuzz target: netmod.conf and the netmod keys of a CNI network config.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto c = netmod::config::parse_config(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
  if (c) (void)netmod::config::parse_config("{\"hostname\": \"h\"}", "overlay", *c);
  return 0;
}

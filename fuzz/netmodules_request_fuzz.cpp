// Fuzz target: the net-modules request parser, and the IPAM commands it
// leads to (allocate, reserve, release) against an in-memory store. isolate
// and cleanup stop at the parser: they would act on the kernel.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "plugin/netmodules/netmodules.hpp"
#include "plugin/netmodules/request.hpp"
#include "store/memory_store.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace netmod;
  const std::string input(reinterpret_cast<const char*>(data), size);
  auto request = plugin::netmodules::parse_request(input);
  if (!request) return 0;
  if (std::holds_alternative<plugin::netmodules::IsolateRequest>(*request) ||
      std::holds_alternative<plugin::netmodules::CleanupRequest>(*request)) {
    return 0;
  }
  auto store = std::make_shared<store::MemoryStore>();
  plugin::netmodules::Environment env;
  env.config = config::default_config();
  env.open_store = [store]() -> Result<std::shared_ptr<store::Store>> { return std::shared_ptr<store::Store>(store); };
  std::istringstream in(input);
  std::ostringstream out;
  plugin::netmodules::run(in, out, env);
  return 0;
}

#include "cli/context.hpp"

#include <cstdlib>
#include <iostream>

namespace netmod::cli {

Result<config::Config> Context::load() const {
  return config::load_config(config_path, [](const char* name) { return std::getenv(name); });
}

Result<IpamHandle> open_ipam(const Context& ctx) {
  IpamHandle h;
  NETMOD_ASSIGN_OR_RETURN(h.config, ctx.load());
  NETMOD_ASSIGN_OR_RETURN(h.store, config::open_store(h.config.datastore));
  h.ipam = std::make_unique<ipam::Ipam>(*h.store, config::ipam_options(h.config));
  return h;
}

int fail(const Error& e) {
  std::cerr << "netmod: error: " << e.message << "\n";
  return 1;
}

}  // namespace netmod::cli

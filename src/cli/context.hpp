// What every CLI command shares: the global options and the way to load the
// configuration and open the store from them.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "ipam/ipam.hpp"

namespace CLI {
class App;
}

namespace netmod::cli {

struct Context {
  std::optional<std::string> config_path;  // --config

  Result<config::Config> load() const;
};

// An opened store with an IPAM engine over it.
struct IpamHandle {
  config::Config config;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<ipam::Ipam> ipam;
};
Result<IpamHandle> open_ipam(const Context& ctx);

// Prints "netmod: error: <message>" to stderr and returns exit code 1.
int fail(const Error& e);

void add_pool_commands(CLI::App& app, Context& ctx, int& exit_code);
void add_ipam_commands(CLI::App& app, Context& ctx, int& exit_code);
void add_netmodules_command(CLI::App& app, Context& ctx, int& exit_code);
void add_endpoint_commands(CLI::App& app, Context& ctx, int& exit_code);
void add_reconcile_command(CLI::App& app, Context& ctx, int& exit_code);
void add_agent_commands(CLI::App& app, Context& ctx, int& exit_code);
// netmod run, stop, ps (cli/run_commands.cpp)
void add_run_commands(CLI::App& app, Context& ctx, int& exit_code);
// netmod star probe, star collect (cli/star_commands.cpp)
void add_star_commands(CLI::App& app, Context& ctx, int& exit_code);

}  // namespace netmod::cli

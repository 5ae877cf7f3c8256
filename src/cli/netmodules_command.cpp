// netmod netmodules: the net-modules plugin protocol on stdin/stdout.
#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/context.hpp"
#include "common/json_text.hpp"
#include "plugin/netmodules/netmodules.hpp"

namespace netmod::cli {

void add_netmodules_command(CLI::App& app, Context& ctx, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "netmodules",
      "Answer one net-modules request (JSON on stdin, JSON on stdout); use as the Mesos module's "
      "ipam_command and isolator_command");
  cmd->callback([&ctx, &exit_code] {
    auto cfg = ctx.load();
    if (!cfg) {
      // The protocol allows nothing but one JSON object on stdout.
      std::cout << dump_safely(nlohmann::json{{"error", cfg.error().message}}) << std::endl;
      exit_code = 1;
      return;
    }
    auto env = plugin::netmodules::default_environment(*cfg);
    exit_code = plugin::netmodules::run(std::cin, std::cout, env);
    std::cout.flush();
    env.finisher->flush();  // after the answer
  });
}

}  // namespace netmod::cli

// The netmod binary: one program for the CLI, the net-modules plugin and
// (with CNI_COMMAND set) the CNI plugin.
#include <CLI/CLI.hpp>
#include <iostream>

#include <cstdlib>
#include <optional>
#include <string_view>

#include "cli/context.hpp"
#include "common/text.hpp"
#include "common/trace.hpp"
#include "plugin/cni/plugin.hpp"
#include "plugin/finisher.hpp"
#include "plugin/handoff.hpp"

#ifndef NETMOD_VERSION
#define NETMOD_VERSION "unknown"
#endif

namespace {

// The first word of the command line that names no command where one is
// required ("netmod frob", "netmod pool frob"): CLI11 would only say that
// a subcommand is required.
std::optional<std::string> unknown_command(CLI::App& app, int argc, char** argv) {
  CLI::App* at = &app;
  for (int i = 1; i < argc; ++i) {
    std::string word = argv[i];
    if (word.starts_with("-")) {
      const CLI::Option* opt = at->get_option_no_throw(word.substr(0, word.find('=')));
      if (opt && opt->get_items_expected_max() > 0 && word.find('=') == std::string::npos) ++i;
      continue;
    }
    if (at->get_subcommands([](CLI::App*) { return true; }).empty()) return std::nullopt;  // a command's own words
    CLI::App* next = nullptr;
    for (CLI::App* sub : at->get_subcommands([](CLI::App*) { return true; })) {
      if (sub->check_name(word)) next = sub;
    }
    if (!next) return word;
    at = next;
  }
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  netmod::trace_point("main");
  // The process a plugin call started to finish its follow-up work
  // (plugin/finisher.hpp); checked first: it inherits the call's
  // environment, CNI_COMMAND included.
  if (argc == 3 && std::string_view(argv[1]) == netmod::plugin::handoff::kArgument) {
    return netmod::plugin::finish_handed_work(argv[2]);
  }
  // A runtime calls the binary as a CNI plugin with CNI_COMMAND set. A
  // call is a short-lived process whose runtime waits for it to exit: what
  // it leaves for after its answer goes to a process of its own.
  if (std::getenv("CNI_COMMAND")) {
    netmod::plugin::FinishInBackground finisher;
    netmod::plugin::Machine machine{netmod::dataplane::linux_kernel(), finisher};
    int rc = netmod::plugin::cni::run([](const char* name) { return std::getenv(name); }, std::cin, std::cout,
                                      machine);
    std::cout.flush();
    finisher.flush();  // after the answer
    netmod::trace_point("main-end");
    return rc;
  }
  using namespace netmod::cli;
  Context ctx;
  int exit_code = 0;

  CLI::App app{"netmod: IP-per-task networking and netgroup isolation for container clusters"};
  app.require_subcommand(1);
  app.add_option("--config", ctx.config_path,
                 "Config file (default: $NETMOD_CONFIG, else /etc/netmod/netmod.conf)");

  add_netmodules_command(app, ctx, exit_code);
  add_pool_commands(app, ctx, exit_code);
  add_ipam_commands(app, ctx, exit_code);
  add_endpoint_commands(app, ctx, exit_code);
  add_reconcile_command(app, ctx, exit_code);
  add_agent_commands(app, ctx, exit_code);
  add_run_commands(app, ctx, exit_code);
  add_star_commands(app, ctx, exit_code);
  app.add_subcommand("version", "Print the version")->callback([] {
    std::cout << "netmod " << NETMOD_VERSION << "\n";
  });

  if (auto word = unknown_command(app, argc, argv)) {
    std::cerr << "netmod: unknown command " << netmod::quote(*word) << " (see netmod --help)\n";
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);  // usage errors exit 2 (--help exits 0)
  }
  return exit_code;
}

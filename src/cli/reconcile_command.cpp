// netmod reconcile
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <thread>
#include <nlohmann/json.hpp>

#include "cli/context.hpp"
#include "plugin/reconcile.hpp"

namespace netmod::cli {

void add_reconcile_command(CLI::App& app, Context& ctx, int& exit_code) {
  auto as_json = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("reconcile",
                                 "Make this host's interfaces, routes and nftables match the store; report changes");
  cmd->add_flag("--json", *as_json, "Machine-readable output");
  cmd->callback([&ctx, &exit_code, as_json] {
    auto h = open_ipam(ctx);
    if (!h) return void(exit_code = fail(h.error()));
    // The tasks' insides are read on a few threads per CPU (reconcile.hpp).
    plugin::ReconcileOptions options;
    options.task_workers = std::clamp(2 * std::thread::hardware_concurrency(), 1u, 16u);
    auto r = plugin::reconcile(*h->store, *h->ipam, config::effective_hostname(h->config), dataplane::linux_kernel(),
                               options);
    if (!r) return void(exit_code = fail(r.error()));
    if (*as_json) {
      std::cout << nlohmann::json{{"removed", r->removed}, {"created", r->created}, {"problems", r->problems}}.dump(2)
                << "\n";
    } else {
      for (const auto& s : r->removed) std::cout << "removed  " << s << "\n";
      for (const auto& s : r->created) std::cout << "created  " << s << "\n";
      for (const auto& s : r->problems) std::cout << "PROBLEM  " << s << "\n";
      if (r->removed.empty() && r->created.empty() && r->problems.empty()) std::cout << "in sync\n";
    }
    if (!r->problems.empty()) exit_code = 1;
  });
}

}  // namespace netmod::cli

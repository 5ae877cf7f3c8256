// netmod agent, netmod hosts
#include <CLI/CLI.hpp>
#include <signal.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "agent/agent.hpp"
#include "cli/context.hpp"
#include "cli/table.hpp"
#include "ipam/keys.hpp"
#include "records/endpoints.hpp"
#include "records/hosts.hpp"

namespace netmod::cli {

namespace {

// The agent is a long-lived process: SIGTERM and SIGINT end its loop
// (agent.hpp), read by a thread of their own from a blocked mask that
// every other thread inherits.
int run_agent_command(Context& ctx) {
  auto cfg = ctx.load();
  if (!cfg) return fail(cfg.error());
  auto store = config::open_store(cfg->datastore, /*long_lived=*/true);
  if (!store) return fail(store.error());
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::atomic<bool> stop{false};
  std::thread signals([&] {
    const timespec tick{0, 200 * 1000 * 1000};
    while (!stop) {
      if (sigtimedwait(&stop_signals, nullptr, &tick) > 0) stop = true;
    }
  });
  agent::AgentOptions o;
  o.config = *cfg;
  o.host = config::effective_hostname(*cfg);
  o.kernel = &dataplane::linux_kernel();
  o.task_workers = std::clamp(2 * std::thread::hardware_concurrency(), 1u, 16u);
  o.stop = &stop;
  agent::Metrics metrics;
  auto r = agent::run_agent(**store, o, metrics);
  stop = true;
  signals.join();
  if (!r) return fail(r.error());
  return 0;
}

int64_t now_ms() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

int run_hosts_command(Context& ctx, bool as_json) {
  auto h = open_ipam(ctx);
  if (!h) return fail(h.error());
  struct Row {
    std::string state = "no agent";
    std::vector<std::string> fabric;
    std::vector<std::string> blocks;
    size_t tasks = 0;
    std::optional<int64_t> agent_age_s;
  };
  std::map<std::string, Row> rows;
  std::vector<std::string> skipped;
  auto r = h->store->read([&](store::Tx& tx) -> Result<void> {
    rows.clear();
    skipped.clear();
    NETMOD_ASSIGN_OR_RETURN(auto snap, h->ipam->snapshot(tx));
    for (const auto& host : snap.hosts) rows[host];
    for (const auto& a : snap.affinities) rows[a.host].blocks.push_back(a.block.str());
    NETMOD_ASSIGN_OR_RETURN(auto fabric_kvs, tx.list(records::keys::kFabric));
    auto fabric = records::decode_fabrics(fabric_kvs);
    for (const auto& [host, f] : fabric.hosts) {
      for (const auto& a : f.addresses) rows[host].fabric.push_back(a.str());
    }
    for (const auto& e : fabric.undecodable) skipped.push_back(e.message);
    NETMOD_ASSIGN_OR_RETURN(auto agent_kvs, tx.list(records::keys::kAgents));
    for (const auto& kv : agent_kvs) {
      auto a = records::decode_agent(kv.value);
      if (!a) {
        skipped.push_back(kv.key + ": " + a.error().message);
        continue;
      }
      auto& row = rows[a->host];
      row.state = "live";
      row.agent_age_s = std::max<int64_t>(0, (now_ms() - a->started_ms) / 1000);
    }
    NETMOD_ASSIGN_OR_RETURN(auto eps, records::Endpoints::list(tx, ""));
    for (const auto& e : eps) ++rows[e.host].tasks;
    return ok();
  });
  if (!r) return fail(r.error());
  if (as_json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& [host, row] : rows) {
      out.push_back({{"host", host},
                     {"state", row.state},
                     {"fabric", row.fabric},
                     {"blocks", row.blocks},
                     {"tasks", row.tasks},
                     {"agent_age_seconds", row.agent_age_s ? nlohmann::json(*row.agent_age_s) : nlohmann::json()}});
    }
    std::cout << out.dump(2) << "\n";
  } else {
    Table t({"HOST", "STATE", "FABRIC", "BLOCKS", "TASKS", "AGENT AGE"});
    for (const auto& [host, row] : rows) {
      std::string fabric, blocks;
      for (const auto& f : row.fabric) fabric += (fabric.empty() ? "" : ",") + f;
      for (const auto& b : row.blocks) blocks += (blocks.empty() ? "" : ",") + b;
      t.add({host, row.state, fabric.empty() ? "-" : fabric, blocks.empty() ? "-" : blocks, std::to_string(row.tasks),
             row.agent_age_s ? std::to_string(*row.agent_age_s) + "s" : "-"});
    }
    t.print(std::cout);
  }
  for (const auto& s : skipped) std::cerr << "netmod: skipped a record that is not netmod's: " << s << "\n";
  return 0;
}

}  // namespace

void add_agent_commands(CLI::App& app, Context& ctx, int& exit_code) {
  app.add_subcommand("agent", "Run this host's agent in the foreground: registration, routes between hosts, "
                              "cluster-wide membership, continuous reconciliation, /metrics")
      ->callback([&ctx, &exit_code] { exit_code = run_agent_command(ctx); });
  auto as_json = std::make_shared<bool>(false);
  auto* hosts = app.add_subcommand("hosts", "List the cluster's hosts: agent state, fabric addresses, blocks, tasks");
  hosts->add_flag("--json", *as_json, "Machine-readable output");
  hosts->callback([&ctx, &exit_code, as_json] { exit_code = run_hosts_command(ctx, *as_json); });
}

}  // namespace netmod::cli

// netmod ipam show | check
#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/context.hpp"
#include "cli/table.hpp"
#include "agent/gc_collect.hpp"
#include "dataplane/kernel.hpp"
#include "ipam/check.hpp"
#include "plugin/consistency.hpp"

namespace netmod::cli {

using json = nlohmann::json;

namespace {

}  // namespace

void add_ipam_commands(CLI::App& app, Context& ctx, int& exit_code) {
  auto* ipam_cmd = app.add_subcommand("ipam", "Inspect address allocations")->require_subcommand(1);

  struct ShowOpts {
    std::string host, handle;
    bool json = false;
  };
  auto show_opts = std::make_shared<ShowOpts>();
  auto* show = ipam_cmd->add_subcommand("show", "List allocated addresses");
  show->add_option("--host", show_opts->host, "Only addresses allocated by this host");
  show->add_option("--handle,--uid", show_opts->handle, "Only addresses of this handle (uid)");
  show->add_flag("--json", show_opts->json, "Machine-readable output");
  show->callback([&ctx, &exit_code, show_opts] {
    auto h = open_ipam(ctx);
    if (!h) return void(exit_code = fail(h.error()));
    auto recs = h->ipam->addresses();
    if (!recs) return void(exit_code = fail(recs.error()));
    std::vector<ipam::AddressRecord> rows;
    for (auto& r : *recs) {
      if (!show_opts->host.empty() && r.host != show_opts->host) continue;
      if (!show_opts->handle.empty() && r.handle != show_opts->handle) continue;
      rows.push_back(r);
    }
    if (show_opts->json) {
      json out = json::array();
      for (const auto& r : rows) {
        out.push_back({{"address", r.address.str()},
                       {"handle", r.handle},
                       {"host", r.host},
                       {"block", r.block.str()},
                       {"block_host", r.block_host},
                       {"netgroups", r.attrs.netgroups},
                       {"labels", r.attrs.labels}});
      }
      std::cout << out.dump(2) << "\n";
      return;
    }
    Table t({"ADDRESS", "UID", "HOST", "BLOCK", "NETGROUPS"});
    for (const auto& r : rows) {
      std::string host = r.host;
      if (host != r.block_host) host += " (borrowed from " + r.block_host + ")";
      t.add({r.address.str(), r.handle, host, r.block.str(), join(r.attrs.netgroups)});
    }
    t.print(std::cout);
  });

  auto check_json = std::make_shared<bool>(false);
  auto* chk = ipam_cmd->add_subcommand("check", "Check the store's consistency (exit 1 on problems)");
  chk->add_flag("--json", *check_json, "Machine-readable output");
  chk->callback([&ctx, &exit_code, check_json] {
    auto h = open_ipam(ctx);
    if (!h) return void(exit_code = fail(h.error()));
    // IPAM's records and the endpoints, in one consistent view.
    ipam::Snapshot snap;
    std::vector<plugin::EndpointRecord> endpoints;
    auto read = h->store->read([&](store::Tx& tx) -> Result<void> {
      NETMOD_ASSIGN_OR_RETURN(snap, h->ipam->snapshot(tx));
      NETMOD_ASSIGN_OR_RETURN(endpoints, plugin::Endpoints::list(tx, ""));
      return ok();
    });
    if (!read) return void(exit_code = fail(read.error()));
    ipam::CheckReport r = ipam::check(snap);
    for (auto& p : plugin::check_endpoints(snap, endpoints)) r.problems.push_back(std::move(p));
    // Garbage the agents will collect (agent/gc.hpp), as this host sees it.
    std::vector<agent::GcCandidate> garbage;
    const std::string host = config::effective_hostname(h->config);
    auto gc_in = agent::read_gc_input(*h->store, *h->ipam, dataplane::linux_kernel(), agent::this_machine_processes(), host);
    if (gc_in) {
      garbage = agent::gc_candidates(*gc_in);
    } else {
      std::cerr << "netmod: cannot tell what is garbage: " << gc_in.error().message << "\n";
    }
    const std::string grace = std::to_string(h->config.agent.gc_grace_seconds);
    auto who = [&](const agent::GcCandidate& c) {
      using Kind = agent::GcCandidate::Kind;
      const bool anyone = c.kind == Kind::host_gone || c.kind == Kind::name_orphan || c.kind == Kind::port_claim_orphan;
      return anyone ? std::string("any live agent") : "the agent of " + c.host;
    };
    if (*check_json) {
      json problems = json::array();
      for (const auto& p : r.problems) problems.push_back({{"kind", p.kind}, {"detail", p.detail}});
      std::cout << json{{"consistent", r.consistent()},
                        {"pools", r.pools},
                        {"blocks", r.blocks},
                        {"handles", r.handles},
                        {"allocated", r.allocated},
                        {"hosts", r.hosts},
                        {"problems", problems},
                        {"garbage", [&] {
                           json g = json::array();
                           for (const auto& c : garbage) {
                             g.push_back({{"kind", std::string(agent::kind_name(c.kind))},
                                          {"host", c.host},
                                          {"id", c.id},
                                          {"why", c.why},
                                          {"action", c.action},
                                          {"by", who(c)},
                                          {"after_seconds", h->config.agent.gc_grace_seconds}});
                           }
                           return g;
                         }()}}
                       .dump(2)
                << "\n";
    } else {
      std::cout << "pools " << r.pools << ", blocks " << r.blocks << ", hosts " << r.hosts << ", uids "
                << r.handles << ", allocated addresses " << r.allocated << "\n";
      for (const auto& p : r.problems) std::cout << "PROBLEM " << p.kind << ": " << p.detail << "\n";
      for (const auto& c : garbage) {
        std::cout << "GARBAGE " << c.id << (c.host.empty() ? "" : " (host " + c.host + ")") << ": " << c.why << "; " << who(c) << " will "
                  << c.action << " once it has seen this twice, " << grace << " s apart\n";
      }
      std::cout << (r.consistent() ? "consistent\n" : "INCONSISTENT\n");
    }
    if (!r.consistent()) exit_code = 1;
  });
}

}  // namespace netmod::cli

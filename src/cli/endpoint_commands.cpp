// netmod endpoints | netgroup list
#include <CLI/CLI.hpp>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "cli/context.hpp"
#include "cli/table.hpp"
#include "records/endpoints.hpp"

namespace netmod::cli {

using json = nlohmann::json;

namespace {

std::vector<std::string> strs(const std::vector<net::IpAddress>& v) {
  std::vector<std::string> out;
  for (const auto& a : v) out.push_back(a.str());
  return out;
}

}  // namespace

void add_endpoint_commands(CLI::App& app, Context& ctx, int& exit_code) {
  struct Opts {
    std::string host;
    bool all = false;
    bool json = false;
  };
  auto opts = std::make_shared<Opts>();
  auto* eps = app.add_subcommand("endpoints", "List the tasks wired on a host");
  eps->add_option("--host", opts->host, "Host (default: this host)");
  eps->add_flag("--all-hosts", opts->all, "Every host");
  eps->add_flag("--json", opts->json, "Machine-readable output");
  eps->callback([&ctx, &exit_code, opts] {
    auto h = open_ipam(ctx);
    if (!h) return void(exit_code = fail(h.error()));
    std::string host = opts->all ? "" : (opts->host.empty() ? config::effective_hostname(h->config) : opts->host);
    auto list = records::Endpoints(*h->store).list(host);
    if (!list) return void(exit_code = fail(list.error()));
    if (opts->json) {
      json out = json::array();
      for (const auto& e : *list) {
        out.push_back({{"container_id", e.container_id}, {"host", e.host}, {"interface", e.host_ifname},
                       {"task_interface", e.task_ifname}, {"addresses", strs(e.addresses)},
                       {"netgroups", e.netgroups}, {"labels", e.labels}});
      }
      std::cout << out.dump(2) << "\n";
      return;
    }
    Table t({"CONTAINER", "HOST", "INTERFACE", "ADDRESSES", "NETGROUPS"});
    for (const auto& e : *list) {
      t.add({e.container_id, e.host, e.host_ifname, join(strs(e.addresses)), join(e.netgroups)});
    }
    t.print(std::cout);
  });

  auto ng_json = std::make_shared<bool>(false);
  auto* ng = app.add_subcommand("netgroup", "Inspect netgroups")->require_subcommand(1);
  auto* ng_list = ng->add_subcommand("list", "List netgroups and their members (every host)");
  ng_list->add_flag("--json", *ng_json, "Machine-readable output");
  ng_list->callback([&ctx, &exit_code, ng_json] {
    auto h = open_ipam(ctx);
    if (!h) return void(exit_code = fail(h.error()));
    auto list = records::Endpoints(*h->store).list();
    if (!list) return void(exit_code = fail(list.error()));
    std::map<std::string, std::vector<const records::EndpointRecord*>> groups;
    for (const auto& e : *list) {
      for (const auto& g : e.netgroups) groups[g].push_back(&e);
    }
    if (*ng_json) {
      json out = json::array();
      for (const auto& [g, members] : groups) {
        json m = json::array();
        for (const auto* e : members) {
          m.push_back({{"container_id", e->container_id}, {"host", e->host}, {"addresses", strs(e->addresses)}});
        }
        out.push_back({{"netgroup", g}, {"members", m}});
      }
      std::cout << out.dump(2) << "\n";
      return;
    }
    Table t({"NETGROUP", "MEMBERS", "CONTAINERS"});
    for (const auto& [g, members] : groups) {
      std::vector<std::string> names;
      for (const auto* e : members) names.push_back(e->container_id + "@" + e->host);
      t.add({g, std::to_string(members.size()), join(names)});
    }
    t.print(std::cout);
  });
}

}  // namespace netmod::cli

// netmod pool add | list | remove | set
#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/context.hpp"
#include "cli/table.hpp"

namespace netmod::cli {

using json = nlohmann::json;

namespace {

Result<net::Cidr> parse_cidr(const std::string& text) { return net::Cidr::parse(text); }

json pool_json(const ipam::Pool& p) {
  return {{"cidr", p.cidr.str()}, {"block_size", p.block_size}, {"nat_outgoing", p.nat_outgoing}};
}

}  // namespace

void add_pool_commands(CLI::App& app, Context& ctx, int& exit_code) {
  auto* pool = app.add_subcommand("pool", "Manage address pools")->require_subcommand(1);

  struct AddOpts {
    std::string cidr;
    std::optional<unsigned> block_size;
    bool nat_outgoing = false;
  };
  auto add_opts = std::make_shared<AddOpts>();
  auto* add = pool->add_subcommand("add", "Add a pool (never creates the default pools)");
  add->add_option("cidr", add_opts->cidr, "IPv4 or IPv6 CIDR, e.g. 10.65.0.0/16")->required();
  add->add_option("--block-size", add_opts->block_size,
                  "Block prefix length (default 26 for IPv4, 122 for IPv6)");
  add->add_flag("--nat-outgoing", add_opts->nat_outgoing,
                "Masquerade traffic from this pool's tasks to destinations outside every pool");
  add->callback([&ctx, &exit_code, add_opts] {
    auto cidr = parse_cidr(add_opts->cidr);
    if (!cidr) return void(exit_code = fail(cidr.error()));
    auto h = open_ipam(ctx);
    if (!h) return void(exit_code = fail(h.error()));
    auto p = h->ipam->add_pool({*cidr, add_opts->block_size, add_opts->nat_outgoing});
    if (!p) return void(exit_code = fail(p.error()));
    std::cout << "added pool " << p->cidr.str() << " (block size /" << p->block_size
              << (p->nat_outgoing ? ", nat-outgoing" : "") << ")\n";
  });

  auto list_json = std::make_shared<bool>(false);
  auto* list = pool->add_subcommand("list", "List pools");
  list->add_flag("--json", *list_json, "Machine-readable output");
  list->callback([&ctx, &exit_code, list_json] {
    auto h = open_ipam(ctx);
    if (!h) return void(exit_code = fail(h.error()));
    auto pools = h->ipam->pools();
    if (!pools) return void(exit_code = fail(pools.error()));
    auto addrs = h->ipam->addresses();
    if (!addrs) return void(exit_code = fail(addrs.error()));
    auto used = [&](const ipam::Pool& p) {
      return std::count_if(addrs->begin(), addrs->end(), [&](const auto& a) { return p.cidr.contains(a.address); });
    };
    if (*list_json) {
      json out = json::array();
      for (const auto& p : *pools) {
        json j = pool_json(p);
        j["allocated"] = used(p);
        out.push_back(j);
      }
      std::cout << out.dump(2) << "\n";
      return;
    }
    Table t({"CIDR", "BLOCK", "NAT-OUTGOING", "ALLOCATED"});
    for (const auto& p : *pools) {
      t.add({p.cidr.str(), "/" + std::to_string(p.block_size), p.nat_outgoing ? "yes" : "no",
             std::to_string(used(p))});
    }
    t.print(std::cout);
  });

  struct RemoveOpts {
    std::string cidr;
    bool force = false;
  };
  auto rm_opts = std::make_shared<RemoveOpts>();
  auto* rm = pool->add_subcommand("remove", "Remove a pool");
  rm->add_option("cidr", rm_opts->cidr, "The pool's CIDR")->required();
  rm->add_flag("--force", rm_opts->force, "Remove even if addresses are allocated (releases them)");
  rm->callback([&ctx, &exit_code, rm_opts] {
    auto cidr = parse_cidr(rm_opts->cidr);
    if (!cidr) return void(exit_code = fail(cidr.error()));
    auto h = open_ipam(ctx);
    if (!h) return void(exit_code = fail(h.error()));
    auto r = h->ipam->remove_pool(*cidr, rm_opts->force);
    if (!r) return void(exit_code = fail(r.error()));
    std::cout << "removed pool " << cidr->str() << "\n";
  });

  struct SetOpts {
    std::string cidr;
    std::string nat_outgoing;
  };
  auto set_opts = std::make_shared<SetOpts>();
  auto* set = pool->add_subcommand("set", "Change a pool's settings");
  set->add_option("cidr", set_opts->cidr, "The pool's CIDR")->required();
  set->add_option("--nat-outgoing", set_opts->nat_outgoing, "on or off")
      ->required()
      ->check(CLI::IsMember({"on", "off", "true", "false"}));
  set->callback([&ctx, &exit_code, set_opts] {
    auto cidr = parse_cidr(set_opts->cidr);
    if (!cidr) return void(exit_code = fail(cidr.error()));
    auto h = open_ipam(ctx);
    if (!h) return void(exit_code = fail(h.error()));
    bool on = set_opts->nat_outgoing == "on" || set_opts->nat_outgoing == "true";
    auto p = h->ipam->set_nat_outgoing(*cidr, on);
    if (!p) return void(exit_code = fail(p.error()));
    std::cout << "pool " << p->cidr.str() << ": nat-outgoing " << (on ? "on" : "off") << "\n";
  });
}

}  // namespace netmod::cli

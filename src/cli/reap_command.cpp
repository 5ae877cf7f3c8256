// netmod reap: the background half of a CNI DEL (not for people; hidden
// from --help). Deletes a task's old veth, then releases its addresses.
#include <CLI/CLI.hpp>

#include "cli/context.hpp"
#include "dataplane/dataplane.hpp"
#include "store/sqlite_store.hpp"

namespace netmod::cli {

void add_reap_command(CLI::App& app, int& exit_code) {
  struct Opts {
    int link_index = 0;
    std::string datastore, release;
    int busy_timeout_ms = 10000;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("reap", "Delete a released task's veth, then release its addresses");
  cmd->group("");  // hidden
  cmd->add_option("--link-index", o->link_index)->required();
  cmd->add_option("--datastore", o->datastore)->required();
  cmd->add_option("--busy-timeout-ms", o->busy_timeout_ms);
  cmd->add_option("--release", o->release)->required();
  cmd->callback([o, &exit_code] {
    auto dp = dataplane::Dataplane::open();
    if (!dp) return void(exit_code = fail(dp.error()));
    if (auto r = dp->delete_link(o->link_index); !r) return void(exit_code = fail(r.error()));
    auto store = store::SqliteStore::open({o->datastore, o->busy_timeout_ms});
    if (!store) return void(exit_code = fail(store.error()));
    ipam::Ipam ipam(**store, {});
    if (auto r = ipam.release_handle(o->release); !r) return void(exit_code = fail(r.error()));
  });
}

}  // namespace netmod::cli

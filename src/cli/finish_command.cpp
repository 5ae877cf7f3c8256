// netmod finish: the background half of a plugin call (not for people;
// hidden from --help). Started by plugin::FinishInBackground with the
// call's follow-up work in a memory file and its netlink sockets
// (plugin/finisher.hpp); applies the work, reads every reply, and logs
// what failed to syslog (nobody reads its stdio). The nf_tables socket's
// close, when it waits for the kernel, waits here.
#include <CLI/CLI.hpp>
#include <syslog.h>

#include "cli/context.hpp"
#include "plugin/finisher.hpp"

namespace netmod::cli {

void add_finish_command(CLI::App& app, int& exit_code) {
  struct Opts {
    config::DatastoreConfig datastore;
    std::vector<std::string> release;
    bool nf = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("finish", "Apply a plugin call's follow-up work (started by the plugin)");
  cmd->group("");  // hidden
  cmd->add_option("--datastore-type", o->datastore.type);
  cmd->add_option("--datastore", o->datastore.path);
  cmd->add_option("--busy-timeout-ms", o->datastore.busy_timeout_ms);
  cmd->add_option("--release", o->release, "IPAM handles to release once the work's links are gone");
  cmd->add_flag("--nf", o->nf, "an nf_tables socket was inherited too");
  cmd->callback([o, &exit_code] {
    auto r = plugin::finish_inherited(plugin::kFinishPayloadFd, plugin::kFinishRtnlFd, o->nf ? plugin::kFinishNfFd : -1,
                                      o->release, o->datastore);
    if (!r) {
      openlog("netmod", LOG_PID, LOG_DAEMON);
      syslog(LOG_WARNING, "%s", r.error().message.c_str());
      closelog();
      exit_code = 1;
    }
  });
}

}  // namespace netmod::cli

// One task from start to end, as the seed's Mesos module runs one: find a
// host (claiming its host ports, or waiting until one has them free),
// allocate the task's addresses, make its process in namespaces of its
// own, isolate it (veth, routes, netgroup policy), file it running with
// its names, let it exec; then pass signals on until it ends, and clean
// up: names, record, port claims, endpoint, addresses, sandbox. A failure
// at any step undoes the steps before it.
#pragma once

#include <signal.h>

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "dataplane/kernel.hpp"
#include "net/ip_address.hpp"
#include "records/tasks.hpp"
#include "store/store.hpp"

namespace netmod::launch {

struct TaskPlan {
  // id, app, name, netgroups, labels, host_network and the host ports to
  // claim (ports) are read from here.
  records::TaskRecord record;
  bool claimed = false;            // the record is filed already (claim_tasks)
  std::vector<std::string> hosts;  // to try, in order
  // With host ports taken on every host: wait until a host has them free
  // (an app's task, as Marathon does), or fail at once (a task run by hand).
  bool wait_for_ports = false;
  std::vector<std::string> argv;
  unsigned num_v4 = 1;
  unsigned num_v6 = 0;
  std::vector<net::IpAddress> static_addresses;  // instead of num_v4/num_v6
  std::vector<std::string> uris;  // files copied into the sandbox
  bool run_in_sandbox = false;    // cwd: the sandbox (app tasks), else the launcher's
  std::map<std::string, std::string> env;
  std::vector<uint16_t> task_ports;  // PORT0, PORT1, ... (discovery or host ports)
};

struct LaunchContext {
  config::Config config;
  store::Store* store = nullptr;
  dataplane::Kernel* kernel = nullptr;
  std::string this_host;                // this machine's hostname
  std::string run_dir = "/run/netmod/tasks";  // sandboxes
  std::string netns_dir = "/run/netns";       // a simulated host: <netns_dir>/<host>
  std::ostream* log = nullptr;          // what the launcher says (stderr)
  // Signals blocked in the calling thread that end waiting and are passed
  // on to the task (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2),
  // plus SIGCHLD: blocked where the process starts (cli/run_commands.cpp).
  sigset_t signals;
};

// The signal set a launcher blocks before supervising.
sigset_t launcher_signals();

// Files this process as the launcher of `rec` (pid, pid_start, boot_id,
// started_ms): what `netmod stop` signals, and what tells the agents'
// garbage collection whether the launcher still lives (agent/gc.hpp).
void stamp_launcher(records::TaskRecord& rec);

// Runs the task to its end; its exit code (128 + N when signal N ended
// it). An error when it could not be started; nothing of it is left then.
Result<int> supervise(TaskPlan plan, LaunchContext& ctx);

// The network namespace file of `host`: <netns_dir>/<host> when it exists
// (a simulated host), "" for this machine's own, else an error.
Result<std::string> host_netns_path(const LaunchContext& ctx, const std::string& host);

}  // namespace netmod::launch

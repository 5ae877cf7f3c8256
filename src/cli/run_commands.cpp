// netmod run, netmod stop, netmod ps: the task launcher (launch/).
#include <CLI/CLI.hpp>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "cli/context.hpp"
#include "cli/table.hpp"
#include "dataplane/kernel.hpp"
#include "ipam/names.hpp"
#include "launch/app.hpp"
#include "launch/app_launcher.hpp"
#include "launch/forward.hpp"
#include "launch/placement.hpp"
#include "common/text.hpp"
#include "launch/registry.hpp"
#include "launch/supervisor.hpp"

namespace netmod::cli {

namespace {

struct RunOptions {
  std::string name;
  std::string host;
  std::vector<std::string> netgroups;
  unsigned ipv4 = 1;
  unsigned ipv6 = 0;
  bool ipv4_set = false;
  std::vector<std::string> ips;
  std::vector<std::string> labels;
  bool host_network = false;
  std::vector<uint16_t> ports;
  std::string app_file;
  std::vector<std::string> command;
};

std::string boot_id() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return id;
}

// The launcher's context: signals blocked here, where the process starts
// (the supervisor passes them on to the task).
Result<launch::LaunchContext> launch_context(const config::Config& cfg, store::Store& store) {
  launch::LaunchContext lc;
  lc.config = cfg;
  lc.store = &store;
  lc.kernel = &dataplane::linux_kernel();
  lc.this_host = config::effective_hostname(cfg);
  lc.log = &std::cerr;
  lc.signals = launch::launcher_signals();
  if (pthread_sigmask(SIG_BLOCK, &lc.signals, nullptr) != 0) return make_error(Errc::io, "blocking signals");
  // Dispositions are inherited, and an ignored signal is never pending:
  // a launcher started in the background by a script ignores SIGINT and
  // SIGQUIT (POSIX shells set that for asynchronous commands), so it never
  // passed them on (and its task inherited them ignored); one started with
  // SIGCHLD ignored lost its task to the kernel's reaping (waitpid: ECHILD)
  // and waited for ever. Blocked, the default is safe. (SIGHUP stays as it
  // is: nohup means it.)
  for (int sig : {SIGINT, SIGQUIT, SIGCHLD}) signal(sig, SIG_DFL);
  return lc;
}

Result<std::vector<std::string>> hosts_for(store::Store& store, const std::string& this_host) {
  NETMOD_ASSIGN_OR_RETURN(auto hosts, launch::live_hosts(store));
  if (hosts.empty()) hosts.push_back(this_host);
  return hosts;
}

Result<launch::TaskPlan> single_plan(const RunOptions& o, store::Store& store, const std::string& this_host) {
  if (o.command.empty()) {
    return make_error(Errc::invalid_argument, "no command given: netmod run [options] -- CMD ARGS... (or --app FILE.json)");
  }
  if (!o.ports.empty() && !o.host_network) return make_error(Errc::invalid_argument, "--port claims a host port: it needs --host-network");
  if (o.host_network && (!o.netgroups.empty() || !o.ips.empty() || o.ipv6 || o.ipv4_set)) {
    return make_error(Errc::invalid_argument, "--host-network runs on the host's addresses: --netgroup, --ip, --ipv4 and --ipv6 do not apply");
  }
  if (!o.ips.empty() && (o.ipv4_set || o.ipv6)) return make_error(Errc::invalid_argument, "--ip names the addresses: do not also give --ipv4 or --ipv6");
  launch::TaskPlan p;
  auto& r = p.record;
  if (!o.name.empty()) {
    auto app = launch::absolute_app_id(o.name, "/");
    if (!app) return make_error(Errc::invalid_argument, "--name: " + app.error().message);
    r.app = *app;
    r.name = r.app.substr(r.app.rfind('/') + 1);
    r.id = launch::task_id(r.app, 0);
  } else {
    r.id = "run-" + std::to_string(getpid());
  }
  auto groups = ipam::parse_netgroups(o.netgroups);
  if (!groups) return make_error(Errc::invalid_argument, "--netgroup: " + groups.error().message);
  r.netgroups = *groups;
  for (const auto& l : o.labels) {
    auto eq = l.find('=');
    if (eq == std::string::npos || eq == 0) return make_error(Errc::invalid_argument, "--label must be KEY=VALUE, got " + quote(l));
    r.labels[l.substr(0, eq)] = l.substr(eq + 1);
  }
  for (const auto& text : o.ips) {
    auto a = net::IpAddress::parse(text);
    if (!a) return make_error(Errc::invalid_argument, "--ip: " + a.error().message);
    p.static_addresses.push_back(*a);
  }
  if (o.ipv4 + o.ipv6 == 0 && p.static_addresses.empty() && !o.host_network) {
    return make_error(Errc::invalid_argument, "--ipv4 0 --ipv6 0 leaves the task no address; use --host-network for none of its own");
  }
  r.host_network = o.host_network;
  r.ports = o.ports;
  p.task_ports = o.ports;
  p.num_v4 = o.ipv4;
  p.num_v6 = o.ipv6;
  p.argv = o.command;
  if (!o.host.empty()) {
    auto h = ipam::parse_hostname(o.host);
    if (!h) return make_error(Errc::invalid_argument, "--host: " + h.error().message);
    p.hosts = {*h};
  } else {
    NETMOD_ASSIGN_OR_RETURN(auto hosts, hosts_for(store, this_host));
    NETMOD_ASSIGN_OR_RETURN(auto existing, launch::list_tasks(store));
    auto preferred = launch::spread(hosts, existing.tasks, {r.app.empty() ? "/" : r.app});
    p.hosts = launch::try_order(hosts, preferred.front());
  }
  return p;
}

int run_command(Context& ctx, const RunOptions& o) {
  auto cfg = ctx.load();
  if (!cfg) return fail(cfg.error());
  if (!o.app_file.empty() && !o.command.empty()) {
    return fail(Error{Errc::invalid_argument, "--app runs the app's cmd: give no command after it"});
  }
  std::vector<launch::AppSpec> apps;
  if (!o.app_file.empty()) {
    std::ifstream in(o.app_file);
    if (!in) return fail(Error{Errc::not_found, "--app " + o.app_file + ": cannot read the file"});
    std::stringstream text;
    text << in.rdbuf();
    std::string dir = o.app_file.find('/') == std::string::npos ? "." : o.app_file.substr(0, o.app_file.rfind('/'));
    auto parsed = launch::parse_apps(text.str(), dir);
    if (!parsed) return fail(std::move(parsed).error().with_context(o.app_file));
    apps = std::move(*parsed);
  }
  auto store = config::open_store(cfg->datastore, /*long_lived=*/true);
  if (!store) return fail(store.error());
  auto lc = launch_context(*cfg, **store);
  if (!lc) return fail(lc.error());
  if (o.app_file.empty()) {
    auto plan = single_plan(o, **store, lc->this_host);
    if (!plan) return fail(plan.error());
    auto code = launch::supervise(std::move(*plan), *lc);
    if (!code) return fail(code.error());
    return *code;
  }
  auto hosts = hosts_for(**store, lc->this_host);
  if (!hosts) return fail(hosts.error());
  auto existing = launch::list_tasks(**store);
  if (!existing) return fail(existing.error());
  auto plans = launch::plan_apps(apps, *hosts, existing->tasks);
  std::cerr << "netmod: " << plans.size() << " task(s) of " << apps.size() << " app(s) over " << hosts->size()
            << " host(s): " << join(*hosts, ", ") << std::endl;
  config::DatastoreConfig ds = cfg->datastore;
  lc->store = nullptr;
  store->reset();  // no store connection lives across fork (run_apps)
  auto code = launch::run_apps(std::move(plans), *lc, [ds] { return config::open_store(ds, true); });
  if (!code) return fail(code.error());
  return *code;
}

// Is the launcher of `t` a live process of this machine?
bool local_and_alive(const records::TaskRecord& t, const std::string& boot) {
  if (t.pid <= 0 || t.boot_id != boot) return false;
  std::ifstream in("/proc/" + std::to_string(t.pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = stat.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && rest >> field; ++i) {
    if (i == 22) return t.pid_start == 0 || std::to_string(t.pid_start) == field;
  }
  return false;
}

int stop_command(Context& ctx, const std::string& app, int timeout_s) {
  auto h = open_ipam(ctx);
  if (!h) return fail(h.error());
  auto marked = launch::request_stop(*h->store, app);
  if (!marked) return fail(marked.error());
  if (marked->empty()) return fail(Error{Errc::not_found, "no app or task " + app + " is running (see netmod ps)"});
  const std::string boot = boot_id();
  for (const auto& t : *marked) {
    if (local_and_alive(t, boot)) kill(static_cast<pid_t>(t.pid), SIGTERM);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (true) {
    std::vector<std::string> left;
    for (const auto& t : *marked) {
      auto rec = launch::get_task(*h->store, t.id);
      if (!rec || *rec) left.push_back(t.id);  // an unreadable record is not gone
    }
    if (left.empty()) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      return fail(Error{Errc::unavailable, "still stopping after " + std::to_string(timeout_s) + " s: " + join(left, ", ")});
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::cout << "stopped " << marked->size() << " task(s) of " << app << "\n";
  return 0;
}

int ps_command(Context& ctx, bool as_json) {
  auto h = open_ipam(ctx);
  if (!h) return fail(h.error());
  auto list = launch::list_tasks(*h->store);
  if (!list) return fail(list.error());
  auto tasks = list->tasks;
  std::sort(tasks.begin(), tasks.end(), [](const auto& a, const auto& b) { return std::tie(a.app, a.id) < std::tie(b.app, b.id); });
  auto addresses = [](const records::TaskRecord& t) {
    std::vector<std::string> out;
    for (const auto& a : t.addresses) out.push_back(a.str());
    return out;
  };
  if (as_json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& t : tasks) {
      out.push_back({{"id", t.id},
                     {"app", t.app},
                     {"name", t.name},
                     {"host", t.host},
                     {"state", std::string(records::to_string(t.state))},
                     {"addresses", addresses(t)},
                     {"netgroups", t.netgroups},
                     {"host_network", t.host_network},
                     {"ports", t.ports},
                     {"labels", t.labels}});
    }
    std::cout << out.dump(2) << "\n";
  } else {
    Table table({"APP", "TASK", "HOST", "STATE", "ADDRESSES", "NETGROUPS"});
    for (const auto& t : tasks) {
      std::string addrs = join(addresses(t));
      if (t.host_network) addrs = (addrs.empty() ? "" : addrs + " ") + "(host network)";
      table.add({t.app.empty() ? "-" : t.app, t.id, t.host.empty() ? "-" : t.host, std::string(records::to_string(t.state)),
                 addrs.empty() ? "-" : addrs, t.netgroups.empty() ? "-" : join(t.netgroups)});
    }
    table.print(std::cout);
  }
  if (list->undecodable) std::cerr << "netmod: skipped " << list->undecodable << " task record(s) that cannot be read\n";
  return 0;
}

// Long-lived: SIGTERM and SIGINT end it (read by a thread of their own).
int forward_command(const launch::ForwardOptions& o) {
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
  auto r = launch::forward(o, &stop);
  stop = true;
  signals.join();
  if (!r) return fail(r.error());
  return 0;
}

}  // namespace

void add_run_commands(CLI::App& app, Context& ctx, int& exit_code) {
  auto o = std::make_shared<RunOptions>();
  auto* run = app.add_subcommand("run", "Run a command as a task with its own address and netgroups (or an app "
                                        "group: --app FILE.json), until it ends");
  run->add_option("--name", o->name, "The task's name: it resolves as NAME.<dns domain>, and netmod stop NAME ends it");
  run->add_option("--host", o->host, "The host to run on (a simulated host's namespace /run/netns/HOST, or this machine)");
  run->add_option("--netgroup", o->netgroups, "A netgroup of the task (repeatable)");
  run->add_option("--ipv4", o->ipv4, "How many IPv4 addresses (default 1)")->each([o](const std::string&) { o->ipv4_set = true; });
  run->add_option("--ipv6", o->ipv6, "How many IPv6 addresses (default 0)");
  run->add_option("--ip", o->ips, "A static address (repeatable)");
  run->add_option("--label", o->labels, "A label KEY=VALUE (repeatable)");
  run->add_flag("--host-network", o->host_network, "Run on the host's network (no address of its own)");
  run->add_option("--port", o->ports, "A host port the task claims (with --host-network; repeatable)");
  run->add_option("--app", o->app_file, "A Marathon app or app group definition (JSON)");
  // Everything after -- (or from the first word that is not an option) is
  // the command, its own options and any later "--" included. A positional
  // that takes it all: with prefix_command(), CLI11 (2.1) hands a "--" to
  // the parent app when the subcommand has no positional left, which then
  // refused the command ("The following argument was not expected").
  run->add_option("command", o->command, "The command to run and its arguments (after --)");
  run->positionals_at_end();
  run->footer("The command and its arguments follow the options: netmod run [options] -- CMD ARGS...");
  run->callback([&ctx, &exit_code, o] { exit_code = run_command(ctx, *o); });

  auto stop_app = std::make_shared<std::string>();
  auto timeout = std::make_shared<int>(15);
  auto* stop = app.add_subcommand("stop", "Stop an app, an app group or a task started by netmod run");
  stop->add_option("app", *stop_app, "App or group id (/star-iso), or task id")->required();
  stop->add_option("--timeout", *timeout, "Seconds to wait for the tasks to end (default 15)");
  stop->callback([&ctx, &exit_code, stop_app, timeout] { exit_code = stop_command(ctx, *stop_app, *timeout); });

  auto as_json = std::make_shared<bool>(false);
  auto* ps = app.add_subcommand("ps", "List the tasks netmod run started: app, host, addresses, netgroups, state");
  ps->add_flag("--json", *as_json, "Machine-readable output");
  ps->callback([&ctx, &exit_code, as_json] { exit_code = ps_command(ctx, *as_json); });

  auto fwd = std::make_shared<launch::ForwardOptions>();
  auto* forward = app.add_subcommand("forward", "Forward TCP connections from this namespace to an address seen from "
                                                "another (a simulated host's): how make demo shows the collector's page");
  forward->add_option("--listen", fwd->listen, "Where to listen, HOST:PORT")->required();
  forward->add_option("--to", fwd->to, "Where to connect, IP:PORT")->required();
  forward->add_option("--netns", fwd->netns, "The namespace to connect from (/run/netns/NAME)");
  forward->callback([&exit_code, fwd] { exit_code = forward_command(*fwd); });
}

}  // namespace netmod::cli

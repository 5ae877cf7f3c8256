#include "launch/app_launcher.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <iostream>
#include <map>

#include "launch/placement.hpp"
#include "launch/registry.hpp"
#include "launch/supervisor.hpp"
#include "launch/task_process.hpp"

namespace netmod::launch {

std::vector<TaskPlan> plan_apps(const std::vector<AppSpec>& apps, const std::vector<std::string>& hosts,
                                const std::vector<records::TaskRecord>& existing) {
  std::vector<std::string> task_apps;
  for (const auto& a : apps) {
    for (unsigned i = 0; i < a.instances; ++i) task_apps.push_back(a.id);
  }
  const std::vector<std::string> preferred = spread(hosts, existing, task_apps);
  std::vector<TaskPlan> plans;
  size_t n = 0;
  for (const auto& a : apps) {
    for (unsigned i = 0; i < a.instances; ++i, ++n) {
      TaskPlan p;
      records::TaskRecord& r = p.record;
      r.id = task_id(a.id, i);
      r.app = a.id;
      r.name = a.id.substr(a.id.rfind('/') + 1);
      r.netgroups = a.netgroups;
      r.labels = a.labels;
      r.host_network = a.host_network;
      if (a.host_network && a.require_ports) r.ports = a.ports;
      p.hosts = try_order(hosts, preferred[n]);
      p.wait_for_ports = true;
      p.argv = {"/bin/sh", "-c", a.cmd};
      p.uris = a.uris;
      p.run_in_sandbox = true;
      p.env = a.env;
      if (a.host_network) {
        p.task_ports = a.ports;
      } else {
        for (const auto& d : a.discovery) p.task_ports.push_back(d.number);
      }
      plans.push_back(std::move(p));
    }
  }
  return plans;
}

Result<int> run_apps(std::vector<TaskPlan> plans, LaunchContext& ctx,
                     const std::function<Result<std::unique_ptr<store::Store>>()>& open_store) {
  std::vector<records::TaskRecord> records;
  for (auto& p : plans) {
    // This process, until the task's supervisor files itself: a record
    // left by a launcher killed before then is known dead and collected.
    stamp_launcher(p.record);
    records.push_back(p.record);
  }
  const pid_t group = getpid();
  {
    // Closed before any fork: an SQLite connection must not live on in a
    // child (its locks are per process; the child's copy of them lies).
    NETMOD_ASSIGN_OR_RETURN(auto store, open_store());
    NETMOD_TRY(claim_tasks(*store, records));
  }
  ctx.store = nullptr;
  std::map<pid_t, std::string> children;  // supervisor pid -> task id
  for (auto& p : plans) {
    std::cerr.flush();
    pid_t pid = fork();
    if (pid < 0) {
      // The tasks not started are forgotten; the started ones run on.
      if (auto store = open_store()) {
        for (size_t i = &p - plans.data(); i < plans.size(); ++i) (void)remove_task(**store, plans[i].record.id);
      }
      break;
    }
    if (pid == 0) {
      // A supervisor ends with the group's launcher, as a task ends with
      // its own: after kill -9 of `netmod run --app` each is sent SIGTERM
      // (blocked: passed on to its task, then cleaned up as after netmod
      // stop) instead of running on with nothing to stop it but netmod stop.
      // Gone already: the agents collect the records it stamped.
      (void)prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (getppid() != group) _exit(1);
      int code = 1;
      auto store = open_store();
      if (!store) {
        std::cerr << "netmod: error: " << store.error().message << std::endl;
      } else {
        LaunchContext mine = ctx;
        mine.store = store->get();
        p.claimed = true;
        auto r = supervise(std::move(p), mine);
        if (r) {
          code = *r;
        } else {
          std::cerr << "netmod: error: " << p.record.app << ": " << r.error().message << std::endl;
          (void)remove_task(**store, p.record.id);
        }
      }
      std::cerr.flush();
      std::cout.flush();
      _exit(code);
    }
    children[pid] = p.record.id;
  }
  int result = 0;
  while (!children.empty()) {
    timespec tick{0, 250 * 1000 * 1000};
    int sig = sigtimedwait(&ctx.signals, nullptr, &tick);
    if (sig > 0 && sig != SIGCHLD) {
      for (const auto& [pid, id] : children) kill(pid, sig);
    }
    int status = 0;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
      if (children.erase(pid) == 0) continue;
      const int code = exit_code_of(status);
      // A task stopped by a signal it was passed on ended as asked.
      const bool stopped = code == 128 + SIGTERM || code == 128 + SIGINT;
      if (code != 0 && !stopped && result == 0) result = code;
    }
  }
  return result;
}

}  // namespace netmod::launch

// Drives the dataplane's follow-up work against the real kernel, for
// rollback_test.sh (run inside the host namespace the test made):
//   follow_up_probe TASK_NETNS remove-first
//     wires a task (netgroup g1, which the host has), takes its follow-up work (its fast path), removes the
//     task, then applies the work: the fast path must not come (its guard,
//     the task's fast_pending element, is gone), and that is no failure.
//   follow_up_probe TASK_NETNS apply-first
//     wires, applies the work (prints "applied <host ifname>"), waits for a
//     line on stdin (the test looks at the fast path), then removes it.
#include <iostream>
#include <string>

#include "dataplane/dataplane.hpp"

using namespace netmod;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: follow_up_probe TASK_NETNS remove-first|apply-first\n";
    return 2;
  }
  const std::string mode = argv[2];
  auto ns = dataplane::Netns::open(argv[1]);
  auto dp = dataplane::Dataplane::open();
  if (!ns || !dp) {
    std::cerr << (ns ? dp.error().message : ns.error().message) << "\n";
    return 1;
  }
  dataplane::TaskSpec task;
  task.container_id = "follow-up-probe";
  task.addresses = {*net::IpAddress::parse("10.99.0.5")};
  // A netgroup the host has tasks in already (g1): its objects exist, so
  // the fast path is left for later (a first of its kind gets it at once).
  task.netgroups = {"g1"};
  task.routes = {*net::Cidr::parse("0.0.0.0/0")};
  dataplane::HostSpec host;
  host.local_blocks = {*net::Cidr::parse("10.99.0.0/26")};
  host.pools = {{*net::Cidr::parse("10.99.0.0/16"), false}};
  if (auto r = dp->add_task(task, *ns, host); !r) {
    std::cerr << "wiring: " << r.error().message << "\n";
    return 1;
  }
  dataplane::FollowUp work = dp->take_follow_up();
  if (work.nf_transactions.size() != 1 || !work.nf_transactions[0].guarded) {
    std::cerr << "expected one guarded fast-path transaction, got " << work.nf_transactions.size() << "\n";
    (void)dp->remove_task(task);
    return 1;
  }
  if (mode == "apply-first") {
    auto failures = dp->apply(work);
    for (const auto& f : failures) std::cerr << "follow-up: " << f << "\n";
    std::cout << "applied " << dataplane::host_ifname(task.container_id) << std::endl;
    std::string line;
    std::getline(std::cin, line);
    if (auto r = dp->remove_task(task); !r) {
      std::cerr << "removing: " << r.error().message << "\n";
      return 1;
    }
    return failures.empty() ? 0 : 1;
  }
  if (auto r = dp->remove_task(task); !r) {
    std::cerr << "removing: " << r.error().message << "\n";
    return 1;
  }
  auto failures = dp->apply(work);
  for (const auto& f : failures) std::cerr << "follow-up: " << f << "\n";
  std::cout << "removed " << dataplane::host_ifname(task.container_id) << std::endl;
  return failures.empty() ? 0 : 1;
}

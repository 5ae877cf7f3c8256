#include "common/trace.hpp"
#include "plugin/isolation.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.hpp"

namespace netmod::plugin {

dataplane::TaskSpec task_spec(const EndpointRecord& rec) {
  return {rec.container_id, rec.task_ifname, rec.addresses, rec.netgroups, rec.mtu};
}

Result<dataplane::HostSpec> host_spec(ipam::Ipam& ipam, const std::string& host) {
  dataplane::HostSpec spec;
  NETMOD_ASSIGN_OR_RETURN(spec.local_blocks, ipam.blocks_of(host));
  NETMOD_ASSIGN_OR_RETURN(auto pools, ipam.pools());
  for (const auto& p : pools) spec.pools.push_back({p.cidr, p.nat_outgoing});
  return spec;
}

Result<EndpointRecord> isolate(store::Store& store, ipam::Ipam& ipam, const IsolateParams& p) {
  if (p.addresses.empty()) return make_error(Errc::invalid_argument, "a task needs at least one address");
  for (const auto& a : p.addresses) {
    NETMOD_ASSIGN_OR_RETURN(auto holder, ipam.holder(a));
    if (!holder) {
      return make_error(Errc::invalid_argument,
                        "address " + a.str() + " is not allocated; allocate or reserve it first");
    }
  }
  trace_point("addresses-checked");
  NETMOD_ASSIGN_OR_RETURN(dataplane::Netns task_ns, dataplane::Netns::open(p.netns_path));
  NETMOD_ASSIGN_OR_RETURN(dataplane::Netns host_ns, dataplane::Netns::current());
  if (task_ns.same_as(host_ns)) {
    return make_error(Errc::invalid_argument, p.netns_path + " is the host's own network namespace");
  }

  EndpointRecord rec;
  rec.container_id = p.container_id;
  rec.host = p.host;
  rec.host_ifname = dataplane::host_ifname(p.container_id);
  rec.task_ifname = p.task_ifname;
  rec.addresses = p.addresses;
  rec.netgroups = p.attrs.netgroups;
  rec.labels = p.attrs.labels;
  rec.mtu = p.mtu;
  rec.netns = p.netns_path;
  rec.netns_inode = task_ns.inode();

  Endpoints endpoints(store);
  NETMOD_TRY(endpoints.create(rec));
  trace_point("endpoint-recorded");
  Cleanup forget([&] { (void)endpoints.remove(p.host, p.container_id); });

  NETMOD_ASSIGN_OR_RETURN(auto host, host_spec(ipam, p.host));
  trace_point("host-spec-read");
  NETMOD_ASSIGN_OR_RETURN(dataplane::Dataplane dp, dataplane::Dataplane::open());
  trace_point("dataplane-opened");
  NETMOD_TRY(dp.add_task(task_spec(rec), task_ns, host));
  forget.cancel();
  return rec;
}

namespace {

// What to remove for a container: its record's wiring, or, with no record
// (never isolated, or a crash before the record was written), whatever
// veth of its name is left.
Result<dataplane::TaskSpec> removal_spec(Endpoints& endpoints, const std::string& host,
                                         const std::string& container_id) {
  NETMOD_ASSIGN_OR_RETURN(auto rec, endpoints.get(host, container_id));
  if (rec) return task_spec(*rec);
  dataplane::TaskSpec spec;
  spec.container_id = container_id;
  return spec;
}

}  // namespace

Result<void> cleanup(store::Store& store, const std::string& host, const std::string& container_id) {
  Endpoints endpoints(store);
  NETMOD_ASSIGN_OR_RETURN(dataplane::TaskSpec spec, removal_spec(endpoints, host, container_id));
  NETMOD_ASSIGN_OR_RETURN(dataplane::Dataplane dp, dataplane::Dataplane::open());
  NETMOD_TRY(dp.remove_task(spec));
  return endpoints.remove(host, container_id);
}

}  // namespace netmod::plugin

namespace netmod::plugin {

Result<bool> cleanup_in_background(store::Store& store, const std::string& host, const std::string& container_id,
                                   const std::vector<std::string>& reaper_argv) {
  Endpoints endpoints(store);
  NETMOD_ASSIGN_OR_RETURN(dataplane::TaskSpec spec, removal_spec(endpoints, host, container_id));
  trace_point("removal-spec-read");
  NETMOD_ASSIGN_OR_RETURN(dataplane::Dataplane dp, dataplane::Dataplane::open());
  trace_point("dataplane-opened");
  NETMOD_ASSIGN_OR_RETURN(bool link, dp.isolate_for_removal(spec));
  trace_point("task-isolated");
  NETMOD_TRY(endpoints.remove(host, container_id));
  trace_point("endpoint-removed");
  if (!link) return false;
  std::vector<char*> argv;
  for (const auto& a : reaper_argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  // Double fork: the grandchild is re-parented to init and holds none of
  // the caller's pipes, so the runtime sees DEL finish now.
  pid_t child = fork();
  if (child < 0) return sys_error("starting the background deletion of " + dataplane::host_ifname(container_id));
  if (child == 0) {
    setsid();
    if (fork() != 0) _exit(0);
    // The reaper keeps this call's nf_tables socket open until it exits,
    // tens of milliseconds later: released here (last reference), the
    // kernel would first wait for its pending nf_tables cleanup, an RCU
    // grace period, holding the lock every other nftables writer on the
    // host needs (docs/benchmarks.md, CNI DEL).
    if (auto fd = dp.nftables_fd()) fcntl(*fd, F_SETFD, 0);
    int devnull = ::open("/dev/null", O_RDWR);
    for (int fd = 0; fd < 3; ++fd) dup2(devnull, fd);
    if (devnull > 2) close(devnull);
    // A clean environment: with CNI_COMMAND still set, the binary would
    // take itself for a CNI call.
    char* no_env[] = {nullptr};
    execve(argv[0], argv.data(), no_env);
    _exit(127);
  }
  int status = 0;
  waitpid(child, &status, 0);
  trace_point("reaper-started");
  return true;
}

}  // namespace netmod::plugin

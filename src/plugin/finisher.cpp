#include "plugin/finisher.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/cleanup.hpp"
#include "common/trace.hpp"
#include "dataplane/fd.hpp"
#include "ipam/ipam.hpp"

namespace netmod::plugin {

namespace {

Result<void> release(store::Store& store, const std::vector<std::string>& handles) {
  ipam::Ipam ipam(store, {});
  for (const auto& h : handles) NETMOD_TRY(ipam.release_handle(h));
  return ok();
}

std::string joined(const std::vector<std::string>& failures) {
  std::string out;
  for (const auto& f : failures) out += (out.empty() ? "" : "; ") + f;
  return out;
}

}  // namespace

Result<void> FinishNow::finish(dataplane::Dataplane& dp, Leftover work) {
  // The links first, by themselves: their addresses are released only
  // when each is gone.
  std::vector<std::string> failures;
  bool links_gone = true;
  for (int index : work.kernel.delete_links) {
    if (auto r = dp.delete_link(index); !r) {
      failures.push_back(r.error().message);
      links_gone = false;
    }
  }
  work.kernel.delete_links.clear();
  for (auto& f : dp.apply(work.kernel)) failures.push_back(std::move(f));
  if (!work.release_handles.empty()) {
    if (!links_gone) {
      failures.push_back("addresses of " + joined(work.release_handles) + " kept: their old interface is still there");
    } else if (store_) {
      if (auto r = release(*store_, work.release_handles); !r) failures.push_back(r.error().message);
    } else {
      auto store = config::open_store(work.datastore);
      auto r = store ? release(**store, work.release_handles) : Result<void>(store.error());
      if (!r) failures.push_back(r.error().message);
    }
  }
  if (!failures.empty()) return make_error(Errc::io, "follow-up work failed: " + joined(failures));
  return ok();
}

Result<void> FinishInBackground::finish(dataplane::Dataplane& dp, Leftover work) {
  const dataplane::NetlinkSocket* nf = dp.nf_socket();
  const bool hold_nf = nf && nf->fd() >= 0 && work.kernel.slow_close;
  if (work.empty() && !hold_nf) return ok();
  if (dp.netlink().fd() < 0) return FinishNow().finish(dp, std::move(work));  // a fake kernel: no process to hand it to
  // The work, in a memory file the process reads from the start.
  dataplane::UniqueFd payload(memfd_create("netmod-follow-up", MFD_CLOEXEC));
  if (!payload.valid()) return FinishNow().finish(dp, std::move(work));
  const std::string bytes = dataplane::encode(work.kernel);
  for (size_t off = 0; off < bytes.size();) {
    ssize_t n = write(payload.get(), bytes.data() + off, bytes.size() - off);
    if (n <= 0) return FinishNow().finish(dp, std::move(work));
    off += static_cast<size_t>(n);
  }
  std::vector<std::string> args = {self_, "finish", "--datastore-type", work.datastore.type, "--datastore",
                                   work.datastore.path, "--busy-timeout-ms",
                                   std::to_string(work.datastore.busy_timeout_ms)};
  if (nf && nf->fd() >= 0) args.push_back("--nf");
  for (const auto& h : work.release_handles) {
    args.push_back("--release");
    args.push_back(h);
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // posix_spawn (a vfork: the caller waits only until the exec, and no
  // page tables are copied) of a process in a session of its own whose
  // stdio is /dev/null and which inherits exactly the payload and the
  // sockets (every other descriptor netmod opens is close-on-exec), so it
  // holds none of the runtime's pipes: the runtime sees the call finish
  // now. Not waited for: the caller exits at once, and init (or the
  // runtime's subreaper) reaps it. A clean environment: with CNI_COMMAND
  // still set, the binary would take itself for a CNI call.
  posix_spawn_file_actions_t files;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&files);
  posix_spawnattr_init(&attr);
  Cleanup destroy([&] {
    posix_spawn_file_actions_destroy(&files);
    posix_spawnattr_destroy(&attr);
  });
  lseek(payload.get(), 0, SEEK_SET);
  for (int fd = 0; fd < 3; ++fd) posix_spawn_file_actions_addopen(&files, fd, "/dev/null", O_RDWR, 0);
  posix_spawn_file_actions_adddup2(&files, payload.get(), kFinishPayloadFd);
  posix_spawn_file_actions_adddup2(&files, dp.netlink().fd(), kFinishRtnlFd);
  if (nf && nf->fd() >= 0) posix_spawn_file_actions_adddup2(&files, nf->fd(), kFinishNfFd);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  char* no_env[] = {nullptr};
  pid_t pid = 0;
  if (posix_spawn(&pid, argv[0], &files, &attr, argv.data(), no_env) != 0) {
    return FinishNow().finish(dp, std::move(work));  // done here, then
  }
  trace_point("follow-up-started");
  return ok();
}

Result<void> finish_inherited(int payload_fd, int rtnl_fd, int nf_fd, std::vector<std::string> release_handles,
                              const config::DatastoreConfig& datastore) {
  dataplane::UniqueFd payload(payload_fd);
  std::string bytes;
  char buf[16384];
  for (;;) {
    ssize_t n = read(payload.get(), buf, sizeof buf);
    if (n < 0) return sys_error("reading the follow-up work");
    if (n == 0) break;
    bytes.append(buf, static_cast<size_t>(n));
  }
  NETMOD_ASSIGN_OR_RETURN(dataplane::FollowUp kernel, dataplane::decode(bytes));
  auto rtnl = rtnl_fd >= 0 ? dataplane::NetlinkSocket::adopt(rtnl_fd) : dataplane::NetlinkSocket::open();
  if (!rtnl) return std::move(rtnl).error();
  std::optional<dataplane::Dataplane> dp;
  if (nf_fd >= 0) {
    NETMOD_ASSIGN_OR_RETURN(auto nf, dataplane::NetlinkSocket::adopt(nf_fd));
    dp.emplace(dataplane::Dataplane::over(std::move(*rtnl), std::move(nf)));
  } else {
    dp.emplace(dataplane::Dataplane::over(std::move(*rtnl)));
  }
  return FinishNow().finish(*dp, {std::move(kernel), std::move(release_handles), datastore});
}

}  // namespace netmod::plugin

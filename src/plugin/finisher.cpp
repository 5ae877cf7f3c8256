#include "plugin/finisher.hpp"

#include <fcntl.h>
#include <syslog.h>
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
  // An nf_tables socket goes to the child even with no work: the release
  // of any such socket waits while the kernel has nf_tables work pending
  // from anyone's transactions (nft_rcv_nl_event flushes the destroy
  // list), which a call must not wait for.
  const dataplane::NetlinkSocket* nf = dp.nf_socket();
  const bool hold_nf = nf && nf->fd() >= 0;
  if (work.empty() && !hold_nf) return ok();
  if (dp.netlink().fd() < 0) return FinishNow().finish(dp, std::move(work));  // a simulated kernel
  pieces_.push_back({dp.release_sockets(), std::move(work)});
  return ok();
}

void FinishInBackground::flush() {
  if (pieces_.empty()) return;
  // A child process does it: a copy of this one (fork: its own memory,
  // nothing shared but the sockets), so it starts the work at once, with
  // no program to load first (a call's fast path is in within a fraction
  // of a millisecond, before the runtime's next call needs the nftables
  // lock the fast path's commit holds). Forked as the call ends, after
  // its answer: the caller only exits after it (no page of its own is
  // copied on write). The child runs in a session of its own with
  // /dev/null for stdio (the runtime sees the call's output end when the
  // call exits), reads every reply, logs failures to syslog, and leaves
  // with _exit (nothing of the caller's is flushed or destroyed twice).
  // Not waited for: init (or the runtime's subreaper) reaps it.
  const pid_t pid = fork();
  if (pid > 0) {
    trace_point("follow-up-started");
    pieces_.clear();
    return;
  }
  const bool child = pid == 0;
  if (child) {
    setsid();
    const int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int fd = 0; fd < 3 && null >= 0; ++fd) dup2(null, fd);
  }
  // (No child to be had: done here, then.)
  bool failed = false, nf = false;
  // The dataplanes (their sockets) live until the end: see below.
  std::vector<dataplane::Dataplane> dps;
  for (auto& p : pieces_) {
    nf = nf || p.sockets.nf.has_value();
    dps.push_back(p.sockets.nf ? dataplane::Dataplane::over(std::move(p.sockets.rtnl), std::move(*p.sockets.nf))
                               : dataplane::Dataplane::over(std::move(p.sockets.rtnl)));
    if (auto r = FinishNow().finish(dps.back(), std::move(p.work)); !r) {
      failed = true;
      openlog("netmod", LOG_PID, LOG_DAEMON);
      syslog(LOG_WARNING, "%s", r.error().message.c_str());
      closelog();
    }
  }
  pieces_.clear();
  if (!child) return;  // (the sockets close here, waiting if they must)
  // The nf_tables socket is released a while later: its release takes the
  // lock every nftables writer needs and waits for the kernel's pending
  // work (nft_rcv_nl_event), which, done at once, would hold up the
  // runtime's next call (measured: 4 ms became 15 ms per back-to-back CNI
  // ADD when the child exited straight away).
  if (nf) sleep(1);
  _exit(failed ? 1 : 0);
}

}  // namespace netmod::plugin

#include "plugin/finisher.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common/cleanup.hpp"
#include "common/trace.hpp"
#include "dataplane/fd.hpp"
#include "ipam/ipam.hpp"
#include "plugin/detached_exec.hpp"
#include "plugin/handoff.hpp"

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

namespace {

void log_failure(const std::string& what) {
  openlog("netmod", LOG_PID, LOG_DAEMON);
  syslog(LOG_WARNING, "%s", what.c_str());
  closelog();
}

dataplane::Dataplane over(dataplane::NetlinkSocket rtnl, std::optional<dataplane::NetlinkSocket> nf) {
  return nf ? dataplane::Dataplane::over(std::move(rtnl), std::move(*nf)) : dataplane::Dataplane::over(std::move(rtnl));
}

// FinishNow, its failure logged; whether it succeeded.
bool finish_logged(dataplane::Dataplane& dp, Leftover work) {
  auto r = FinishNow().finish(dp, std::move(work));
  if (!r) log_failure(r.error().message);
  return r.has_value();
}

}  // namespace

void FinishInBackground::flush() {
  if (pieces_.empty()) return;
  // netmod itself, started anew (exec_detached: neither a copy of this
  // process nor a wait for the child; a fork cost a call ~1.2 ms for the
  // copy and ~1 ms more at exit, its pages shared), gets the work
  // (handoff.hpp, in a memfd) and the sockets, as the call ends, after
  // its answer. It runs in a session of its own with /dev/null for
  // stdio (the runtime sees the call's output end when the call exits),
  // reads every reply, and logs failures to syslog. Not waited for: init
  // (or the runtime's subreaper) reaps it.
  std::vector<handoff::Piece> pieces;
  std::vector<int> fds;
  for (auto& p : pieces_) {
    handoff::Piece h{p.sockets.rtnl.fd(), p.sockets.nf ? p.sockets.nf->fd() : -1, std::move(p.work)};
    fds.push_back(h.rtnl_fd);
    if (h.nf_fd >= 0) fds.push_back(h.nf_fd);
    pieces.push_back(std::move(h));
  }
  const std::string text = handoff::encode(pieces);
  dataplane::UniqueFd work(memfd_create("netmod-follow-up", MFD_CLOEXEC));
  bool started = false;
  if (work.get() >= 0 && write(work.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size())) {
    fds.push_back(work.get());
    started = exec_detached("/proc/self/exe", {"netmod", handoff::kArgument, std::to_string(work.get())}, fds);
  }
  if (started) {
    trace_point("follow-up-started");
    pieces_.clear();  // the sockets close here; the child holds them
    return;
  }
  // (No child to be had: done here, then; the sockets close as we return.)
  std::vector<dataplane::Dataplane> keep;
  for (size_t i = 0; i < pieces.size(); ++i) {
    keep.push_back(over(std::move(pieces_[i].sockets.rtnl), std::move(pieces_[i].sockets.nf)));
    finish_logged(keep.back(), std::move(pieces[i].work));
  }
  pieces_.clear();
}

int finish_handed_work(const char* fd_text) {
  // Everything this process says goes to syslog: its stdio is /dev/null.
  const auto fail = [](const std::string& why) {
    log_failure("follow-up work not done: " + why);
    return 1;
  };
  char* end = nullptr;
  const long fd = std::strtol(fd_text, &end, 10);
  if (!*fd_text || *end || fd < 3 || fd > 1 << 20) return fail(std::string("no descriptor: ") + fd_text);
  dataplane::UniqueFd work(static_cast<int>(fd));
  std::string text;
  char buf[65536];
  for (off_t at = 0;;) {
    const ssize_t n = pread(work.get(), buf, sizeof buf, at);
    if (n < 0) return fail(std::string("reading it: ") + std::strerror(errno));
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    at += n;
  }
  auto pieces = handoff::decode(text);
  if (!pieces) return fail(pieces.error().message);
  bool succeeded = true, nf = false;
  std::vector<dataplane::Dataplane> keep;  // their sockets live until the end: see below
  for (auto& p : *pieces) {
    auto rtnl = dataplane::NetlinkSocket::adopt(p.rtnl_fd);
    if (!rtnl) {
      succeeded = false;
      log_failure("follow-up work not done: " + rtnl.error().message);
      continue;
    }
    std::optional<dataplane::NetlinkSocket> nfs;
    if (p.nf_fd >= 0) {
      auto s = dataplane::NetlinkSocket::adopt(p.nf_fd);
      if (s) nfs = std::move(*s);
      nf = nf || nfs.has_value();
    }
    keep.push_back(over(std::move(*rtnl), std::move(nfs)));
    succeeded = finish_logged(keep.back(), std::move(p.work)) && succeeded;
  }
  // The nf_tables socket is released a while later: its release takes the
  // lock every nftables writer needs and waits for the kernel's pending
  // work (nft_rcv_nl_event), which, done at once, would hold up the
  // runtime's next call (measured: 4 ms became 15 ms per back-to-back CNI
  // ADD when the holder exited straight away).
  if (nf) sleep(1);
  return succeeded ? 0 : 1;
}

}  // namespace netmod::plugin

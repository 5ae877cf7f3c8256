#include "dataplane/fake_netlink.hpp"

#include <linux/netfilter/nfnetlink.h>

#include <cerrno>
#include <cstring>

namespace netmod::dataplane {

std::vector<const FakeNetlink::Sent*> FakeNetlink::State::of_type(uint16_t type) const {
  std::vector<const Sent*> out;
  for (const auto& s : sent) {
    if (s.type == type) out.push_back(&s);
  }
  return out;
}

NetlinkSocket FakeNetlink::socket(const std::shared_ptr<State>& state, int protocol) {
  return NetlinkSocket(std::make_unique<FakeNetlink>(state, protocol));
}

namespace {

std::vector<char> ack(const nlmsghdr* req, int error) {
  std::vector<char> out(NLMSG_SPACE(sizeof(nlmsgerr)), 0);
  auto* h = reinterpret_cast<nlmsghdr*>(out.data());
  h->nlmsg_len = static_cast<uint32_t>(out.size());
  h->nlmsg_type = NLMSG_ERROR;
  h->nlmsg_seq = req->nlmsg_seq;
  auto* e = reinterpret_cast<nlmsgerr*>(NLMSG_DATA(h));
  e->error = -error;
  std::memcpy(&e->msg, req, sizeof(nlmsghdr));
  return out;
}

}  // namespace

ssize_t FakeNetlink::send(const void* buf, size_t len) {
  const auto* p = static_cast<const char*>(buf);
  size_t off = 0;
  while (off + sizeof(nlmsghdr) <= len) {
    const auto* h = reinterpret_cast<const nlmsghdr*>(p + off);
    if (h->nlmsg_len < sizeof(nlmsghdr) || off + h->nlmsg_len > len) break;
    off += NLMSG_ALIGN(h->nlmsg_len);
    // nf_tables batch markers (types that rtnetlink uses for links).
    if (protocol_ == NETLINK_NETFILTER && (h->nlmsg_type == NFNL_MSG_BATCH_BEGIN || h->nlmsg_type == NFNL_MSG_BATCH_END)) {
      if (state_->on_batch) state_->on_batch(h->nlmsg_type == NFNL_MSG_BATCH_BEGIN);
      continue;
    }
    state_->sent.push_back({h->nlmsg_type, h->nlmsg_flags, std::vector<char>(reinterpret_cast<const char*>(h),
                                                                             reinterpret_cast<const char*>(h) + h->nlmsg_len)});
    Answer a = state_->script(h);
    // A dump: a get with both dump flags (which new-object requests reuse
    // as NLM_F_REPLACE and NLM_F_EXCL).
    const bool dump = (h->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP &&
                      (protocol_ != NETLINK_ROUTE || (h->nlmsg_type & 3) == 2);
    for (auto& r : a.replies) {
      nlmsghdr* rh = r.header();
      rh->nlmsg_seq = h->nlmsg_seq;
      if (dump) rh->nlmsg_flags |= NLM_F_MULTI;
      const char* b = reinterpret_cast<const char*>(rh);
      queued_.emplace_back(b, b + rh->nlmsg_len);
    }
    if (dump && a.error == 0) {
      NlMessage done(NLMSG_DONE, NLM_F_MULTI, "done");
      done.header()->nlmsg_seq = h->nlmsg_seq;
      const char* b = reinterpret_cast<const char*>(done.header());
      queued_.emplace_back(b, b + done.header()->nlmsg_len);
    } else if ((h->nlmsg_flags & NLM_F_ACK) || a.error != 0) {
      queued_.push_back(ack(h, a.error));
    }
  }
  return static_cast<ssize_t>(len);
}

ssize_t FakeNetlink::recv(void* buf, size_t len, bool dont_wait) {
  if (queued_.empty()) {
    // A real socket would block forever here: a test bug, reported as EIO.
    errno = dont_wait ? EAGAIN : EIO;
    return -1;
  }
  std::vector<char> d = std::move(queued_.front());
  queued_.pop_front();
  size_t n = std::min(len, d.size());
  std::memcpy(buf, d.data(), n);
  return static_cast<ssize_t>(n);
}

}  // namespace netmod::dataplane

#include "dataplane/netlink.hpp"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <map>
#include <optional>

namespace netmod::dataplane {

NlMessage::NlMessage(uint16_t type, uint16_t flags, std::string what)
    : buf_(MNL_ALIGN(sizeof(nlmsghdr)), 0), what_(std::move(what)) {
  buf_.reserve(1024);
  header()->nlmsg_len = static_cast<uint32_t>(buf_.size());
  header()->nlmsg_type = type;
  header()->nlmsg_flags = flags;
}

void* NlMessage::put_extra(size_t len) {
  size_t off = buf_.size();
  buf_.resize(off + MNL_ALIGN(len), 0);
  header()->nlmsg_len = static_cast<uint32_t>(buf_.size());
  return buf_.data() + off;
}

void NlMessage::put(uint16_t type, const void* data, size_t len) {
  size_t off = buf_.size();
  buf_.resize(off + MNL_ALIGN(sizeof(nlattr) + len), 0);
  auto* attr = reinterpret_cast<nlattr*>(buf_.data() + off);
  attr->nla_type = type;
  attr->nla_len = static_cast<uint16_t>(sizeof(nlattr) + len);
  if (len) std::memcpy(buf_.data() + off + sizeof(nlattr), data, len);
  header()->nlmsg_len = static_cast<uint32_t>(buf_.size());
}

size_t NlMessage::begin_nest(uint16_t type) {
  size_t off = buf_.size();
  put(type, nullptr, 0);
  reinterpret_cast<nlattr*>(buf_.data() + off)->nla_type = static_cast<uint16_t>(type | NLA_F_NESTED);
  return off;
}

void NlMessage::end_nest(size_t offset) {
  reinterpret_cast<nlattr*>(buf_.data() + offset)->nla_len = static_cast<uint16_t>(buf_.size() - offset);
}

namespace {

// The kernel: a netlink socket through libmnl.
class MnlTransport final : public NetlinkTransport {
 public:
  explicit MnlTransport(mnl_socket* s) : sock_(s) {}
  ~MnlTransport() override { close(); }
  MnlTransport(const MnlTransport&) = delete;
  MnlTransport& operator=(const MnlTransport&) = delete;

  ssize_t send(const void* buf, size_t len) override { return mnl_socket_sendto(sock_, buf, len); }
  ssize_t recv(void* buf, size_t len, bool dont_wait) override {
    if (dont_wait) return ::recv(fd(), buf, len, MSG_DONTWAIT);
    return mnl_socket_recvfrom(sock_, buf, len);
  }
  int fd() const override { return sock_ ? mnl_socket_get_fd(sock_) : -1; }
  void close() {
    if (sock_) mnl_socket_close(std::exchange(sock_, nullptr));
  }

 private:
  mnl_socket* sock_;
};

}  // namespace

NetlinkSocket::NetlinkSocket(std::unique_ptr<NetlinkTransport> transport)
    : transport_(std::move(transport)), seq_(static_cast<uint32_t>(time(nullptr))) {}

NetlinkSocket::NetlinkSocket(NetlinkSocket&& o) noexcept : transport_(std::move(o.transport_)), seq_(o.seq_) {}

NetlinkSocket& NetlinkSocket::operator=(NetlinkSocket&& o) noexcept {
  if (this != &o) {
    transport_ = std::move(o.transport_);
    seq_ = o.seq_;
  }
  return *this;
}

NetlinkSocket::~NetlinkSocket() = default;

int NetlinkSocket::fd() const { return transport_ ? transport_->fd() : -1; }

namespace {

struct Holder {
  int fd;
  int seconds;
  int delay_ms;
  const std::vector<NetlinkSocket::Deferred>* sends;
};

bool kept(const Holder& h, int fd) {
  if (fd == h.fd) return true;
  for (const auto& d : *h.sends) {
    if (d.fd == fd) return true;
  }
  return false;
}

// Runs in the holder: a process sharing the caller's memory (CLONE_VM), on
// a stack of its own, with a copy of the caller's descriptor table. Only
// system calls here: it shares the caller's heap and thread-local state,
// so it must not allocate, lock or touch stdio. (errno, thread-local, is
// the caller's; a failing call here may change it, which no caller reads
// across the call that started the holder.)
int hold(void* arg) {
  const Holder h = *static_cast<Holder*>(arg);
  setsid();
  // Every descriptor but the sockets it works on.
  int top = h.fd;
  for (const auto& d : *h.sends) top = d.fd > top ? d.fd : top;
  for (int fd = 0; fd <= top; ++fd) {
    if (!kept(h, fd)) close(fd);
  }
  close_range(static_cast<unsigned>(top + 1), ~0U, 0);
  if (h.delay_ms > 0) {
    struct timespec d = {h.delay_ms / 1000, (h.delay_ms % 1000) * 1000000L};
    while (nanosleep(&d, &d) != 0) {
    }
  }
  // The kernel handles a netlink request (an nfnetlink batch: the whole
  // transaction) inside the send; the answers stay unread in the socket.
  for (const auto& d : *h.sends) (void)send(d.fd, d.bytes.data(), d.bytes.size(), 0);
  struct timespec t = {h.seconds, 0};
  while (nanosleep(&t, &t) != 0) {
  }
  _exit(0);
}

}  // namespace

void NetlinkSocket::release_in_background(int hold_seconds, std::vector<Deferred> sends, int delay_ms) {
  if (!transport_) return;
  if (fd() < 0) {  // a fake: nothing to hand over
    transport_.reset();
    return;
  }
  // A child process holds the socket. It shares this process's memory
  // instead of copying it: no page tables to copy at the start (a fork
  // cost the caller ~0.15 ms, spawning /bin/sleep ~0.2 ms), and the address
  // space is torn down when the last of the two leaves, the holder, not
  // while the caller's own caller waits for it. It keeps no other
  // descriptor (a runtime reading the caller's output sees EOF when the
  // caller exits), runs in a session of its own, and leaves without running
  // any exit handler. Not waited for: it outlives the caller, a short-lived
  // process, and is reaped by init (or the caller's subreaper). Its stack
  // and arguments are never freed: the holder reads them after this
  // process has exited, and a second call must not reuse the first's (a
  // short-lived process calls this once or twice; ~16 KiB each).
  struct Slot {
    alignas(16) char stack[16 * 1024];
    std::vector<Deferred> sends;
    Holder holder;
  };
  auto* slot = new Slot;
  slot->sends = std::move(sends);
  slot->holder = {fd(), hold_seconds, delay_ms, &slot->sends};
  // Without a holder (clone failed) the socket closes here, paying the
  // wait itself.
  (void)clone(hold, slot->stack + sizeof slot->stack, CLONE_VM | SIGCHLD, &slot->holder);
  transport_.reset();
}

Result<NetlinkSocket> NetlinkSocket::open(int protocol) {
  mnl_socket* s = mnl_socket_open2(protocol, SOCK_CLOEXEC);
  if (!s) return sys_error("opening rtnetlink socket");
  if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) {
    Error e = sys_error("binding rtnetlink socket");
    mnl_socket_close(s);
    return e;
  }
  // Ask for the failing attribute's name in error acks where the kernel
  // supports it; harmless where it does not.
  int one = 1;
  mnl_socket_setsockopt(s, NETLINK_EXT_ACK, &one, sizeof one);
  mnl_socket_setsockopt(s, NETLINK_CAP_ACK, &one, sizeof one);
  return NetlinkSocket(std::make_unique<MnlTransport>(s));
}

namespace {

void append_message(std::vector<char>& batch, const NlMessage& m) {
  const char* p = reinterpret_cast<const char*>(m.header());
  batch.insert(batch.end(), p, p + MNL_ALIGN(m.header()->nlmsg_len));
}

}  // namespace

void NetlinkSocket::append_requests(std::vector<NlMessage>& msgs, std::vector<char>& batch,
                                    std::map<uint32_t, const NlMessage*>& pending) {
  for (auto& m : msgs) {
    nlmsghdr* h = m.header();
    h->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
    h->nlmsg_seq = ++seq_;
    h->nlmsg_pid = 0;
    pending[h->nlmsg_seq] = &m;
    append_message(batch, m);
  }
}

Result<void> NetlinkSocket::execute(std::vector<NlMessage>& msgs,
                                    const std::function<bool(int, const NlMessage&)>& tolerate) {
  if (msgs.empty()) return ok();
  std::vector<char> batch;
  std::map<uint32_t, const NlMessage*> pending;
  append_requests(msgs, batch, pending);
  if (transport_->send(batch.data(), batch.size()) < 0) return sys_error("sending netlink batch");
  std::optional<Error> first;
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE * 4);
  while (!pending.empty()) {
    ssize_t n = transport_->recv(buf.data(), buf.size(), false);
    if (n < 0) return sys_error("receiving netlink acknowledgements");
    auto* h = reinterpret_cast<const nlmsghdr*>(buf.data());
    int len = static_cast<int>(n);
    for (; mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len)) {
      if (h->nlmsg_type != NLMSG_ERROR) continue;
      auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(h));
      auto it = pending.find(h->nlmsg_seq);
      if (it == pending.end()) continue;
      int code = -err->error;
      if (code != 0 && !(tolerate && tolerate(code, *it->second)) && !first) {
        first = sys_error(it->second->what(), code);
      }
      pending.erase(it);
    }
  }
  if (first) return *first;
  return ok();
}

std::vector<char> NetlinkSocket::nf_batch(std::vector<NlMessage>& msgs,
                                          std::map<uint32_t, const NlMessage*>& pending) {
  auto marker = [&](uint16_t type) {
    NlMessage m(type, 0, "batch");
    auto* nfg = m.put_family_header<nfgenmsg>();
    nfg->nfgen_family = AF_UNSPEC;
    nfg->version = NFNETLINK_V0;
    nfg->res_id = htons(NFNL_SUBSYS_NFTABLES);
    m.header()->nlmsg_flags = NLM_F_REQUEST;
    m.header()->nlmsg_seq = ++seq_;
    return m;
  };
  std::vector<char> batch;
  append_message(batch, marker(NFNL_MSG_BATCH_BEGIN));
  append_requests(msgs, batch, pending);
  append_message(batch, marker(NFNL_MSG_BATCH_END));
  return batch;
}

std::vector<char> NetlinkSocket::request_bytes(std::vector<NlMessage>& msgs) {
  std::vector<char> bytes;
  std::map<uint32_t, const NlMessage*> pending;
  append_requests(msgs, bytes, pending);
  return bytes;
}

std::vector<char> NetlinkSocket::batch_bytes(std::vector<NlMessage>& msgs) {
  std::map<uint32_t, const NlMessage*> pending;
  return nf_batch(msgs, pending);
}

Result<void> NetlinkSocket::transaction(std::vector<NlMessage>& msgs) {
  if (msgs.empty()) return ok();
  std::map<uint32_t, const NlMessage*> pending;
  std::vector<char> batch = nf_batch(msgs, pending);
  if (transport_->send(batch.data(), batch.size()) < 0) return sys_error("sending nftables batch");
  // The kernel runs the whole batch inside sendmsg() and queues every
  // acknowledgement (success or error) before it returns: read until the
  // socket is empty rather than wait for a count that an aborted batch
  // might not reach.
  std::optional<Error> first;
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE * 4);
  for (;;) {
    ssize_t n = transport_->recv(buf.data(), buf.size(), true);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      return sys_error("receiving nftables acknowledgements");
    }
    auto* h = reinterpret_cast<const nlmsghdr*>(buf.data());
    int len = static_cast<int>(n);
    for (; mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len)) {
      if (h->nlmsg_type != NLMSG_ERROR) continue;
      auto it = pending.find(h->nlmsg_seq);
      if (it == pending.end()) continue;
      int code = -static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(h))->error;
      if (code != 0 && !first) {
        first = sys_error("nftables: " + it->second->what(), code);
        if (code == ENOENT) first->code = Errc::not_found;
      }
      pending.erase(it);
    }
  }
  if (first) return *first;
  if (!pending.empty()) {
    return make_error(Errc::io, "nftables: no acknowledgement for " + pending.begin()->second->what());
  }
  return ok();
}

Result<void> NetlinkSocket::request(NlMessage& msg, const std::function<void(const nlmsghdr*)>& on_reply) {
  nlmsghdr* h = msg.header();
  h->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
  h->nlmsg_seq = ++seq_;
  if (transport_->send(h, h->nlmsg_len) < 0) return sys_error("sending " + msg.what());
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE * 4);
  for (;;) {
    ssize_t n = transport_->recv(buf.data(), buf.size(), false);
    if (n < 0) return sys_error("receiving reply to " + msg.what());
    auto* r = reinterpret_cast<const nlmsghdr*>(buf.data());
    int len = static_cast<int>(n);
    for (; mnl_nlmsg_ok(r, len); r = mnl_nlmsg_next(r, &len)) {
      if (r->nlmsg_seq != h->nlmsg_seq) continue;
      if (r->nlmsg_type == NLMSG_DONE) return ok();
      if (r->nlmsg_type == NLMSG_ERROR) {
        int code = -static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(r))->error;
        if (code == 0) return ok();
        if (code == ENODEV || code == ENOENT) return make_error(Errc::not_found, msg.what() + ": not found");
        return sys_error(msg.what(), code);
      }
      on_reply(r);
      if (!(r->nlmsg_flags & NLM_F_MULTI)) {
        // A single reply is followed by the ack we asked for; keep reading.
      }
    }
  }
}

}  // namespace netmod::dataplane

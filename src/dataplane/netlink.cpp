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

namespace {

// What one receive may take. The kernel sizes a dump's messages by the
// largest receive it has seen on the socket, up to 32 KiB: a buffer that
// large lets one message carry a chain hooked on ~1,500 devices.
constexpr size_t kReceiveBuffer = 64 * 1024;

}  // namespace

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

std::optional<NlMessage> NlMessage::from_bytes(std::string_view bytes, std::string what) {
  if (bytes.size() < sizeof(nlmsghdr) || bytes.size() > UINT16_MAX * 16) return std::nullopt;
  nlmsghdr h;
  std::memcpy(&h, bytes.data(), sizeof h);
  if (h.nlmsg_len != bytes.size()) return std::nullopt;
  NlMessage m(0, 0, std::move(what));
  m.buf_.assign(bytes.begin(), bytes.end());
  m.buf_.resize(MNL_ALIGN(bytes.size()), 0);
  m.header()->nlmsg_len = static_cast<uint32_t>(bytes.size());
  return m;
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

NetlinkSocket::NetlinkSocket(NetlinkSocket&& o) noexcept
    : transport_(std::move(o.transport_)), seq_(o.seq_), buf_(std::move(o.buf_)) {}

std::vector<char>& NetlinkSocket::receive_buffer() {
  if (buf_.size() < kReceiveBuffer) buf_.resize(kReceiveBuffer);
  return buf_;
}

NetlinkSocket& NetlinkSocket::operator=(NetlinkSocket&& o) noexcept {
  if (this != &o) {
    transport_ = std::move(o.transport_);
    seq_ = o.seq_;
    buf_ = std::move(o.buf_);
  }
  return *this;
}

NetlinkSocket::~NetlinkSocket() = default;

int NetlinkSocket::fd() const { return transport_ ? transport_->fd() : -1; }

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

Result<NetlinkSocket> NetlinkSocket::adopt(int fd) {
  int type = 0;
  socklen_t len = sizeof type;
  sockaddr_nl addr{};
  socklen_t alen = sizeof addr;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_RAW ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &alen) < 0 || addr.nl_family != AF_NETLINK) {
    return make_error(Errc::invalid_argument, "descriptor " + std::to_string(fd) + " is not a netlink socket");
  }
  mnl_socket* s = mnl_socket_fdopen(fd);
  if (!s) return sys_error("adopting netlink socket " + std::to_string(fd));
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
  std::vector<char>& buf = receive_buffer();
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

Result<void> NetlinkSocket::transaction(std::vector<NlMessage>& msgs, size_t* failed) {
  if (msgs.empty()) return ok();
  std::map<uint32_t, const NlMessage*> pending;
  std::vector<char> batch = nf_batch(msgs, pending);
  if (transport_->send(batch.data(), batch.size()) < 0) return sys_error("sending nftables batch");
  // The kernel runs the whole batch inside sendmsg() and queues every
  // acknowledgement (success or error) before it returns: read until the
  // socket is empty rather than wait for a count that an aborted batch
  // might not reach.
  std::optional<Error> first;
  std::vector<char>& buf = receive_buffer();
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
        if (failed) *failed = static_cast<size_t>(it->second - msgs.data());
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
  std::vector<char>& buf = receive_buffer();
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

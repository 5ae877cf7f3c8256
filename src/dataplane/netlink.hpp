// rtnetlink through libmnl: request messages as values, built by the named
// factories in rtnl.hpp, and a socket that sends a batch of them in one
// system call and reports which one failed.
#pragma once

#include <linux/netlink.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

#include "common/result.hpp"

namespace netmod::dataplane {

// One rtnetlink request. `what` names it in error messages ("creating veth
// nm1a2b3c4d5e6f").
class NlMessage {
 public:
  NlMessage(uint16_t type, uint16_t flags, std::string what);
  // A message from its bytes (one whole netlink message, as header()
  // holds it); nullopt when they are not one.
  static std::optional<NlMessage> from_bytes(std::string_view bytes, std::string what);
  std::string_view bytes() const { return {buf_.data(), header()->nlmsg_len}; }

  nlmsghdr* header() { return reinterpret_cast<nlmsghdr*>(buf_.data()); }
  const nlmsghdr* header() const { return reinterpret_cast<const nlmsghdr*>(buf_.data()); }
  // The family header that follows the netlink header (ifinfomsg, ...).
  template <class T>
  T* put_family_header() {
    return static_cast<T*>(put_extra(sizeof(T)));
  }
  void put(uint16_t type, const void* data, size_t len);
  void put_u32(uint16_t type, uint32_t v) { put(type, &v, sizeof v); }
  void put_str(uint16_t type, const std::string& s) { put(type, s.c_str(), s.size() + 1); }
  // Nested attributes: put between begin_nest() and end_nest(begin).
  size_t begin_nest(uint16_t type);
  void end_nest(size_t offset);

  const std::string& what() const { return what_; }

 private:
  void* put_extra(size_t len);
  std::vector<char> buf_;
  std::string what_;
};

// Where a NetlinkSocket's bytes go: a kernel socket, or a fake kernel in
// unit tests (fake_netlink.hpp), so the code that decides what to send and
// what an answer means runs without root.
class NetlinkTransport {
 public:
  virtual ~NetlinkTransport() = default;
  // As send(2) and recv(2): -1 with errno set on failure; with
  // `dont_wait`, EAGAIN when nothing is queued.
  virtual ssize_t send(const void* buf, size_t len) = 0;
  virtual ssize_t recv(void* buf, size_t len, bool dont_wait) = 0;
  // The kernel socket's descriptor; -1 for a fake.
  virtual int fd() const = 0;
};

class NetlinkSocket {
 public:
  // A NETLINK_ROUTE socket in the calling thread's network namespace (it
  // stays bound to that namespace wherever the thread goes afterwards).
  static Result<NetlinkSocket> open(int protocol = NETLINK_ROUTE);
  // A bound netlink socket this process was given (by the process that
  // opened it), owned from now on; an error when `fd` is not one.
  static Result<NetlinkSocket> adopt(int fd);
  // A socket over another transport (tests).
  explicit NetlinkSocket(std::unique_ptr<NetlinkTransport> transport);
  NetlinkSocket(NetlinkSocket&&) noexcept;
  NetlinkSocket& operator=(NetlinkSocket&&) noexcept;
  ~NetlinkSocket();

  int fd() const;
  bool valid() const { return transport_ != nullptr; }  // false once moved from


  // Sends every message in one sendmsg() and collects every acknowledgement.
  // The kernel applies them in order; the first that fails is reported with
  // its errno and `what`. `tolerate(errno, msg)` may accept an error (e.g.
  // ENODEV when deleting what is already gone).
  Result<void> execute(std::vector<NlMessage>& msgs,
                       const std::function<bool(int, const NlMessage&)>& tolerate = {});

  // Sends nf_tables requests as one nfnetlink batch (one transaction: the
  // kernel applies all of them or none). The first failing message is
  // reported with its errno and `what`, and its index in `failed`.
  Result<void> transaction(std::vector<NlMessage>& msgs, size_t* failed = nullptr);
  // The bytes of such a batch, or of plain requests, to be sent later by
  // someone else (numbered from this socket's sequence).
  std::vector<char> batch_bytes(std::vector<NlMessage>& msgs);
  std::vector<char> request_bytes(std::vector<NlMessage>& msgs);

  // Sends one request and passes every reply message to `on_reply`
  // (dumps and gets). Errc::not_found when the kernel answers ENODEV/ENOENT.
  Result<void> request(NlMessage& msg, const std::function<void(const nlmsghdr*)>& on_reply);

 private:
  // Numbers each message as a request wanting an ack, files it in
  // `pending` by sequence number and appends it to `batch`.
  void append_requests(std::vector<NlMessage>& msgs, std::vector<char>& batch,
                       std::map<uint32_t, const NlMessage*>& pending);
  // An nfnetlink batch of `msgs`, between its begin and end markers.
  std::vector<char> nf_batch(std::vector<NlMessage>& msgs, std::map<uint32_t, const NlMessage*>& pending);
  // The buffer replies are received into (sized once, on first use).
  std::vector<char>& receive_buffer();
  std::unique_ptr<NetlinkTransport> transport_;
  uint32_t seq_ = 0;
  std::vector<char> buf_;
};

}  // namespace netmod::dataplane

// A fake kernel at the netlink boundary, for unit tests: a NetlinkTransport
// that hands every request (each message of an nf_tables batch included)
// to a script, answers as the kernel would (acknowledgements, errors,
// dump replies) and records what was sent. Code above NetlinkSocket runs
// unchanged against it, without root.
#pragma once

#include <linux/netlink.h>

#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "dataplane/netlink.hpp"

namespace netmod::dataplane {

class FakeNetlink final : public NetlinkTransport {
 public:
  struct Sent {
    uint16_t type;
    uint16_t flags;
    std::vector<char> bytes;  // the whole message
    const nlmsghdr* header() const { return reinterpret_cast<const nlmsghdr*>(bytes.data()); }
  };
  // What the fake answers to one request: an errno (0: success) and, for
  // gets and dumps, the reply messages (built with NlMessage; their
  // sequence numbers are set here).
  struct Answer {
    int error = 0;
    std::vector<NlMessage> replies;
  };
  using Script = std::function<Answer(const nlmsghdr* request)>;

  // Shared with the test, which keeps it after the socket takes the transport.
  struct State {
    Script script = [](const nlmsghdr*) { return Answer{}; };
    std::vector<Sent> sent;
    // Told of nf_tables batch markers: true at a batch's start, false at
    // its end (a simulated kernel makes a batch all or nothing).
    std::function<void(bool begin)> on_batch;
    // Requests of these types, in the order sent.
    std::vector<const Sent*> of_type(uint16_t type) const;
  };

  FakeNetlink(std::shared_ptr<State> state, int protocol) : state_(std::move(state)), protocol_(protocol) {}
  // A socket over a new fake of `protocol` (NETLINK_ROUTE, NETLINK_NETFILTER).
  static NetlinkSocket socket(const std::shared_ptr<State>& state, int protocol = NETLINK_ROUTE);

  ssize_t send(const void* buf, size_t len) override;
  ssize_t recv(void* buf, size_t len, bool dont_wait) override;
  int fd() const override { return -1; }

 private:
  std::shared_ptr<State> state_;
  int protocol_;
  std::deque<std::vector<char>> queued_;  // datagrams to receive
};

}  // namespace netmod::dataplane

// Kernel work a call leaves for after it has answered: what may follow the
// answer without making it wrong (a task's fast path, the proxy entry of
// its IPv6 gateway: traffic flows without them, by the routed path and by
// the task's static neighbour entry) and what is slow and needed by nobody
// waiting (deleting a released task's veth: 20-35 ms in the kernel).
//
// A value: the dataplane that computed it hands it out (take_follow_up),
// and the process decides where it is done, where the process starts: a
// long-lived one (the agent, tests) applies it on its own sockets at once;
// a short plugin call hands it, with its sockets, to a background process
// (plugin/finisher.hpp). Either way every reply is read, and a failure is
// reported, not lost.
#pragma once

#include <string>
#include <vector>

#include "common/result.hpp"
#include "dataplane/netlink.hpp"

namespace netmod::dataplane {

struct FollowUp {
  // An nf_tables transaction, all or nothing. `guarded`: its first message
  // is a guard whose failure (not found) means the work is moot (a task's
  // fast path consumes the task's fast_pending element first, so a task
  // removed meanwhile gets nothing added, and that is no failure).
  struct Transaction {
    std::vector<NlMessage> msgs;
    bool guarded = false;
  };
  std::vector<Transaction> nf_transactions;
  // rtnetlink requests, one batch.
  std::vector<NlMessage> rtnl;
  // Links to delete by index (a DEL's parked veth), after the above.
  std::vector<int> delete_links;

  bool empty() const { return nf_transactions.empty() && rtnl.empty() && delete_links.empty(); }
  void merge(FollowUp other);
};

// Applies `work` on these sockets, in order: every nf_tables transaction,
// the rtnetlink batch, then the link deletions (a link already gone is
// fine). Reads every reply; all of it is tried, and the failures are
// returned, one message each ("" when none failed). An nf_tables
// transaction that fails because its task is gone is not a failure.
std::vector<std::string> apply(FollowUp& work, NetlinkSocket& rtnl, NetlinkSocket& nf);

}  // namespace netmod::dataplane

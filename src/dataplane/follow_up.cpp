#include "dataplane/follow_up.hpp"

#include <linux/rtnetlink.h>

#include <cstring>

#include "dataplane/rtnl.hpp"

namespace netmod::dataplane {

void FollowUp::merge(FollowUp other) {
  for (auto& t : other.nf_transactions) nf_transactions.push_back(std::move(t));
  for (auto& m : other.rtnl) rtnl.push_back(std::move(m));
  delete_links.insert(delete_links.end(), other.delete_links.begin(), other.delete_links.end());
}

std::vector<std::string> apply(FollowUp& work, NetlinkSocket& rtnl, NetlinkSocket& nf) {
  std::vector<std::string> failures;
  for (auto& t : work.nf_transactions) {
    size_t failed = 0;
    auto r = nf.transaction(t.msgs, &failed);
    if (!r && !(t.guarded && failed == 0 && r.error().code == Errc::not_found)) failures.push_back(r.error().message);
  }
  if (auto r = rtnl.execute(work.rtnl); !r) failures.push_back(r.error().message);
  for (int index : work.delete_links) {
    std::vector<NlMessage> del;
    del.push_back(rtnl::del_link(index));
    if (auto r = rtnl.execute(del, [](int err, const NlMessage&) { return err == ENODEV; }); !r) {
      failures.push_back(r.error().message);
    }
  }
  return failures;
}

}  // namespace netmod::dataplane

#include "engine/apply.hpp"

#include <functional>

namespace netmod::engine {

namespace {

// Sends `msgs` in order, in parts of at most 128 KiB (one send must fit the
// socket's buffer, ~200 KiB) and 256 messages (the kernel queues an
// acknowledgement per message before the first is read); stops at the
// first part that fails.
Result<void> in_parts(std::vector<dataplane::NlMessage>& msgs,
                      const std::function<Result<void>(std::vector<dataplane::NlMessage>&)>& send) {
  constexpr size_t kMaxBytes = 128 * 1024, kMaxMessages = 256;
  std::vector<dataplane::NlMessage> part;
  size_t bytes = 0;
  for (auto& m : msgs) {
    if (!part.empty() && (bytes + m.bytes().size() > kMaxBytes || part.size() == kMaxMessages)) {
      NETMOD_TRY(send(part));
      part.clear();
      bytes = 0;
    }
    bytes += m.bytes().size();
    part.push_back(std::move(m));
  }
  return send(part);
}

}  // namespace

Result<void> apply(Change& change, dataplane::Dataplane& dp) {
  if (!change.nft_text.empty()) {
    NETMOD_TRY(dp.run_nft(change.nft_text));
  }
  if (!change.nf.empty()) {
    // One transaction while the change fits one part; a larger one (thousands
    // of tasks' elements at once) in transactions of a part each, in order.
    NETMOD_ASSIGN_OR_RETURN(dataplane::NetlinkSocket * nf, dp.nf_tables());
    NETMOD_TRY(in_parts(change.nf, [&](auto& part) { return nf->transaction(part); }));
  }
  // rtnetlink requests stand alone anyway.
  return in_parts(change.rtnl, [&](auto& part) { return dp.netlink().execute(part); });
}

}  // namespace netmod::engine

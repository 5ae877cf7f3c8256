#include "engine/apply.hpp"

namespace netmod::engine {

Result<void> apply(Change& change, dataplane::Dataplane& dp) {
  if (!change.nft_text.empty()) {
    NETMOD_TRY(dp.run_nft(change.nft_text));
  }
  if (!change.nf.empty()) {
    NETMOD_ASSIGN_OR_RETURN(dataplane::NetlinkSocket * nf, dp.nf_tables());
    // One transaction while it fits in one send (the socket's buffer,
    // ~200 KiB); a larger change (thousands of tasks' elements at once) in
    // transactions of up to kMaxBatchBytes each, in order.
    // (And at most 256 messages each: the kernel queues an acknowledgement
    // per message before the first is read.)
    constexpr size_t kMaxBatchBytes = 128 * 1024, kMaxBatchMessages = 256;
    std::vector<dataplane::NlMessage> batch;
    size_t bytes = 0;
    for (auto& m : change.nf) {
      if (!batch.empty() && (bytes + m.bytes().size() > kMaxBatchBytes || batch.size() == kMaxBatchMessages)) {
        NETMOD_TRY(nf->transaction(batch));
        batch.clear();
        bytes = 0;
      }
      bytes += m.bytes().size();
      batch.push_back(std::move(m));
    }
    NETMOD_TRY(nf->transaction(batch));
  }
  // rtnetlink requests stand alone anyway: sent in sends of up to the same size.
  std::vector<dataplane::NlMessage> part;
  size_t part_bytes = 0;
  for (auto& m : change.rtnl) {
    if (!part.empty() && (part_bytes + m.bytes().size() > 128 * 1024 || part.size() == 256)) {
      NETMOD_TRY(dp.netlink().execute(part));
      part.clear();
      part_bytes = 0;
    }
    part_bytes += m.bytes().size();
    part.push_back(std::move(m));
  }
  return dp.netlink().execute(part);
}

}  // namespace netmod::engine

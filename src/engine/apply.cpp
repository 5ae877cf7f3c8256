#include "engine/apply.hpp"

namespace netmod::engine {

Result<void> apply(Change& change, dataplane::Dataplane& dp) {
  if (!change.nft_text.empty()) {
    NETMOD_TRY(dp.run_nft(change.nft_text));
  }
  if (!change.nf.empty()) {
    NETMOD_ASSIGN_OR_RETURN(dataplane::NetlinkSocket * nf, dp.nf_tables());
    NETMOD_TRY(nf->transaction(change.nf));
  }
  return dp.netlink().execute(change.rtnl);
}

}  // namespace netmod::engine

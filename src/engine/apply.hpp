// The applier: sends a change (diff.hpp) to the kernel through the
// dataplane's sockets in as few batches as the kernel allows: nft syntax
// for objects made anew (libnftables, one transaction), one nf_tables
// transaction for elements, object deletions and hooks (all or nothing;
// a change too large for one send, in transactions of up to 128 KiB, in
// order), and one rtnetlink batch (each request on its own; all are tried, and
// every reply is read).
#pragma once

#include "dataplane/dataplane.hpp"
#include "engine/diff.hpp"

namespace netmod::engine {

// An error names the first part that failed; what came before it stays
// applied, and a later reconcile finds what is still missing.
Result<void> apply(Change& change, dataplane::Dataplane& dp);

}  // namespace netmod::engine

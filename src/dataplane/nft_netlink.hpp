// nf_tables requests written directly as netlink messages, for the
// per-task work every isolate and cleanup does: adding and removing a
// task's set elements, and asking whether a chain exists. Going through
// libnftables for that cost each call about 1 ms (loading the library and
// its dependencies, building a context, parsing text, fetching a cache);
// as messages it is one sendmsg() (docs/benchmarks.md). Everything else
// (the table, its sets and chains, reconcile's replacement of all
// elements) is rare and stays in nft syntax through libnftables (nft.hpp).
//
// The messages are built from ruleset::Element values, the same values the
// text renderer prints, so both paths write the same elements.
#pragma once

#include <string>
#include <vector>

#include "dataplane/netlink.hpp"
#include "dataplane/ruleset.hpp"

namespace netmod::dataplane::nftnl {

// The key as the kernel stores it: an interface name is IFNAMSIZ (16)
// bytes, zero-padded; an address is 4 or 16 bytes in network order; in a
// concatenation each part takes a multiple of 4 bytes (all of these do).
std::vector<uint8_t> element_key(const ruleset::Element& e);

// NFT_MSG_NEWSETELEM / NFT_MSG_DELSETELEM for one element of netmod's table.
// Adding an element that exists with the same value is not an error;
// deleting one that does not exist is (ENOENT), as with nft.
NlMessage new_element(const ruleset::Element& e);
NlMessage del_element(const ruleset::Element& e);

// NFT_MSG_GETSETELEM for one element: answered ENOENT when it is absent.
// (Asking is cheap; a transaction that fails is not: the kernel waits for
// an RCU grace period, several milliseconds, before it reports the abort.)
NlMessage get_element(const ruleset::Element& e);

// NFT_MSG_GETCHAIN for a chain of netmod's table (the fast-path table with
// `fast`): answered ENOENT (as Errc::not_found from
// NetlinkSocket::request) when there is none.
NlMessage get_chain(const std::string& chain, bool fast = false);

// NFT_MSG_GETSET for a set or map of netmod's table (`fast`: the
// fast-path table): answered ENOENT when there is none.
NlMessage get_set(const std::string& set, bool fast = false);
// Deletes a chain of netmod's table with its rules; the kernel refuses
// (EBUSY) while a verdict element still jumps to it.
NlMessage del_chain(const std::string& chain, bool fast = false);
// Deletes a set of netmod's table; the kernel refuses (EBUSY) while it
// holds an element or a rule uses it (NLM_F_NONREC), so a set another task
// has just joined is never lost.
NlMessage del_set(const std::string& set, bool fast = false);

// Hooks the fast path on a device: its base chain h_<device>
// (ruleset::fast_hook_chain; NFT_MSG_NEWCHAIN, left as it is when it
// exists), its rules flushed and its one rule, `goto fast`, added: the
// same as ruleset::fast_hook, idempotent. The chain `fast` must exist
// (ENOENT otherwise). Unhooking deletes that base chain with its rule.
std::vector<NlMessage> add_fast_hook(const std::string& device);
NlMessage del_fast_hook(const std::string& device);

}  // namespace netmod::dataplane::nftnl

// Follow-up work handed from a plugin call to the process that finishes
// it after the call has exited (FinishInBackground): the work and the
// descriptors of the call's netlink sockets, written by the call and read
// by that process, which is netmod itself started anew (posix_spawn of
// /proc/self/exe: no copy of the caller's page tables, nothing shared but
// the sockets and this description).
//
// The encoding is JSON: netlink messages as hexadecimal strings with the
// text that names them in errors. decode() is a parser
// like any other: whatever the bytes, it returns the work or an error
// naming what is wrong, and never crashes (fuzz/handoff_fuzz.cpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "plugin/finisher.hpp"

namespace netmod::plugin::handoff {

// The argument that makes netmod the finishing process: argv is
// {exe, kArgument, "<descriptor of the encoded work>"}.
inline constexpr const char* kArgument = "--netmod-follow-up";

struct Piece {
  int rtnl_fd = -1;
  int nf_fd = -1;  // -1: none
  Leftover work;
};

std::string encode(const std::vector<Piece>& pieces);
Result<std::vector<Piece>> decode(std::string_view bytes);

}  // namespace netmod::plugin::handoff

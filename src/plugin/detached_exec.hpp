// Starts a program detached from the caller, without making the caller
// wait for it or pay for a copy of itself: the way a short plugin call
// hands its follow-up work on (finisher.hpp) as it ends.
//
// fork() copies the caller's page tables (~1 ms for netmod) and leaves
// its pages shared, so its exit costs more; posix_spawn() suspends the
// caller until the child has run as far as its exec, which on a loaded
// machine means until the scheduler gets round to the child (8-12 ms
// measured while two compilers ran). Here the child is a clone sharing
// the caller's memory (CLONE_VM, no copy) that the caller does not wait
// for: on a stack of its own, from data prepared before the clone that
// the caller never frees or changes, it makes only raw system calls (no
// libc: not even errno, which is the caller's), setsid, stdio on
// /dev/null, every other descriptor but the kept ones closed on exec,
// signals unblocked, and the exec. The caller may exit meanwhile: its memory then
// lives on until the exec, and the child, not the caller, tears it down.
#pragma once

#include <string>
#include <vector>

namespace netmod::plugin {

// Starts `path` with `argv` and the caller's environment, in a session of
// its own, stdio on /dev/null, with the descriptors in `keep` open and
// every other one closed (even those the caller inherited without
// close-on-exec). Returns whether the child was
// started (not whether its exec succeeds: a child that cannot exec exits
// with 127). Not waited for.
bool exec_detached(const std::string& path, const std::vector<std::string>& argv, const std::vector<int>& keep);

}  // namespace netmod::plugin

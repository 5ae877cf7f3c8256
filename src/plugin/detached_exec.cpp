#include "plugin/detached_exec.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

extern char** environ;

namespace netmod::plugin {

namespace {

#if defined(__x86_64__) || defined(__aarch64__)
#define NETMOD_RAW_SYSCALLS 1

// A system call with no libc in between: returns -errno on failure and
// touches no memory but its arguments'.
long raw(long n, long a = 0, long b = 0, long c = 0, long d = 0) {
#if defined(__x86_64__)
  long ret;
  register long r10 asm("r10") = d;
  asm volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
  return ret;
#else
  register long x8 asm("x8") = n;
  register long x0 asm("x0") = a;
  register long x1 asm("x1") = b;
  register long x2 asm("x2") = c;
  register long x3 asm("x3") = d;
  asm volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
  return x0;
#endif
}

// Everything the child reads, in one mapping the caller never unmaps.
struct ChildData {
  const char* path;
  char* const* argv;
  char* const* envp;
  const int* keep;
  size_t keep_count;
};

constexpr size_t kStack = 64 * 1024;

int child_main(void* arg) {
  const auto* d = static_cast<const ChildData*>(arg);
  raw(SYS_setsid);
  static constexpr char kNull[] = "/dev/null";
  const long null = raw(SYS_openat, AT_FDCWD, reinterpret_cast<long>(kNull), O_RDWR);
  for (long fd = 0; fd < 3 && null >= 0; ++fd) {
    if (null != fd) raw(SYS_dup3, null, fd, 0);
  }
  if (null > 2) raw(SYS_close, null);
  // Nothing else of the caller's goes with the exec, not even what it was
  // given without close-on-exec (a runtime's pipe would otherwise stay
  // open for as long as this process lives, and the runtime wait for it):
  // all marked close-on-exec, then the kept ones cleared.
  raw(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
  for (size_t i = 0; i < d->keep_count; ++i) raw(SYS_fcntl, d->keep[i], F_SETFD, 0);
  const uint64_t none = 0;  // the kernel's sigset_t: 64 bits
  raw(SYS_rt_sigprocmask, SIG_SETMASK, reinterpret_cast<long>(&none), 0, sizeof none);
  raw(SYS_execve, reinterpret_cast<long>(d->path), reinterpret_cast<long>(d->argv), reinterpret_cast<long>(d->envp));
  raw(SYS_exit, 127);
  return 127;
}

// Copies `s` into the mapping at `at`; returns the copy.
char* put(char*& at, const char* s) {
  const size_t n = std::strlen(s) + 1;
  std::memcpy(at, s, n);
  char* out = at;
  at += n;
  return out;
}
#endif

bool posix_spawn_detached(const std::string& path, const std::vector<std::string>& argv, const std::vector<int>& keep) {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDWR, 0);
  posix_spawn_file_actions_adddup2(&actions, 0, 1);
  posix_spawn_file_actions_adddup2(&actions, 0, 2);
  for (int fd : keep) posix_spawn_file_actions_adddup2(&actions, fd, fd);  // onto itself: kept open
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const bool ok = posix_spawn(&pid, path.c_str(), &actions, &attr, args.data(), environ) == 0;
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  return ok;
}

}  // namespace

bool exec_detached(const std::string& path, const std::vector<std::string>& argv, const std::vector<int>& keep) {
#ifdef NETMOD_RAW_SYSCALLS
  // One mapping: the child's stack, then its data (strings, the pointer
  // arrays, the descriptors). Never unmapped by the caller: the child may
  // still read it after the caller has returned (the exec, or the
  // caller's exit, lets it go).
  size_t env_count = 0, bytes = path.size() + 1 + sizeof(ChildData) + 64;
  for (char** e = environ; e && *e; ++e, ++env_count) bytes += std::strlen(*e) + 1 + sizeof(char*);
  for (const auto& a : argv) bytes += a.size() + 1 + sizeof(char*);
  bytes += 2 * sizeof(char*) + keep.size() * sizeof(int);
  const size_t size = kStack + ((bytes + 4095) & ~size_t{4095});
  void* map = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (map == MAP_FAILED) return posix_spawn_detached(path, argv, keep);
  char* base = static_cast<char*>(map);
  auto* data = reinterpret_cast<ChildData*>(base + kStack);
  auto** argv_out = reinterpret_cast<char**>(data + 1);
  auto** envp_out = argv_out + argv.size() + 1;
  auto* keep_out = reinterpret_cast<int*>(envp_out + env_count + 1);
  char* strings = reinterpret_cast<char*>(keep_out + keep.size());
  for (size_t i = 0; i < argv.size(); ++i) argv_out[i] = put(strings, argv[i].c_str());
  argv_out[argv.size()] = nullptr;
  for (size_t i = 0; i < env_count; ++i) envp_out[i] = put(strings, environ[i]);
  envp_out[env_count] = nullptr;
  std::memcpy(keep_out, keep.data(), keep.size() * sizeof(int));
  *data = ChildData{put(strings, path.c_str()), argv_out, envp_out, keep_out, keep.size()};
  // The stack grows down from the start of the data.
  if (clone(child_main, base + kStack, CLONE_VM | SIGCHLD, data) > 0) return true;
  munmap(map, size);  // no child: nobody reads it
  return posix_spawn_detached(path, argv, keep);
#else
  return posix_spawn_detached(path, argv, keep);
#endif
}

}  // namespace netmod::plugin

#include "agent/processes.hpp"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>

#include "dataplane/fd.hpp"

namespace netmod::agent {

namespace {

// Field 22 of a /proc/<pid>/stat text, read after the last ')' (the
// command name may hold spaces and parentheses).
std::optional<int64_t> start_field(const std::string& stat) {
  const auto close = stat.rfind(')');
  if (close == std::string::npos || close + 2 > stat.size()) return std::nullopt;
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && rest >> field; ++i) {
    if (i != 22) continue;
    int64_t v = 0;
    auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
    if (ec != std::errc() || end != field.data() + field.size()) return std::nullopt;
    return v;
  }
  return std::nullopt;
}

// Whether this process sees the machine's PIDs: the NSpid line of
// /proc/self/status lists one pid per nested PID namespace.
bool in_initial_pid_namespace() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with("NSpid:")) continue;
    std::istringstream pids(line.substr(6));
    int n = 0;
    for (std::string p; pids >> p;) ++n;
    return n == 1;
  }
  return true;  // kernels before 4.1 have no NSpid (and no nesting to tell)
}

class ProcProcesses final : public Processes {
 public:
  std::string boot_id() const override {
    std::ifstream in("/proc/sys/kernel/random/boot_id");
    std::string id;
    std::getline(in, id);
    return id;
  }

  Result<std::optional<int64_t>> start_time(int64_t pid) const override {
    if (!initial_ns_) {
      return make_error(Errc::unsupported, "in a PID namespace of its own, the machine's processes cannot be seen");
    }
    if (pid <= 0) return make_error(Errc::invalid_argument, "no process has pid " + std::to_string(pid));
    const std::string path = "/proc/" + std::to_string(pid) + "/stat";
    dataplane::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) {
      const int e = errno;
      if (e == ENOENT || e == ESRCH) return std::optional<int64_t>{};
      return sys_error("opening " + path, e);
    }
    std::string stat;
    char buf[1024];
    while (true) {
      const ssize_t n = ::read(fd.get(), buf, sizeof buf);
      if (n > 0) {
        stat.append(buf, static_cast<size_t>(n));
        continue;
      }
      if (n == 0) break;
      if (errno == EINTR) continue;
      if (errno == ESRCH) return std::optional<int64_t>{};  // it ended while being read
      return sys_error("reading " + path);
    }
    auto start = start_field(stat);
    if (!start) return make_error(Errc::corrupt, path + ": no start time in " + stat.substr(0, 80));
    return std::optional<int64_t>(*start);
  }

 private:
  bool initial_ns_ = in_initial_pid_namespace();
};

}  // namespace

const Processes& this_machine_processes() {
  static const ProcProcesses p;
  return p;
}

}  // namespace netmod::agent

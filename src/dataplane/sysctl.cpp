#include "dataplane/sysctl.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "dataplane/fd.hpp"

namespace netmod::dataplane::sysctl {

Result<std::string> get(const std::string& name) {
  std::string path = "/proc/sys/" + name;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return sys_error("reading " + path);
  char buf[64];
  ssize_t n = ::read(fd.get(), buf, sizeof buf);
  if (n < 0) return sys_error("reading " + path);
  std::string v(buf, static_cast<size_t>(n));
  while (!v.empty() && (v.back() == '\n' || v.back() == ' ')) v.pop_back();
  return v;
}

Result<void> set(const std::string& name, const std::string& value) {
  auto current = get(name);
  if (current && *current == value) return ok();
  std::string path = "/proc/sys/" + name;
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return sys_error("writing " + path);
  if (::write(fd.get(), value.data(), value.size()) < 0) return sys_error("writing " + path);
  return ok();
}

}  // namespace netmod::dataplane::sysctl

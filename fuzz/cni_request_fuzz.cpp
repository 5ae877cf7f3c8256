// Fuzz target: the CNI invocation parser (environment and network config).
// Input: "KEY=VALUE" lines for CNI_COMMAND, CNI_CONTAINERID, CNI_IFNAME,
// CNI_ARGS and CNI_PATH, an empty line, then the network config. The
// namespace is always the fuzzer's own (nothing else is opened), and only
// parsing runs: no datastore, no kernel.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "plugin/cni/invocation.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace netmod::plugin::cni;
  const std::string input(reinterpret_cast<const char*>(data), size);
  size_t split = input.find("\n\n");
  std::string env_text = split == std::string::npos ? "" : input.substr(0, split);
  std::string conf = split == std::string::npos ? input : input.substr(split + 2);
  std::map<std::string, std::string> env = {{"CNI_NETNS", "/proc/self/ns/net"}};
  size_t pos = 0;
  while (pos < env_text.size()) {
    size_t end = env_text.find('\n', pos);
    if (end == std::string::npos) end = env_text.size();
    std::string line = env_text.substr(pos, end - pos);
    pos = end + 1;
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = line.substr(0, eq);
    if (key == "CNI_COMMAND" || key == "CNI_CONTAINERID" || key == "CNI_IFNAME" || key == "CNI_ARGS" ||
        key == "CNI_PATH") {
      env[key] = line.substr(eq + 1);
    }
  }
  Getenv getenv = [&env](const char* name) -> const char* {
    if (std::string(name) == "NETMOD_CONFIG") return "/dev/null/no-netmod-conf-for-the-fuzzer";
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  detail::Invocation inv;
  inv.command = env.count("CNI_COMMAND") ? env["CNI_COMMAND"] : "ADD";
  if (auto f = detail::parse_request(getenv, conf, inv)) {
    (void)error_json(inv.cni_version, f->error);
  }
  return 0;
}

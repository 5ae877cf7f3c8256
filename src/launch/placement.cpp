#include "launch/placement.hpp"

#include <algorithm>
#include <map>

namespace netmod::launch {

std::string app_group(const std::string& app) {
  auto slash = app.rfind('/');
  if (slash == std::string::npos || slash == 0) return "/";
  return app.substr(0, slash);
}

std::vector<std::string> spread(const std::vector<std::string>& hosts, const std::vector<records::TaskRecord>& existing,
                                const std::vector<std::string>& apps) {
  std::map<std::string, unsigned> total;
  std::map<std::pair<std::string, std::string>, unsigned> in_group;  // (group, host)
  for (const auto& t : existing) {
    if (t.host.empty()) continue;
    ++total[t.host];
    ++in_group[{app_group(t.app), t.host}];
  }
  std::vector<std::string> out;
  for (const auto& app : apps) {
    const std::string group = app_group(app);
    const std::string* best = nullptr;
    for (const auto& h : hosts) {
      if (!best) {
        best = &h;
        continue;
      }
      auto key = [&](const std::string& x) { return std::make_pair(in_group[{group, x}], total[x]); };
      if (key(h) < key(*best)) best = &h;
    }
    out.push_back(*best);
    ++total[*best];
    ++in_group[{group, *best}];
  }
  return out;
}

std::vector<std::string> try_order(const std::vector<std::string>& hosts, const std::string& preferred) {
  auto it = std::find(hosts.begin(), hosts.end(), preferred);
  if (it == hosts.end()) {
    std::vector<std::string> out{preferred};
    out.insert(out.end(), hosts.begin(), hosts.end());
    return out;
  }
  std::vector<std::string> out(it, hosts.end());
  out.insert(out.end(), hosts.begin(), it);
  return out;
}

}  // namespace netmod::launch

// Fuzz target: Marathon app definitions as `netmod run --app` reads them
// (launch/app.hpp), and the task records the launcher files
// (records/tasks.hpp). Whatever parses has absolute ids that parse again
// to themselves, a command, and validated netgroups; task ids and the
// Mesos-DNS names of every id are well-formed; a task record decodes to
// one that encodes and decodes to the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "ipam/names.hpp"
#include "launch/app.hpp"
#include "records/tasks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace netmod;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto apps = launch::parse_apps(text, "/base");
  if (!apps) {
    if (apps.error().message.empty()) std::abort();
  } else {
    for (const auto& a : *apps) {
      auto again = launch::absolute_app_id(a.id, "/");
      if (!again || *again != a.id || a.cmd.empty()) std::abort();
      if (!ipam::parse_netgroups(a.netgroups) || *ipam::parse_netgroups(a.netgroups) != a.netgroups) std::abort();
      for (const auto& n : records::mesos_dns_names(a.id)) {
        if (n.empty() || n.size() > 253) std::abort();
      }
      if (launch::task_id(a.id, 0).empty()) std::abort();
    }
  }
  auto rec = records::decode_task(text);
  if (rec) {
    auto back = records::decode_task(records::encode_task(*rec));
    if (!back || back->id != rec->id || back->addresses != rec->addresses || back->ports != rec->ports) std::abort();
  }
  return 0;
}

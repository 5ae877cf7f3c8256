#include "plugin/cni/plugin.hpp"

#include <istream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>

#include "common/json_fields.hpp"
#include "common/text.hpp"
#include "dataplane/netns.hpp"
#include "plugin/cni/invocation.hpp"

namespace netmod::plugin::cni {

using json = nlohmann::json;
using namespace detail;

namespace {

int handle(const Getenv& getenv, const std::string& input, Invocation& inv, std::ostream& out, Machine& machine) {
  auto respond_error = [&](const CniError& e) {
    out << error_json(inv.cni_version, e) << "\n";
    out.flush();
    return 1;
  };
  if (inv.command.empty()) return respond_error({Code::invalid_env, "CNI_COMMAND is not set", ""});
  static const std::set<std::string> commands = {"ADD", "DEL", "CHECK", "STATUS", "GC", "VERSION"};
  if (!commands.count(inv.command)) {
    return respond_error({Code::invalid_env, "CNI_COMMAND " + quote(inv.command) + " is not a CNI command", ""});
  }
  if (inv.command == "VERSION") {
    // The config may be no more than {"cniVersion": ...}, or absent.
    auto conf = parse_json(input, "network config");
    std::string v = "1.1.0";
    if (conf && conf->is_object() && conf->contains("cniVersion") && (*conf)["cniVersion"].is_string()) {
      v = (*conf)["cniVersion"].get<std::string>();
    }
    out << version_json(v) << "\n";
    return 0;
  }
  if (auto f = parse_request(getenv, input, inv)) return respond_error(f->error);

  // ADD and CHECK work in the task's namespace: opened once, here.
  std::optional<dataplane::Netns> ns;
  if (inv.command == "ADD" || inv.command == "CHECK") {
    auto opened = machine.kernel.open_netns(inv.netns);
    if (!opened) return respond_error({Code::invalid_env, "CNI_NETNS: " + opened.error().message, ""});
    ns.emplace(std::move(*opened));
  }
  Result<void> done;
  if (inv.command == "ADD") {
    auto r = add(inv, std::move(*ns), machine);
    if (!r) return respond_error(from_error(r.error()));
    out << *r << "\n";
    return 0;
  }
  if (inv.command == "STATUS") {
    done = status(inv);
    if (!done) return respond_error({Code::plugin_not_available, done.error().message, ""});
    return 0;
  }
  done = inv.command == "DEL" ? del(inv, machine) : inv.command == "CHECK" ? check(inv, *ns, machine) : gc(inv, machine);
  if (!done) return respond_error(from_error(done.error()));
  return 0;
}

}  // namespace

int run(const Getenv& getenv, std::istream& in, std::ostream& out, Machine& machine) {
  std::string input((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Invocation inv;
  inv.command = env_or(getenv, "CNI_COMMAND");
  // The front end's boundary: nothing thrown below may end the process
  // without an answer in the runtime's format.
  try {
    return handle(getenv, input, inv, out, machine);
  } catch (const std::exception& e) {
    out << error_json(inv.cni_version, {Code::internal, std::string("internal error: ") + shorten(e.what()), ""})
        << "\n";
    return 1;
  }
}

}  // namespace netmod::plugin::cni

#include "plugin/cni/plugin.hpp"

#include <istream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>

#include "plugin/cni/invocation.hpp"

namespace netmod::plugin::cni {

using json = nlohmann::json;
using namespace detail;

int run(const Getenv& getenv, std::istream& in, std::ostream& out) {
  std::string input((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Invocation inv;
  inv.command = env_or(getenv, "CNI_COMMAND");
  auto respond_error = [&](const CniError& e) {
    out << error_json(inv.cni_version, e) << "\n";
    out.flush();
    return 1;
  };
  if (inv.command.empty()) return respond_error({Code::invalid_env, "CNI_COMMAND is not set", ""});
  if (inv.command == "VERSION") {
    json conf = json::parse(input, nullptr, false);
    std::string v = conf.is_object() && conf.contains("cniVersion") && conf["cniVersion"].is_string()
                        ? conf["cniVersion"].get<std::string>()
                        : "1.1.0";
    out << version_json(v) << "\n";
    return 0;
  }
  static const std::set<std::string> commands = {"ADD", "DEL", "CHECK", "STATUS", "GC"};
  if (!commands.count(inv.command)) {
    return respond_error({Code::invalid_env, "CNI_COMMAND \"" + inv.command + "\" is not a CNI command", ""});
  }
  if (auto f = parse_request(getenv, input, inv)) return respond_error(f->error);

  if (inv.command == "ADD") {
    auto r = add(inv);
    if (!r) return respond_error(from_error(r.error()));
    out << *r << "\n";
    return 0;
  }
  if (inv.command == "DEL") {
    auto r = del(inv);
    if (!r) return respond_error(from_error(r.error()));
    return 0;
  }
  if (inv.command == "STATUS") {
    auto cfg = netmod_config(getenv, inv.conf, inv.conf["name"].get<std::string>());
    if (!cfg) return respond_error({Code::invalid_config, cfg.error().message, ""});
    auto store = config::open_store(cfg->datastore);
    if (!store) return respond_error({Code::plugin_not_available, store.error().message, ""});
    return 0;
  }
  auto r = inv.command == "CHECK" ? check(inv) : gc(inv);
  if (!r) return respond_error(from_error(r.error()));
  return 0;
}

}  // namespace netmod::plugin::cni

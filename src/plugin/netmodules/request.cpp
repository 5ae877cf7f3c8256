#include "plugin/netmodules/request.hpp"

#include <nlohmann/json.hpp>

#include "common/json_fields.hpp"
#include "common/json_text.hpp"
#include "common/text.hpp"
#include "ipam/ipam.hpp"

namespace netmod::plugin::netmodules {

using json = nlohmann::json;

namespace {

Error invalid(std::string msg) { return make_error(Errc::invalid_argument, std::move(msg)); }

// Typed access to "args", each error naming the field.
class Args {
 public:
  explicit Args(const json& args) : args_(args) {}

  bool has(const char* key) const { return args_.contains(key) && !args_[key].is_null(); }

  Result<std::string> string(const char* key) const {
    if (!has(key)) return invalid(std::string("args.") + key + " is required");
    const json& v = args_[key];
    if (!v.is_string()) return invalid(std::string("args.") + key + " must be a string, got " + excerpt(v));
    return v.get<std::string>();
  }

  Result<unsigned> count(const char* key) const {
    if (!has(key)) return invalid(std::string("args.") + key + " is required");
    const json& v = args_[key];
    if (!v.is_number_integer() || v.get<int64_t>() < 0 ||
        v.get<int64_t>() > static_cast<int64_t>(ipam::kMaxAddressesPerFamily)) {
      return invalid(std::string("args.") + key + " must be an integer from 0 to " +
                     std::to_string(ipam::kMaxAddressesPerFamily) + ", got " + excerpt(v));
    }
    return static_cast<unsigned>(v.get<int64_t>());
  }

  Result<int> pid(const char* key) const {
    if (!has(key)) return invalid(std::string("args.") + key + " is required");
    const json& v = args_[key];
    if (!v.is_number_integer() || v.get<int64_t>() <= 0 || v.get<int64_t>() > 0x3fffffff) {
      return invalid(std::string("args.") + key + " must be a positive process id, got " + excerpt(v));
    }
    return static_cast<int>(v.get<int64_t>());
  }

  Result<std::vector<std::string>> strings(const char* key) const {
    std::vector<std::string> out;
    if (!has(key)) return out;
    const json& v = args_[key];
    if (!v.is_array()) return invalid(std::string("args.") + key + " must be a list of strings, got " + excerpt(v));
    for (const json& s : v) {
      if (!s.is_string()) {
        return invalid(std::string("args.") + key + " must be a list of strings, got element " + excerpt(s));
      }
      out.push_back(s.get<std::string>());
    }
    return out;
  }

  // Addresses of one family (nullopt: either).
  Result<std::vector<net::IpAddress>> addresses(const char* key, std::optional<net::Family> family) const {
    NETMOD_ASSIGN_OR_RETURN(auto texts, strings(key));
    std::vector<net::IpAddress> out;
    for (size_t i = 0; i < texts.size(); ++i) {
      std::string where = std::string("args.") + key + "[" + std::to_string(i) + "]: ";
      auto a = net::IpAddress::parse(texts[i]);
      if (!a) return invalid(where + a.error().message);
      if (family && a->family() != *family) {
        return invalid(where + a->str() + " is not an " + std::string(net::family_name(*family)) + " address");
      }
      out.push_back(*a);
    }
    return out;
  }

  // Labels as [{"key": K, "value": V}] (what the Mesos module sends) or
  // {"K": "V"}.
  Result<ipam::Labels> labels() const {
    ipam::Labels out;
    if (!has("labels")) return out;
    const json& v = args_["labels"];
    auto bad = [&] {
      return invalid("args.labels must be a list of {\"key\", \"value\"} or an object of strings, got " + excerpt(v));
    };
    if (v.is_object()) {
      for (const auto& [k, val] : v.items()) {
        if (!val.is_string() || k.empty()) return bad();
        out[k] = val.get<std::string>();
      }
    } else if (v.is_array()) {
      for (const json& e : v) {
        if (!e.is_object() || !e.contains("key") || !e["key"].is_string() || e["key"].get<std::string>().empty()) {
          return bad();
        }
        std::string value;
        if (e.contains("value")) {
          if (!e["value"].is_string()) return bad();
          value = e["value"].get<std::string>();
        }
        out[e["key"].get<std::string>()] = value;
      }
    } else {
      return bad();
    }
    return out;
  }

  Result<ipam::Attributes> attributes() const {
    NETMOD_ASSIGN_OR_RETURN(auto names, strings("netgroups"));
    auto groups = ipam::parse_netgroups(names);
    if (!groups) return invalid("args.netgroups: " + groups.error().message);
    NETMOD_ASSIGN_OR_RETURN(auto labels, this->labels());
    return ipam::Attributes{*groups, labels};
  }

  Result<std::string> hostname() const {
    NETMOD_ASSIGN_OR_RETURN(auto h, string("hostname"));
    auto parsed = ipam::parse_hostname(h);
    if (!parsed) return invalid("args.hostname: " + parsed.error().message);
    return *parsed;
  }

  Result<std::string> container_id() const {
    NETMOD_ASSIGN_OR_RETURN(auto c, string("container_id"));
    auto parsed = ipam::parse_container_id(c);
    if (!parsed) return invalid("args.container_id: " + parsed.error().message);
    return *parsed;
  }

  Result<std::string> handle(const char* key) const {
    NETMOD_ASSIGN_OR_RETURN(auto u, string(key));
    auto parsed = ipam::parse_handle(u);
    if (!parsed) return invalid(std::string("args.") + key + ": " + parsed.error().message);
    return *parsed;
  }

 private:
  const json& args_;
};

Result<Request> parse_allocate(const Args& a) {
  AllocateRequest r;
  NETMOD_ASSIGN_OR_RETURN(r.hostname, a.hostname());
  NETMOD_ASSIGN_OR_RETURN(r.uid, a.handle("uid"));
  NETMOD_ASSIGN_OR_RETURN(r.num_ipv4, a.count("num_ipv4"));
  NETMOD_ASSIGN_OR_RETURN(r.num_ipv6, a.count("num_ipv6"));
  NETMOD_ASSIGN_OR_RETURN(r.attrs, a.attributes());
  return Request(std::move(r));
}

Result<Request> parse_reserve(const Args& a) {
  ReserveRequest r;
  NETMOD_ASSIGN_OR_RETURN(r.hostname, a.hostname());
  NETMOD_ASSIGN_OR_RETURN(r.uid, a.handle("uid"));
  NETMOD_ASSIGN_OR_RETURN(r.ipv4_addrs, a.addresses("ipv4_addrs", net::Family::v4));
  NETMOD_ASSIGN_OR_RETURN(r.ipv6_addrs, a.addresses("ipv6_addrs", net::Family::v6));
  if (r.ipv4_addrs.empty() && r.ipv6_addrs.empty()) {
    return invalid("reserve needs at least one address in args.ipv4_addrs or args.ipv6_addrs");
  }
  NETMOD_ASSIGN_OR_RETURN(r.attrs, a.attributes());
  return Request(std::move(r));
}

Result<Request> parse_release(const Args& a) {
  ReleaseRequest r;
  bool has_uid = a.has("uid"), has_ips = a.has("ips");
  if (has_uid == has_ips) {
    return invalid(has_uid ? "release takes either args.uid or args.ips, not both"
                           : "release needs args.uid or args.ips");
  }
  if (has_uid) {
    NETMOD_ASSIGN_OR_RETURN(r.uid, a.handle("uid"));
  } else {
    NETMOD_ASSIGN_OR_RETURN(r.ips, a.addresses("ips", std::nullopt));
  }
  return Request(std::move(r));
}

Result<Request> parse_isolate(const Args& a) {
  IsolateRequest r;
  NETMOD_ASSIGN_OR_RETURN(r.hostname, a.hostname());
  NETMOD_ASSIGN_OR_RETURN(r.container_id, a.container_id());
  NETMOD_ASSIGN_OR_RETURN(r.pid, a.pid("pid"));
  NETMOD_ASSIGN_OR_RETURN(r.ipv4_addrs, a.addresses("ipv4_addrs", net::Family::v4));
  NETMOD_ASSIGN_OR_RETURN(r.ipv6_addrs, a.addresses("ipv6_addrs", net::Family::v6));
  if (r.ipv4_addrs.empty() && r.ipv6_addrs.empty()) {
    return invalid("isolate needs at least one address in args.ipv4_addrs or args.ipv6_addrs");
  }
  NETMOD_ASSIGN_OR_RETURN(r.attrs, a.attributes());
  return Request(std::move(r));
}

Result<Request> parse_cleanup(const Args& a) {
  CleanupRequest r;
  NETMOD_ASSIGN_OR_RETURN(r.hostname, a.hostname());
  NETMOD_ASSIGN_OR_RETURN(r.container_id, a.container_id());
  return Request(std::move(r));
}

}  // namespace

Result<Request> parse_request(std::string_view text) {
  NETMOD_ASSIGN_OR_RETURN(json doc, parse_json(text, "request"));
  if (!doc.is_object()) return invalid("request must be a JSON object");
  if (!doc.contains("command") || !doc["command"].is_string()) {
    return invalid("request needs a \"command\" string");
  }
  std::string command = doc["command"].get<std::string>();
  if (!doc.contains("args") || !doc["args"].is_object()) {
    return invalid("request needs an \"args\" object");
  }
  Args args(doc["args"]);
  if (command == "allocate") return parse_allocate(args);
  if (command == "reserve") return parse_reserve(args);
  if (command == "release") return parse_release(args);
  if (command == "isolate") return parse_isolate(args);
  if (command == "cleanup") return parse_cleanup(args);
  return invalid("unknown command " + quote(command) + " (expected allocate, reserve, release, isolate or cleanup)");
}

}  // namespace netmod::plugin::netmodules

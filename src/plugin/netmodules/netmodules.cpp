#include "plugin/netmodules/netmodules.hpp"

#include <istream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <ostream>

#include "ipam/ipam.hpp"
#include "plugin/netmodules/request.hpp"

namespace netmod::plugin::netmodules {

// ordered_json keeps the documented key order: ipv4, ipv6, error.
using json = nlohmann::ordered_json;

namespace {

json address_list(const std::vector<net::IpAddress>& addrs) {
  json out = json::array();
  for (const auto& a : addrs) out.push_back(a.str());
  return out;
}

json assigned(const ipam::Assigned& a) {
  return json{{"ipv4", address_list(a.v4)}, {"ipv6", address_list(a.v6)}, {"error", nullptr}};
}

// Runs a parsed request against the store.
class Handler {
 public:
  Handler(const Environment& env, ipam::Ipam& ipam) : env_(env), ipam_(ipam) {}

  Result<json> operator()(const AllocateRequest& r) {
    NETMOD_ASSIGN_OR_RETURN(auto a, ipam_.allocate({r.uid, r.hostname, r.num_ipv4, r.num_ipv6, r.attrs, {}}));
    return assigned(a);
  }

  Result<json> operator()(const ReserveRequest& r) {
    std::vector<net::IpAddress> all = r.ipv4_addrs;
    all.insert(all.end(), r.ipv6_addrs.begin(), r.ipv6_addrs.end());
    NETMOD_ASSIGN_OR_RETURN(auto a, ipam_.reserve({r.uid, r.hostname, all, r.attrs}));
    return assigned(a);
  }

  Result<json> operator()(const ReleaseRequest& r) {
    if (r.uid) {
      NETMOD_TRY(ipam_.release_handle(*r.uid));
    } else {
      NETMOD_TRY(ipam_.release_addresses(r.ips));
    }
    return json{{"error", nullptr}};
  }

  Result<json> operator()(const IsolateRequest&) {
    return make_error(Errc::unsupported, "isolate is not supported by this netmod build (no dataplane)");
  }

  Result<json> operator()(const CleanupRequest&) {
    return make_error(Errc::unsupported, "cleanup is not supported by this netmod build (no dataplane)");
  }

 private:
  [[maybe_unused]] const Environment& env_;
  ipam::Ipam& ipam_;
};

Result<json> handle(const std::string& input, const Environment& env) {
  NETMOD_ASSIGN_OR_RETURN(Request request, parse_request(input));
  NETMOD_ASSIGN_OR_RETURN(auto store, env.open_store());
  ipam::Ipam ipam(*store, config::ipam_options(env.config));
  Handler handler(env, ipam);
  return std::visit(handler, request);
}

}  // namespace

Environment default_environment(config::Config config) {
  Environment env;
  env.config = std::move(config);
  config::DatastoreConfig ds = env.config.datastore;
  env.open_store = [ds]() -> Result<std::shared_ptr<store::Store>> {
    NETMOD_ASSIGN_OR_RETURN(auto s, config::open_store(ds));
    return std::shared_ptr<store::Store>(std::move(s));
  };
  return env;
}

int run(std::istream& in, std::ostream& out, const Environment& env) {
  std::string input((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto result = handle(input, env);
  if (!result) {
    out << json{{"error", result.error().message}}.dump() << "\n";
    out.flush();
    return 1;
  }
  out << result->dump() << "\n";
  out.flush();
  return 0;
}

}  // namespace netmod::plugin::netmodules

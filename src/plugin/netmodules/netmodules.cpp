#include "plugin/netmodules/netmodules.hpp"

#include <istream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <ostream>

#include "common/json_text.hpp"
#include "common/text.hpp"
#include "ipam/ipam.hpp"
#include "plugin/isolation.hpp"
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
  Handler(const Environment& env, store::Store& store, ipam::Ipam& ipam) : env_(env), store_(store), ipam_(ipam) {}

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

  Result<json> operator()(const IsolateRequest& r) {
    std::string pid = std::to_string(r.pid);
    // Name the process, not its namespace file, in what a user reads.
    auto opened = env_.kernel->open_netns("/proc/" + pid + "/ns/net");
    if (!opened && opened.error().code == Errc::not_found) {
      return make_error(Errc::not_found, "process " + pid + " does not exist");
    }
    NETMOD_ASSIGN_OR_RETURN(auto ns, std::move(opened));
    NETMOD_ASSIGN_OR_RETURN(auto host_ns, env_.kernel->current_netns());
    if (ns.same_as(host_ns)) {
      return make_error(Errc::invalid_argument,
                        "process " + pid + " is in the host's network namespace; a task needs its own");
    }
    // Opened once, here, and passed down.
    IsolateParams p;
    p.host = r.hostname;
    p.container_id = r.container_id;
    p.netns_path = "/proc/" + pid + "/ns/net";
    p.addresses = r.ipv4_addrs;
    p.addresses.insert(p.addresses.end(), r.ipv6_addrs.begin(), r.ipv6_addrs.end());
    p.attrs = r.attrs;
    p.mtu = env_.config.mtu;
    Machine machine{*env_.kernel, *env_.finisher};
    NETMOD_TRY(isolate(store_, ipam_, p, std::move(ns), machine));
    return json{{"error", nullptr}};
  }

  Result<json> operator()(const CleanupRequest& r) {
    // Found by its key: a cleanup naming another host than isolate did
    // still removes it.
    Machine machine{*env_.kernel, *env_.finisher};
    NETMOD_TRY(cleanup(store_, r.container_id, machine));
    return json{{"error", nullptr}};
  }

 private:
  const Environment& env_;
  store::Store& store_;
  ipam::Ipam& ipam_;
};

Result<json> handle(const std::string& input, const Environment& env) {
  NETMOD_ASSIGN_OR_RETURN(Request request, parse_request(input));
  NETMOD_ASSIGN_OR_RETURN(auto store, env.open_store());
  ipam::Ipam ipam(*store, config::ipam_options(env.config));
  Handler handler(env, *store, ipam);
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
  env.finisher = std::make_shared<FinishInBackground>();
  return env;
}

int run(std::istream& in, std::ostream& out, const Environment& env) {
  std::string input((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The front end's boundary: whatever happens below, the answer is one
  // JSON object on stdout.
  Result<json> result = make_error(Errc::internal, "no answer");
  try {
    result = handle(input, env);
  } catch (const std::exception& e) {
    result = make_error(Errc::internal, std::string("internal error: ") + shorten(e.what()));
  }
  if (!result) {
    out << dump_safely(json{{"error", result.error().message}}) << "\n";
    out.flush();
    return 1;
  }
  out << dump_safely(*result) << "\n";
  out.flush();
  return 0;
}

}  // namespace netmod::plugin::netmodules

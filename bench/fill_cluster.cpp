// Fills an embedded store with a cluster's worth of other hosts' tasks,
// for bench/agent_scale.sh: HOSTS hosts (h2, h3, ...) each with a fabric
// record, and TASKS endpoints spread over them, each with an address
// allocated by IPAM for its host (so blocks are affine to their hosts)
// and netgroup g1.
//   fill_cluster STORE_PATH HOSTS TASKS
#include <cstdio>
#include <cstdlib>

#include "ipam/ipam.hpp"
#include "records/endpoints.hpp"
#include "records/hosts.hpp"
#include "store/sqlite_store.hpp"

using namespace netmod;

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: fill_cluster STORE_PATH HOSTS TASKS\n");
    return 2;
  }
  const int hosts = std::atoi(argv[2]), tasks = std::atoi(argv[3]);
  auto store = store::SqliteStore::open({argv[1], 10000, false});
  if (!store) {
    std::fprintf(stderr, "%s\n", store.error().message.c_str());
    return 1;
  }
  ipam::IpamOptions o;
  o.release_cooldown_ms = 0;
  o.default_pools = {{*net::Cidr::parse("10.80.0.0/14")}};
  ipam::Ipam ipam(**store, o);
  for (int h = 0; h < hosts; ++h) {
    records::FabricRecord f{"h" + std::to_string(h + 2),
                            {*net::IpAddress::parse("192.168.80." + std::to_string(h + 2))}, 0};
    store::Txn t;
    t.ops.push_back({store::Op::Kind::put, records::keys::fabric(f.host), records::encode_fabric(f)});
    if (!(*store)->commit(t)) return 1;
  }
  for (int i = 0; i < tasks; ++i) {
    const std::string host = "h" + std::to_string(i % hosts + 2);
    const std::string id = "remote-" + std::to_string(i);
    auto r = (*store)->update([&](store::Tx& tx) -> Result<void> {
      ipam::AutoRequest req;
      req.handle = id;
      req.host = host;
      req.num_v4 = 1;
      NETMOD_ASSIGN_OR_RETURN(auto a, ipam.allocate(tx, req));
      records::EndpointRecord e;
      e.container_id = id;
      e.host = host;
      e.host_ifname = "nm" + std::to_string(100000000000 + i);
      e.addresses = a.v4;
      e.netgroups = {"g1"};
      e.netns = "/run/netns/" + id;
      return records::Endpoints::create(tx, e);
    });
    if (!r) {
      std::fprintf(stderr, "task %d: %s\n", i, r.error().message.c_str());
      return 1;
    }
  }
  return 0;
}

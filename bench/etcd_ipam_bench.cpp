// IPAM on a real etcd (started by this benchmark on loopback, its data in
// /dev/shm): allocate + release of one IPv4 address per cycle, from one
// process, and from three "hosts" (threads, each with its own etcd client
// and host name) at once; HTTP requests (etcd round trips) per cycle. The
// same from one process on the embedded store, as the peer.
//   etcd_ipam_bench [CYCLES=300] [ROUNDS=5]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>
#include <vector>

#include "etcd_server.hpp"
#include "ipam/ipam.hpp"
#include "store/etcd/etcd_store.hpp"
#include "store/sqlite_store.hpp"

using namespace netmod;
using Clock = std::chrono::steady_clock;

namespace {

ipam::IpamOptions options() {
  ipam::IpamOptions o;
  o.release_cooldown_ms = 0;
  o.default_pools = {{*net::Cidr::parse("10.65.0.0/16")}};
  return o;
}

// Cycles per second of `n` allocate+release cycles on `store` as `host`.
double cycles(store::Store& store, const std::string& host, int n, int tag) {
  ipam::Ipam ipam(store, options());
  const auto start = Clock::now();
  for (int i = 0; i < n; ++i) {
    ipam::AutoRequest r;
    r.handle = "bench-" + host + "-" + std::to_string(tag) + "-" + std::to_string(i);
    r.host = host;
    r.num_v4 = 1;
    auto a = ipam.allocate(r);
    if (!a) {
      std::fprintf(stderr, "allocate: %s\n", a.error().message.c_str());
      std::exit(1);
    }
    auto rel = ipam.release_handle(r.handle);
    if (!rel) {
      std::fprintf(stderr, "release: %s\n", rel.error().message.c_str());
      std::exit(1);
    }
  }
  return n / std::chrono::duration<double>(Clock::now() - start).count();
}

std::unique_ptr<store::EtcdStore> etcd_store(const std::string& endpoint) {
  store::EtcdOptions o;
  o.http.endpoints = {endpoint};
  auto s = store::EtcdStore::open(o);
  if (!s) {
    std::fprintf(stderr, "%s\n", s.error().message.c_str());
    std::exit(1);
  }
  return std::move(*s);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 300;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  testing::EtcdServer etcd;
  const std::string dir = std::filesystem::temp_directory_path() / ("netmod-ipam-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::vector<double> one, three, embedded, trips;
  for (int round = 0; round < rounds; ++round) {
    {
      auto s = etcd_store(etcd.endpoint());
      (void)cycles(*s, "warm", 10, round);  // the pool, the host's block
      const uint64_t before = s->requests();
      one.push_back(cycles(*s, "h1", n, round));
      trips.push_back(static_cast<double>(s->requests() - before) / n);
    }
    {
      std::vector<double> rates(3);
      std::vector<std::thread> ts;
      for (int h = 0; h < 3; ++h) {
        ts.emplace_back([&, h] {
          auto s = etcd_store(etcd.endpoint());
          rates[h] = cycles(*s, "host-" + std::to_string(h), n, round);
        });
      }
      for (auto& t : ts) t.join();
      three.push_back(rates[0] + rates[1] + rates[2]);
    }
    {
      auto s = store::SqliteStore::open({dir + "/netmod.db", 10000, false});
      embedded.push_back(cycles(**s, "h1", n, round));
    }
    std::printf("round %d: etcd one process %.0f/s (%.2f requests each), etcd three hosts %.0f/s, embedded %.0f/s\n",
                round + 1, one.back(), trips.back(), three.back(), embedded.back());
  }
  std::printf("median over %d rounds of %d allocate+release cycles: etcd one process %.0f/s, etcd three hosts at once "
              "%.0f/s in all, %.2f etcd requests per cycle; embedded store %.0f/s\n",
              rounds, n, median(one), median(three), median(trips), median(embedded));
  std::filesystem::remove_all(dir);
  return 0;
}

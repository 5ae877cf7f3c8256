// In-process IPAM throughput: allocate + release pairs per second, on the
// embedded SQLite store (the product's default) and on the in-memory store
// (the engine's own cost, without storage).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

#include "ipam/ipam.hpp"
#include "store/memory_store.hpp"
#include "store/sqlite_store.hpp"

namespace {

using namespace netmod;

ipam::IpamOptions bench_options(int64_t cooldown_ms) {
  ipam::IpamOptions o;
  o.release_cooldown_ms = cooldown_ms;
  o.default_pools = {{*net::Cidr::parse("10.65.0.0/16")}, {*net::Cidr::parse("fd65:6e6d::/48")}};
  return o;
}

// `background` tasks stay allocated, so the store is not empty while measuring.
// state.range(1): the release cooldown in seconds.
void run_pairs(benchmark::State& state, store::Store& s) {
  ipam::Ipam ipam(s, bench_options(state.range(1) * 1000));
  for (int64_t i = 0; i < state.range(0); ++i) {
    auto r = ipam.allocate({"bg-" + std::to_string(i), "bench-host", 1, 0, {}, {}});
    if (!r) state.SkipWithError(r.error().message.c_str());
  }
  uint64_t n = 0;
  for (auto _ : state) {
    std::string uid = "task-" + std::to_string(n++);
    auto a = ipam.allocate({uid, "bench-host", 1, 0, {{"public"}, {}}, {}});
    if (!a) {
      state.SkipWithError(a.error().message.c_str());
      break;
    }
    auto r = ipam.release_handle(uid);
    if (!r) {
      state.SkipWithError(r.error().message.c_str());
      break;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(n));
  state.SetLabel("allocate+release pairs");
}

void BM_AllocateReleaseSqlite(benchmark::State& state) {
  std::string dir = "/tmp/netmod-bench-" + std::to_string(getpid());
  std::filesystem::remove_all(dir);
  {
    // One long-lived connection, as an agent holds it.
    auto s = store::SqliteStore::open({.path = dir + "/netmod.db", .short_lived = false});
    if (!s) {
      state.SkipWithError(s.error().message.c_str());
      return;
    }
    run_pairs(state, **s);
  }
  std::filesystem::remove_all(dir);
}

void BM_AllocateReleaseMemory(benchmark::State& state) {
  store::MemoryStore s;
  run_pairs(state, s);
}

// Args: {tasks already allocated, release cooldown in seconds}.
BENCHMARK(BM_AllocateReleaseSqlite)->Args({0, 0})->Args({1000, 0})->Unit(benchmark::kMicrosecond)->MinTime(2.0);
BENCHMARK(BM_AllocateReleaseMemory)->Args({0, 0})->Args({1000, 0})->Unit(benchmark::kMicrosecond)->MinTime(2.0);
// With the default 30 s cooldown every released address stays out of use for
// the whole run, so the run is bounded to 20,000 pairs (a third of a /16).
BENCHMARK(BM_AllocateReleaseSqlite)->Args({1000, 30})->Unit(benchmark::kMicrosecond)->Iterations(20000);

}  // namespace

BENCHMARK_MAIN();

// What the agent counts, and its Prometheus text exposition
// (https://prometheus.io/docs/instrumenting/exposition_formats/), served
// on /metrics. Counters only grow; gauges are set by the loop.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "dns/message.hpp"

namespace netmod::agent {

struct Metrics {
  std::string host;
  // Gauges, from the last reconcile's records.
  std::atomic<int64_t> endpoints{0};          // of this host
  std::atomic<int64_t> cluster_endpoints{0};  // of every host
  std::atomic<int64_t> blocks{0};             // affine to this host
  std::atomic<int64_t> hosts{0};              // with a fabric record
  // Counters.
  std::atomic<uint64_t> reconciles{0};
  std::atomic<uint64_t> reconcile_changes{0};
  std::atomic<uint64_t> reconcile_failures{0};
  std::atomic<uint64_t> reconcile_micros{0};  // sum of durations
  std::atomic<int64_t> last_reconcile_micros{0};
  std::atomic<uint64_t> store_errors{0};
  std::atomic<uint64_t> watch_events{0};
  std::atomic<int64_t> watch_lag_micros{0};  // last: from a watch's answer to its change applied
  std::atomic<uint64_t> lease_renewals{0};
  std::atomic<uint64_t> skipped_records{0};
  std::atomic<int64_t> gc_candidates{0};  // garbage seen at the last look
  std::atomic<uint64_t> gc_releases{0};   // garbage collected, of every kind
  std::atomic<uint64_t> gc_tasks{0};      // of which task records of dead launchers
  // DNS queries answered (agent/dns.hpp), by response code (dns::Rcode).
  std::array<std::atomic<uint64_t>, dns::kRcodes> dns_queries{};
};

std::string render_prometheus(const Metrics& m);

}  // namespace netmod::agent

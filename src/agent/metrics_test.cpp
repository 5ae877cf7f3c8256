#include "agent/metrics.hpp"

#include <gtest/gtest.h>

namespace netmod::agent {
namespace {

TEST(Metrics, PrometheusTextHasEveryFamilyWithHelpTypeAndValue) {
  Metrics m;
  m.host = "host\"1";
  m.endpoints = 3;
  m.reconciles = 2;
  m.reconcile_micros = 1500000;
  m.lease_renewals = 7;
  m.gc_tasks = 2;
  m.dns_queries[static_cast<size_t>(dns::Rcode::nxdomain)] = 4;
  const std::string t = render_prometheus(m);
  EXPECT_NE(t.find("# TYPE netmod_endpoints gauge\nnetmod_endpoints{host=\"host\\\"1\"} 3\n"), std::string::npos) << t;
  EXPECT_NE(t.find("netmod_reconcile_duration_seconds_sum{host=\"host\\\"1\"} 1.500000\n"), std::string::npos) << t;
  EXPECT_NE(t.find("netmod_reconcile_duration_seconds_count{host=\"host\\\"1\"} 2\n"), std::string::npos);
  EXPECT_NE(t.find("netmod_lease_renewals_total{host=\"host\\\"1\"} 7\n"), std::string::npos);
  EXPECT_NE(t.find("netmod_dns_queries_total{host=\"host\\\"1\",rcode=\"NXDOMAIN\"} 4\n"), std::string::npos) << t;
  EXPECT_NE(t.find("# TYPE netmod_gc_tasks_total counter\nnetmod_gc_tasks_total{host=\"host\\\"1\"} 2\n"), std::string::npos) << t;
  EXPECT_NE(t.find("netmod_dns_queries_total{host=\"host\\\"1\",rcode=\"NOERROR\"} 0\n"), std::string::npos);
  // Every sample line belongs to a family declared before it.
  size_t types = 0, samples = 0;
  for (size_t at = 0, nl; (nl = t.find('\n', at)) != std::string::npos; at = nl + 1) {
    std::string line = t.substr(at, nl - at);
    if (line.starts_with("# TYPE ")) ++types;
    else if (!line.starts_with("#")) ++samples;
  }
  EXPECT_EQ(types, 18u);
  EXPECT_EQ(samples, 24u);  // the summary has two, DNS queries one per rcode
}

}  // namespace
}  // namespace netmod::agent

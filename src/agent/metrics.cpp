#include "agent/metrics.hpp"

#include <cstdio>

namespace netmod::agent {

namespace {

// A label value escaped as the format wants: backslash, quote, newline.
std::string label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void metric(std::string& out, const char* name, const char* type, const char* help, const std::string& labels,
            const std::string& value) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  out += std::string(name) + labels + " " + value + "\n";
}

std::string seconds(int64_t micros) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", static_cast<double>(micros) / 1e6);
  return buf;
}

}  // namespace

std::string render_prometheus(const Metrics& m) {
  const std::string l = "{host=\"" + label(m.host) + "\"}";
  std::string out;
  metric(out, "netmod_endpoints", "gauge", "Endpoints (tasks' attachments) on this host.", l, std::to_string(m.endpoints));
  metric(out, "netmod_cluster_endpoints", "gauge", "Endpoints on every host of the cluster.", l,
         std::to_string(m.cluster_endpoints));
  metric(out, "netmod_blocks", "gauge", "Address blocks affine to this host.", l, std::to_string(m.blocks));
  metric(out, "netmod_hosts", "gauge", "Hosts with a fabric record.", l, std::to_string(m.hosts));
  metric(out, "netmod_reconcile_runs_total", "counter", "Reconciliations of this host's kernel with the store.", l,
         std::to_string(m.reconciles));
  metric(out, "netmod_reconcile_changes_total", "counter", "Kernel objects reconciliation added or removed.", l,
         std::to_string(m.reconcile_changes));
  metric(out, "netmod_reconcile_failures_total", "counter", "Reconciliations that failed.", l,
         std::to_string(m.reconcile_failures));
  out += "# HELP netmod_reconcile_duration_seconds Time reconciliations took.\n"
         "# TYPE netmod_reconcile_duration_seconds summary\n";
  out += "netmod_reconcile_duration_seconds_sum" + l + " " + seconds(static_cast<int64_t>(m.reconcile_micros.load())) + "\n";
  out += "netmod_reconcile_duration_seconds_count" + l + " " + std::to_string(m.reconciles) + "\n";
  metric(out, "netmod_reconcile_last_duration_seconds", "gauge", "Time the last reconciliation took.", l,
         seconds(m.last_reconcile_micros));
  metric(out, "netmod_store_errors_total", "counter", "Datastore requests that failed.", l, std::to_string(m.store_errors));
  metric(out, "netmod_watch_events_total", "counter", "Datastore changes seen by watch.", l, std::to_string(m.watch_events));
  metric(out, "netmod_watch_lag_seconds", "gauge", "For the last change seen: from its arrival to the kernel following it.",
         l, seconds(m.watch_lag_micros));
  metric(out, "netmod_lease_renewals_total", "counter", "Renewals of the agent's lease.", l,
         std::to_string(m.lease_renewals));
  metric(out, "netmod_skipped_records_total", "counter", "Records under netmod's prefix that could not be read and were skipped.",
         l, std::to_string(m.skipped_records));
  metric(out, "netmod_gc_candidates", "gauge",
         "Garbage (gone hosts, dead tasks, unused allocations, task records of dead launchers, orphaned names and port "
         "claims) seen at the last look.",
         l, std::to_string(m.gc_candidates));
  metric(out, "netmod_gc_releases_total", "counter", "Garbage collected (after two observations a grace apart).", l,
         std::to_string(m.gc_releases));
  metric(out, "netmod_gc_tasks_total", "counter",
         "Task records of dead launchers collected, with their names and port claims (counted in "
         "netmod_gc_releases_total too).",
         l, std::to_string(m.gc_tasks));
  out += "# HELP netmod_dns_queries_total DNS queries answered, by response code.\n"
         "# TYPE netmod_dns_queries_total counter\n";
  for (size_t i = 0; i < m.dns_queries.size(); ++i) {
    out += "netmod_dns_queries_total{host=\"" + label(m.host) + "\",rcode=\"" +
           std::string(dns::rcode_name(static_cast<dns::Rcode>(i))) + "\"} " + std::to_string(m.dns_queries[i]) + "\n";
  }
  return out;
}

}  // namespace netmod::agent

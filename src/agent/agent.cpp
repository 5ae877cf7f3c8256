#include "agent/agent.hpp"

#include <syslog.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "agent/dns.hpp"
#include "agent/fabric.hpp"
#include "agent/gc_collect.hpp"
#include "http/server.hpp"
#include "ipam/ipam.hpp"
#include "plugin/reconcile.hpp"
#include "records/keys.hpp"

namespace netmod::agent {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// One structured line per event on stderr (journald keeps it).
void log_line(const std::string& host, const std::string& event, const std::string& detail = "") {
  std::fprintf(stderr, "netmod-agent host=%s event=%s%s%s\n", host.c_str(), event.c_str(), detail.empty() ? "" : " ",
               detail.c_str());
  std::fflush(stderr);
}

// A log field's value in full, quoted: '"', '\\' and newlines escaped.
std::string field(const std::string& v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : "; ") + x;
  return s;
}

int64_t micros_since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t).count();
}

}  // namespace

Result<void> run_agent(store::Store& store, const AgentOptions& o, Metrics& metrics) {
  metrics.host = o.host;
  const auto ttl = std::chrono::seconds(o.config.agent.lease_ttl_seconds);
  NETMOD_ASSIGN_OR_RETURN(auto rtnl, o.kernel->open_socket(NETLINK_ROUTE));
  NETMOD_ASSIGN_OR_RETURN(auto facts, read_fabric_facts(rtnl));
  NETMOD_ASSIGN_OR_RETURN(auto fabric, choose_fabric(o.config.agent.fabric_addresses, facts));
  std::string fabric_text;
  for (const auto& a : fabric) fabric_text += (fabric_text.empty() ? "" : ",") + a.str();

  NETMOD_ASSIGN_OR_RETURN(auto reg, Registration::acquire(store, this_process(o.host, fabric), ttl, o.alive));
  log_line(o.host, "registered", "fabric=" + fabric_text + " lease=" + std::to_string(reg.lease()));

  std::atomic<bool> healthy{false};
  http::StatusServer http;
  if (!o.config.agent.metrics_address.empty()) {
    auto started = http.start(o.config.agent.metrics_address, [&](const std::string& path) -> http::HttpAnswer {
      if (path == "/metrics") return {200, "text/plain; version=0.0.4", render_prometheus(metrics)};
      if (path == "/healthz") return healthy ? http::HttpAnswer{200, "text/plain", "ok\n"} : http::HttpAnswer{503, "text/plain", "not in sync\n"};
      return {404, "text/plain", "not found: /metrics, /healthz\n"};
    });
    if (!started) {
      (void)reg.release();
      return std::move(started).error().with_context("agent.metrics_address " + o.config.agent.metrics_address);
    }
    log_line(o.host, "serving", "metrics=http://" + o.config.agent.metrics_address + "/metrics");
  }

  // DNS for task names (agent/dns.hpp): after registration, so that a
  // second agent refused for the host never takes the port.
  auto started_dns = start_dns(store, o.config.agent, fabric, metrics);
  if (!started_dns) {
    http.stop();
    (void)reg.release();
    return std::move(started_dns).error();
  }
  std::unique_ptr<dns::Responder> names = std::move(*started_dns);
  if (names) {
    log_line(o.host, "serving", "dns=" + endpoints_text(names->bound()) + " domain=" + o.config.agent.dns_domain.str());
  }

  // Renewal on its own thread: a long reconcile must not let the lease lapse.
  std::mutex mu;
  std::condition_variable wake;
  std::optional<Error> fatal;
  std::thread renewer([&] {
    std::unique_lock lock(mu);
    while (!*o.stop && !fatal) {
      wake.wait_for(lock, ttl / 3, [&] { return o.stop->load() || fatal.has_value(); });
      if (*o.stop || fatal) break;
      lock.unlock();
      auto r = reg.renew();
      lock.lock();
      if (r) {
        metrics.lease_renewals = reg.renewals();
      } else if (r.error().code == Errc::conflict) {
        fatal = std::move(r).error();
      } else {
        ++metrics.store_errors;
        log_line(o.host, "renew-failed", field(r.error().message));
      }
    }
  });

  ipam::Ipam ipam(store, config::ipam_options(o.config));
  std::string last_problems;
  // Task links without a record, by first sighting: kept for a grace
  // period, as a plugin may be wiring them (plugin/reconcile.hpp).
  std::map<std::string, int64_t> unowned_links;
  auto reconcile = [&](bool full) {
    const auto start = Clock::now();
    plugin::ReconcileOptions ro;
    ro.task_workers = o.task_workers;
    ro.task_sides = full;
    ro.rewire = full;
    ro.unowned_links = &unowned_links;
    ro.now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
    auto r = plugin::reconcile(store, ipam, o.host, *o.kernel, ro);
    const int64_t took = micros_since(start);
    ++metrics.reconciles;
    metrics.reconcile_micros += static_cast<uint64_t>(took);
    metrics.last_reconcile_micros = took;
    if (!r) {
      ++metrics.reconcile_failures;
      if (r.error().code == Errc::unavailable || r.error().code == Errc::storage) ++metrics.store_errors;
      healthy = false;
      log_line(o.host, "reconcile-failed", field(r.error().message));
      return;
    }
    metrics.endpoints = static_cast<int64_t>(r->endpoints);
    metrics.cluster_endpoints = static_cast<int64_t>(r->cluster_endpoints);
    metrics.blocks = static_cast<int64_t>(r->blocks);
    metrics.hosts = static_cast<int64_t>(r->hosts);
    metrics.skipped_records = r->undecodable;
    metrics.reconcile_changes += r->created.size() + r->removed.size();
    healthy = true;
    for (const auto& c : r->created) log_line(o.host, "created", field(c));
    for (const auto& c : r->removed) log_line(o.host, "removed", field(c));
    // Problems persist until fixed: logged when they change, not each run.
    const std::string problems = joined(r->problems);
    if (problems != last_problems) {
      log_line(o.host, problems.empty() ? "problems-cleared" : "problems", problems.empty() ? "" : field(problems));
      last_problems = problems;
    }
  };

  GcClock gc_clock(std::chrono::seconds(o.config.agent.gc_grace_seconds));
  auto collect_garbage = [&] {
    auto in = read_gc_input(store, ipam, *o.kernel, *o.processes, o.host);
    if (!in) {
      ++metrics.store_errors;
      log_line(o.host, "gc-failed", field(in.error().message));
      return;
    }
    const auto candidates = gc_candidates(*in);
    metrics.gc_candidates = static_cast<int64_t>(candidates.size());
    for (const auto& c : gc_clock.due(candidates, Clock::now())) {
      auto done = collect(store, ipam, *o.kernel, *o.processes, c);
      if (!done) {
        log_line(o.host, "gc-failed", field(c.key() + ": " + done.error().message));
        continue;
      }
      if (done->empty()) continue;
      ++metrics.gc_releases;
      if (c.kind == GcCandidate::Kind::task_dead) ++metrics.gc_tasks;
      log_line(o.host, "gc", field(*done));
    }
  };

  const std::string prefix = "/netmod/v1/";  // every key netmod writes (records/keys.hpp)
  int64_t next = 0;
  Clock::time_point last_full;
  auto resync = [&]() {
    auto at = store.list_at_once({std::string(records::keys::kFabric)});
    if (!at) {
      ++metrics.store_errors;
      log_line(o.host, "store-unavailable", field(at.error().message));
      return false;
    }
    next = at->revision + 1;
    reconcile(true);
    collect_garbage();
    last_full = Clock::now();
    return true;
  };
  bool listed = resync();
  const auto resync_every = std::chrono::seconds(o.config.agent.resync_seconds);
  while (!*o.stop) {
    {
      std::lock_guard lock(mu);
      if (fatal) break;
    }
    if (!listed) {
      std::this_thread::sleep_for(500ms);
      listed = resync();
      continue;
    }
    auto w = store.watch(prefix, next, 500ms);
    if (!w) {
      ++metrics.store_errors;
      log_line(o.host, "watch-failed", field(w.error().message));
      std::this_thread::sleep_for(500ms);
      continue;
    }
    if (w->compacted) {
      log_line(o.host, "watch-compacted", "listing again");
      listed = resync();
      continue;
    }
    next = w->next_revision;
    if (!w->events.empty()) {
      const auto seen = Clock::now();
      metrics.watch_events += w->events.size();
      reconcile(false);
      metrics.watch_lag_micros = micros_since(seen);
    }
    if (Clock::now() - last_full >= resync_every) {
      reconcile(true);
      collect_garbage();
      last_full = Clock::now();
    }
  }
  {
    std::lock_guard lock(mu);
    wake.notify_all();
  }
  if (!*o.stop) *o.stop = true;  // the renewer stops too
  wake.notify_all();
  renewer.join();
  http.stop();
  if (names) names->stop();
  if (fatal) {
    log_line(o.host, "stopped", field(fatal->message));
    return *fatal;
  }
  auto released = reg.release();
  log_line(o.host, "stopped", released ? "lease revoked; tasks keep their networking" : field(released.error().message));
  return ok();
}

}  // namespace netmod::agent

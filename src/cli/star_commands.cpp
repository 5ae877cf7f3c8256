// netmod star probe, netmod star collect: the seed demo's connectivity
// tools (docs/star.md). Both are long-lived: they serve until SIGTERM or
// SIGINT, then exit 0.
#include <CLI/CLI.hpp>
#include <signal.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <mutex>

#include "cli/context.hpp"
#include "star/collector.hpp"
#include "star/listen.hpp"
#include "star/probe.hpp"

namespace netmod::cli {

namespace {

struct ProbeFlags {
  std::string listen = ":9000";
  std::vector<std::string> urls;
  double interval = 2.0;
  double timeout = 1.0;
};

struct CollectFlags {
  std::string listen = ":9001";
  std::string resources;
  double interval = 1.0;
  double timeout = 1.0;
  std::string title = "netmod star";
};

// Seconds from the command line (fractions allowed) as a duration; a
// period under 10 ms would only spin.
Result<std::chrono::milliseconds> seconds(const char* flag, double s) {
  if (!std::isfinite(s) || s < 0.01 || s > 86400) {
    return make_error(Errc::invalid_argument, std::string(flag) + " must be from 0.01 to 86400 seconds");
  }
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(s * 1000)));
}

// One line per event on stderr, from any thread; the tool's name first so
// a task's log reads on its own.
star::Log stderr_log(std::string who) {
  auto mu = std::make_shared<std::mutex>();
  return [who = std::move(who), mu](const std::string& line) {
    std::lock_guard lock(*mu);
    std::cerr << who << ": " << line << std::endl;
  };
}

// Blocks SIGTERM and SIGINT in this thread (every thread started after
// inherits the mask) and waits for one of them.
class StopSignals {
 public:
  StopSignals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
  }
  void wait() {
    while (sigwaitinfo(&set_, nullptr) < 0) {
    }
  }

 private:
  sigset_t set_;
};

int run_probe(const ProbeFlags& f) {
  StopSignals signals;  // before any thread starts
  auto interval = seconds("--interval", f.interval);
  if (!interval) return fail(interval.error());
  auto timeout = seconds("--timeout", f.timeout);
  if (!timeout) return fail(timeout.error());
  star::ProbeOptions o;
  for (const auto& text : f.urls) {
    if (text.empty()) continue;
    auto u = star::Url::parse(text);
    if (!u) return fail(std::move(u).error().with_context("--urls"));
    o.targets.push_back(std::move(*u));
  }
  o.identity = star::identity_from_env([](const char* name) { return std::getenv(name); });
  o.interval = *interval;
  o.fetch = star::http_fetch({.timeout = *timeout});
  o.log = stderr_log("netmod star probe");
  const size_t count = o.targets.size();
  star::Probe probe(std::move(o));
  http::StatusServer server;
  auto where = star::listen_on(server, f.listen, [&probe](const std::string& path) { return probe.handle(path); });
  if (!where) return fail(where.error());
  std::cerr << "netmod star probe: serving /status on " << *where << " (port " << server.port() << "), "
            << count << " target(s) every " << f.interval << " s" << std::endl;
  probe.start();
  signals.wait();
  probe.stop();
  server.stop();
  return 0;
}

int run_collect(const CollectFlags& f) {
  StopSignals signals;
  auto interval = seconds("--interval", f.interval);
  if (!interval) return fail(interval.error());
  auto timeout = seconds("--timeout", f.timeout);
  if (!timeout) return fail(timeout.error());
  auto resources = star::read_resources(f.resources);
  if (!resources) return fail(resources.error());
  star::CollectorOptions o;
  o.resources = std::move(*resources);
  o.title = f.title;
  o.interval = *interval;
  o.fetch = star::http_fetch({.timeout = *timeout});
  o.log = stderr_log("netmod star collect");
  const size_t count = o.resources.size();
  star::Collector collector(std::move(o));
  http::StatusServer server;
  auto where =
      star::listen_on(server, f.listen, [&collector](const std::string& path) { return collector.handle(path); });
  if (!where) return fail(where.error());
  std::cerr << "netmod star collect: serving the page and /graph, /matrix, /resources, /responses on " << *where
            << " (port " << server.port() << "), " << count << " probe(s) every " << f.interval << " s"
            << std::endl;
  collector.start();
  signals.wait();
  collector.stop();
  server.stop();
  return 0;
}

}  // namespace

void add_star_commands(CLI::App& app, Context& /*ctx*/, int& exit_code) {
  auto* star = app.add_subcommand("star", "The star connectivity demo: probes that GET each other, a collector "
                                          "that draws who reaches whom");
  star->require_subcommand(1);

  auto pf = std::make_shared<ProbeFlags>();
  auto* probe = star->add_subcommand("probe", "GET each target URL on a period and serve GET /status: which "
                                              "targets answered (the seed's star-probe)");
  probe->add_option("--listen", pf->listen, "Where to serve /status: :PORT (every address), HOST:PORT, [V6]:PORT")
      ->capture_default_str();
  probe->add_option("--urls", pf->urls, "Target URLs, comma-separated (http://host[:port]/path)")->delimiter(',');
  probe->add_option("--interval", pf->interval, "Seconds between GETs of a target (fractions allowed)")
      ->capture_default_str();
  probe->add_option("--timeout", pf->timeout, "Seconds a GET may take before its target counts unreachable")
      ->capture_default_str();
  probe->callback([pf, &exit_code] { exit_code = run_probe(*pf); });

  auto cf = std::make_shared<CollectFlags>();
  auto* collect = star->add_subcommand("collect", "Poll every probe's /status and serve the live page, /graph, "
                                                  "/matrix, /resources, /responses (the seed's star-collect)");
  collect->add_option("--listen", cf->listen, "Where to serve: :PORT (every address), HOST:PORT, [V6]:PORT")
      ->capture_default_str();
  collect->add_option("--resources,--resources-file", cf->resources,
                      "JSON file: [{\"id\": \"A\", \"url\": \"http://probe-a...:9000/status\"}, ...]")
      ->required();
  collect->add_option("--interval", cf->interval, "Seconds between polls of a probe (fractions allowed)")
      ->capture_default_str();
  collect->add_option("--timeout", cf->timeout, "Seconds a poll may take before the probe counts as not answering")
      ->capture_default_str();
  collect->add_option("--title", cf->title, "The scenario's name, shown at the top of the page")->capture_default_str();
  collect->callback([cf, &exit_code] { exit_code = run_collect(*cf); });
}

}  // namespace netmod::cli

// The star probe: GETs each of its target URLs on a period, each in a
// thread of its own, and says at GET /status which it reached (status.hpp).
// Any HTTP answer counts as reachable, as in the seed; a target starts
// unreachable until its first GET answers.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "http/server.hpp"
#include "star/fetch.hpp"
#include "star/periodic.hpp"
#include "star/status.hpp"

namespace netmod::star {

struct ProbeOptions {
  std::vector<Url> targets;
  ProbeIdentity identity{};
  std::chrono::milliseconds interval{2000};
  Fetch fetch = http_fetch({});
  Log log{};  // a line when a target becomes reachable or unreachable
};

class Probe {
 public:
  explicit Probe(ProbeOptions options);
  ~Probe() { stop(); }
  Probe(const Probe&) = delete;
  Probe& operator=(const Probe&) = delete;

  void start();
  void stop();

  // One GET of target `index` and its result recorded (what each period
  // does; tests call it directly).
  void check(size_t index);
  std::vector<TargetStatus> targets() const;
  // GET /status; 404 elsewhere.
  http::HttpAnswer handle(const std::string& path) const;

 private:
  ProbeOptions options_;
  mutable std::mutex mu_;
  std::vector<TargetStatus> status_;
  std::vector<bool> checked_;
  Periodic periodic_;
};

}  // namespace netmod::star

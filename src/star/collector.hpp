// The star collector: polls every probe's /status on a period, each in a
// thread of its own, and serves what it learnt: the seed's /resources,
// /responses and /matrix (matrix.hpp), /graph for its page (graph.hpp),
// and the page itself at /.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "http/server.hpp"
#include "star/fetch.hpp"
#include "star/graph.hpp"
#include "star/periodic.hpp"

namespace netmod::star {

struct CollectorOptions {
  std::vector<Resource> resources;
  std::string title = "netmod star";
  std::chrono::milliseconds interval{1000};
  Fetch fetch = http_fetch({});
  Log log{};  // a line when a probe starts or stops answering
  // The wall clock for "updated" (Unix ms).
  std::function<int64_t()> now_ms{};
};

class Collector {
 public:
  explicit Collector(CollectorOptions options);
  ~Collector() { stop(); }
  Collector(const Collector&) = delete;
  Collector& operator=(const Collector&) = delete;

  void start();
  void stop();

  // One poll of resource `index`, its result recorded.
  void poll(size_t index);

  Matrix matrix() const;
  nlohmann::json graph() const;
  // GET /, /graph, /resources, /responses, /matrix; 404 elsewhere.
  http::HttpAnswer handle(const std::string& path) const;

 private:
  CollectorOptions options_;
  mutable std::mutex mu_;
  Responses responses_;
  std::vector<bool> polled_;
  std::map<std::string, ProbeIdentity> identities_;
  uint64_t revision_ = 0;
  int64_t updated_ms_ = 0;
  Periodic periodic_;
};

}  // namespace netmod::star

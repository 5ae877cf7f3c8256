// Work done again and again on a fixed period, one thread per job, so that
// a job that waits (a probe target that times out, a name that is slow to
// resolve) never delays the others. Used by the probe (a job per target)
// and the collector (a job per resource).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace netmod::star {

class Periodic {
 public:
  using Job = std::function<void(size_t index)>;
  Periodic() = default;
  ~Periodic() { stop(); }
  Periodic(const Periodic&) = delete;
  Periodic& operator=(const Periodic&) = delete;

  // Starts `count` threads; thread i runs job(i) at once and then on every
  // tick of `period` from its start. A run longer than the period skips the
  // ticks it missed rather than running back to back.
  void start(size_t count, std::chrono::milliseconds period, Job job);
  // Wakes every thread from its wait and joins them; a job running now
  // finishes first (a GET ends at its timeout). Idempotent.
  void stop();

 private:
  void loop(size_t index);

  std::chrono::milliseconds period_{1000};
  Job job_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace netmod::star

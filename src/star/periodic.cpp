#include "star/periodic.hpp"

#include <algorithm>

namespace netmod::star {

void Periodic::start(size_t count, std::chrono::milliseconds period, Job job) {
  stop();
  period_ = std::max(period, std::chrono::milliseconds(1));
  job_ = std::move(job);
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  for (size_t i = 0; i < count; ++i) threads_.emplace_back([this, i] { loop(i); });
}

void Periodic::loop(size_t index) {
  using Clock = std::chrono::steady_clock;
  auto next = Clock::now();
  for (;;) {
    job_(index);
    next += period_;
    const auto now = Clock::now();
    if (next < now) next += ((now - next) / period_ + 1) * period_;
    std::unique_lock lock(mu_);
    if (wake_.wait_until(lock, next, [this] { return stopping_; })) return;
  }
}

void Periodic::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

}  // namespace netmod::star
